// I/O APIC at its default base (Intel 82093AA datasheet §3.2: IOREGSEL, IOWIN, redirection table).
#include "arch/x86_64/ioapic.hpp"

#include "mem/phys.hpp"

namespace bh::x86 {
namespace {

constexpr paddr_t kIoapicBase = 0xFEC00000;
constexpr uint32_t kRedirBase = 0x10;
constexpr uint32_t kMasked = 1u << 16;

void write(uint32_t reg, uint32_t v) {
    *phys_as<volatile uint32_t>(kIoapicBase) = reg;
    *phys_as<volatile uint32_t>(kIoapicBase + 0x10) = v;
}
uint32_t read(uint32_t reg) {
    *phys_as<volatile uint32_t>(kIoapicBase) = reg;
    return *phys_as<volatile uint32_t>(kIoapicBase + 0x10);
}

}  // namespace

void ioapic_init() {
    for (uint32_t pin = 0; pin < kNrIoapicPins; ++pin) ioapic_route(pin, true);
}

void ioapic_route(uint32_t pin, bool masked) {
    if (pin >= kNrIoapicPins) return;
    write(kRedirBase + 2 * pin + 1, 0);  // destination: APIC id 0 (the boot CPU)
    write(kRedirBase + 2 * pin, (kIrqVectorBase + pin) | (masked ? kMasked : 0));
}

void ioapic_mask(uint32_t pin, bool masked) {
    if (pin >= kNrIoapicPins) return;
    uint32_t lo = read(kRedirBase + 2 * pin);
    write(kRedirBase + 2 * pin, masked ? (lo | kMasked) : (lo & ~kMasked));
}

}  // namespace bh::x86
