// The Intel VT-d DMA remapping unit: its registers, the root/context tables, invalidation and
// fault reporting. The generic kernel reaches it through platform::iommu_* (domain/platform.hpp).
#pragma once

#include <stdint.h>

#include "lib/result.hpp"
#include "mem/phys.hpp"

namespace bh::x86 {

// The fault event interrupt's vector (above the I/O APIC's 0x30..0x47).
inline constexpr uint32_t kVectorIommuFault = 0x50;

Result<void> vtd_enable(paddr_t regs);
bool vtd_on();
paddr_t vtd_regs();
Result<void> vtd_attach(uint16_t bdf, paddr_t sl_root, uint16_t did);
void vtd_detach(uint16_t bdf);
void vtd_flush(uint16_t did);
void vtd_sync_tables();
// The fault event fired: report and clear every recorded fault.
void vtd_fault_interrupt();

}  // namespace bh::x86
