// VirtioPci: the part every virtio driver domain shares — the PCI function the supervisor gave
// it (configuration space in BH_SLOT_DEVICE, BARs from BH_SLOT_PCI_BAR0), its transport
// structures mapped from the BARs, feature negotiation and queue set-up with an MSI-X vector.
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

#include "bh/virtio/mmio_regs.hpp"
#include "bh/virtio/modern_transport.hpp"

namespace bh::virtio {

class VirtioPci {
public:
    // Maps the function's configuration page at config_va and its common, notify and device
    // structures from bar_va (BAR i at + i MiB); false (logged as "<who>: ...") unless it is a
    // modern virtio function with device id `device_id` and all its structures.
    bool attach(uint64_t config_va, uint64_t bar_va, uint16_t device_id, const char* who);
    // The driver's DMA area (`pages` frames in `slot`, mapped at va) and MSI-X entry 1 bound to
    // an event channel in port_slot: its port, or 0 (logged).
    bh_port_t take_memory_and_irq(uint64_t va, bh_slot_t slot, uint32_t pages, bh_slot_t port_slot);
    // Reset, then negotiate `wanted` (VERSION_1 and ACCESS_PLATFORM always).
    bool negotiate(uint64_t wanted, uint64_t* features);
    // Queue q with `size` entries in memory at mem_va (zeroed here), completions on MSI-X entry
    // `vector`; the doorbell to write q to, or nullptr (logged).
    volatile uint16_t* setup_queue(uint16_t q, uint32_t size, uint64_t mem_va, uint16_t vector);
    void driver_ok() { transport().driver_ok(); }
    bool needs_reset() { return (regs_.r8(common::kDeviceStatus) & kStatusNeedsReset) != 0; }
    volatile uint8_t* device_config() const { return device_; }
    uint32_t config32(uint16_t off) const { return *reinterpret_cast<volatile uint32_t*>(device_ + off); }

private:
    ModernTransport<MmioRegs> transport() { return ModernTransport<MmioRegs>(regs_); }
    volatile uint8_t* map_region(uint8_t bar, uint32_t offset, uint32_t length);

    const char* who_ = "virtio";
    uint64_t bar_va_ = 0;
    MmioRegs regs_{nullptr};
    volatile uint8_t* notify_ = nullptr;
    volatile uint8_t* device_ = nullptr;
    uint32_t multiplier_ = 0;
    uint32_t mapped_[6] = {};
};

}  // namespace bh::virtio
