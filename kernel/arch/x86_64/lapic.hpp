// Local APIC: the periodic preemption timer, EOI, and the TSC rate measured beside it.
#pragma once

#include <stdint.h>

namespace bh::x86 {

// Calibrates against PIT channel 2, then starts a periodic timer of `tick_us` microseconds.
void lapic_init(uint32_t tick_us);
void lapic_eoi();
uint64_t tsc_khz();

}  // namespace bh::x86
