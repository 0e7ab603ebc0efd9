// The x86-64 side of kernel/domain/platform.hpp.
#include "domain/platform.hpp"

#include "arch/x86_64/cpu.hpp"
#include "arch/x86_64/ioapic.hpp"
#include "arch/x86_64/serial.hpp"
#include "arch/x86_64/vtd.hpp"

namespace bh::platform {

paddr_t mmu_root() { return x86::read_cr3(); }
void mmu_load(paddr_t root) { x86::write_cr3(root); }
void mmu_flush(vaddr_t va) { x86::invlpg(va); }
uint64_t cycles() { return x86::rdtsc(); }

void port_out(uint16_t port, uint32_t width, uint32_t value) {
    if (width == 1) x86::outb(port, static_cast<uint8_t>(value));
    else if (width == 2) x86::outw(port, static_cast<uint16_t>(value));
    else x86::outl(port, value);
}

uint32_t port_in(uint16_t port, uint32_t width) {
    return width == 1 ? x86::inb(port) : width == 2 ? x86::inw(port) : x86::inl(port);
}

void irq_line(uint32_t line, bool routed, bool masked) {
    if (routed) x86::ioapic_mask(line, masked);
    else x86::ioapic_route(line, true);
}

Result<void> iommu_enable(paddr_t regs) { return x86::vtd_enable(regs); }
bool iommu_on() { return x86::vtd_on(); }
paddr_t iommu_regs() { return x86::vtd_regs(); }
Result<void> iommu_attach(uint16_t bdf, paddr_t root, uint16_t did) { return x86::vtd_attach(bdf, root, did); }
void iommu_detach(uint16_t bdf) { x86::vtd_detach(bdf); }
void iommu_flush(uint16_t did) { x86::vtd_flush(did); }
void iommu_sync() { x86::vtd_sync_tables(); }

uint64_t msi_message(uint32_t index, uint32_t* data) {
    // Intel SDM vol. 3 §11.11: address 0xFEE, destination APIC id 0 (bits 19:12), physical
    // mode; data: the vector, fixed delivery, edge.
    *data = x86::kMsiVectorBase + index;
    return 0xFEE00000;
}

size_t console_rx(uint8_t* out, size_t n) { return serial::read(out, n); }

void machine_stop(bool success) {
    // isa-debug-exit: QEMU exits with (v << 1) | 1, so 0x10 → 33 (pass), 0x11 → 35 (fail).
    x86::outb(0xf4, success ? 0x10 : 0x11);
    x86::halt_forever();
}

}  // namespace bh::platform
