// What the generic kernel needs from the machine, as plain functions: the arch folder
// implements them for real (kernel/arch/x86_64/platform.cpp), host tests with fakes.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/result.hpp"
#include "mem/phys.hpp"

namespace bh::platform {

paddr_t mmu_root();                  // the page-table root the CPU walks now
void mmu_load(paddr_t root);
void mmu_flush(vaddr_t va);          // drop one translation from the TLB
uint64_t cycles();                   // a monotonic cycle counter (TSC)
void port_out(uint16_t port, uint32_t width, uint32_t value);
uint32_t port_in(uint16_t port, uint32_t width);
void irq_line(uint32_t line, bool routed, bool masked);  // routed=false: detach the line
// The message (address, data) a device writes to raise message-signalled line `index`.
uint64_t msi_message(uint32_t index, uint32_t* data);
// The DMA remapping unit, once the supervisor has named it (arch: Intel VT-d). A device table is
// a 4-level table in the walker's layout whose leaf bits 0 and 1 mean readable and writable.
Result<void> iommu_enable(paddr_t regs);
bool iommu_on();
paddr_t iommu_regs();  // its register page: never handed out as MMIO
Result<void> iommu_attach(uint16_t bdf, paddr_t table_root, uint16_t did);
void iommu_detach(uint16_t bdf);
// After a device table lost or changed a leaf: returns once no cached translation remains.
void iommu_flush(uint16_t did);
// After a device table gained a leaf (the unit may read tables past the CPU's caches).
void iommu_sync();
[[noreturn]] void machine_stop(bool success);
// Takes up to n bytes the console UART has received; returns how many.
size_t console_rx(uint8_t* out, size_t n);

}  // namespace bh::platform
