// VirtioPci (see virtio_pci.hpp).
#include "virtio_pci.hpp"

#include <bh/pci/config.hpp>
#include <bh/rt.hpp>

#include "bh/virtio/pci_caps.hpp"

using namespace bh::rt;

namespace bh::virtio {

volatile uint8_t* VirtioPci::map_region(uint8_t bar, uint32_t offset, uint32_t length) {
    uint64_t base = bar_va_ + uint64_t{bar} * 0x100000;
    uint64_t first = offset / 0x1000, last = (offset + (length ? length : 1) - 1) / 0x1000;
    if (last >= 32) return nullptr;
    for (uint64_t p = first; p <= last; ++p) {
        if (mapped_[bar] >> p & 1) continue;
        Ret m = call(BH_CALL_DEVICE_MAP, BH_SLOT_PCI_BAR0 + bar, p, base + p * 0x1000);
        if (!m.ok()) {
            print("%s: cannot map BAR%u page %lu: %s", who_, bar, p, error_name(m.err));
            return nullptr;
        }
        mapped_[bar] |= 1u << p;
    }
    return reinterpret_cast<volatile uint8_t*>(base + offset);
}

bool VirtioPci::attach(uint64_t config_va, uint64_t bar_va, uint16_t device_id, const char* who) {
    who_ = who;
    bar_va_ = bar_va;
    if (!call(BH_CALL_DEVICE_MAP, BH_SLOT_DEVICE, 0, config_va).ok()) {
        print("%s: no PCI function (BH_SLOT_DEVICE)", who);
        return false;
    }
    bh::pci::Config c{reinterpret_cast<const volatile uint8_t*>(config_va)};
    PciCaps caps = find_pci_caps(c);
    if (c.vendor() != 0x1af4 || c.device() != device_id || !caps.complete()) {
        print("%s: %04x:%04x is not the modern virtio function expected (%04x)", who, c.vendor(), c.device(),
              device_id);
        return false;
    }
    // Memory decoding and bus mastering on (PCI command register, 16 bits: the status half beside
    // it has write-one-to-clear bits). Without bus mastering QEMU's virtio devices do no DMA at
    // all and say nothing; firmware only turned it on for the devices it booted from.
    auto* command = reinterpret_cast<volatile uint16_t*>(config_va + 4);
    *command = static_cast<uint16_t>(*command | 0x6);
    volatile uint8_t* common = map_region(caps.common.bar, caps.common.offset, caps.common.length);
    notify_ = map_region(caps.notify.bar, caps.notify.offset, caps.notify.length);
    device_ = map_region(caps.device.bar, caps.device.offset, caps.device.length);
    multiplier_ = caps.notify_multiplier;
    regs_ = MmioRegs{common};
    return common && notify_ && device_;
}

bh_port_t VirtioPci::take_memory_and_irq(uint64_t va, bh_slot_t slot, uint32_t pages, bh_slot_t port_slot) {
    Ret a = call(BH_CALL_FRAME_ALLOC, slot, pages);
    Ret m = a.ok() ? call(BH_CALL_FRAME_MAP, slot, va, 1) : a;
    Ret irq = m.ok() ? call(BH_CALL_EVTCHN_BIND_IRQ, BH_SLOT_MSI0 + 1, port_slot) : m;
    if (!irq.ok()) {
        print("%s: cannot set up memory or MSI-X entry 1: %s", who_, error_name(irq.err));
        return 0;
    }
    return static_cast<bh_port_t>(irq.r1);
}

bool VirtioPci::negotiate(uint64_t wanted, uint64_t* features) {
    if (transport().negotiate(wanted, features) == TransportError::None) return true;
    print("%s: feature negotiation refused", who_);
    return false;
}

volatile uint16_t* VirtioPci::setup_queue(uint16_t q, uint32_t size, uint64_t mem_va, uint16_t vector) {
    ModernTransport<MmioRegs> t = transport();
    SplitLayout lay{size};
    auto* mem = reinterpret_cast<volatile uint8_t*>(mem_va);
    for (uint64_t i = 0; i < lay.total(); ++i) mem[i] = 0;  // nothing of an earlier queue
    uint16_t off = 0;
    if (t.max_queue_size(q) < size || !t.config_vector(0) || !t.queue_vector(q, vector) ||
        t.setup_queue(q, static_cast<uint16_t>(size), mem_va, mem_va + lay.avail_off(), mem_va + lay.used_off(),
                      &off) != TransportError::None) {
        print("%s: queue %u cannot be set up (%u entries, MSI-X entry %u)", who_, q, size, vector);
        return nullptr;
    }
    return reinterpret_cast<volatile uint16_t*>(notify_ + uint64_t{off} * multiplier_);
}

}  // namespace bh::virtio
