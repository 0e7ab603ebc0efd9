// I/O APIC: routes device interrupt lines to vectors on this CPU.
#pragma once

#include <stdint.h>

namespace bh::x86 {

inline constexpr uint32_t kIrqVectorBase = 0x30;
inline constexpr uint32_t kNrIoapicPins = 24;
// Message-signalled interrupts (MSI/MSI-X) the kernel hands out: vectors 0x60-0x7f.
inline constexpr uint32_t kMsiVectorBase = 0x60;
inline constexpr uint32_t kNrMsiVectors = 32;

void ioapic_init();
// ISA lines (edge, active high) for now; PCI's level/low lines come with PCI devices.
void ioapic_route(uint32_t pin, bool masked);
void ioapic_mask(uint32_t pin, bool masked);

}  // namespace bh::x86
