// What the generic kernel needs from the machine, as plain functions: the arch folder
// implements them for real (kernel/arch/x86_64/platform.cpp), host tests with fakes.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mem/phys.hpp"

namespace bh::platform {

paddr_t mmu_root();                  // the page-table root the CPU walks now
void mmu_load(paddr_t root);
void mmu_flush(vaddr_t va);          // drop one translation from the TLB
uint64_t cycles();                   // a monotonic cycle counter (TSC)
void port_out(uint16_t port, uint32_t width, uint32_t value);
uint32_t port_in(uint16_t port, uint32_t width);
void irq_line(uint32_t line, bool routed, bool masked);  // routed=false: detach the line
[[noreturn]] void machine_stop(bool success);
// Takes up to n bytes the console UART has received; returns how many.
size_t console_rx(uint8_t* out, size_t n);

}  // namespace bh::platform
