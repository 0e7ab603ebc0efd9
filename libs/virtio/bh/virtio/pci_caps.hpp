// Where a modern virtio PCI function keeps its transport structures (virtio 1.1 §4.1.4): a
// vendor-specific capability per structure, naming a BAR, an offset and a length, and for the
// notify structure a multiplier (the doorbell of queue q is at offset + queue_notify_off(q) *
// multiplier). Read through libs/pci's bounded configuration-space walk.
#pragma once

#include <stdint.h>

#include "bh/pci/config.hpp"

namespace bh::virtio {

// virtio_pci_cap.cfg_type values.
inline constexpr uint8_t kCapCommon = 1, kCapNotify = 2, kCapIsr = 3, kCapDevice = 4;

struct CapRegion {
    uint8_t bar = 0xff;  // 0xff: not found
    uint32_t offset = 0, length = 0;
    bool found() const { return bar <= 5; }
};

struct PciCaps {
    CapRegion common, notify, isr, device;
    uint32_t notify_multiplier = 0;
    uint32_t seen = 0;  // bit per cfg_type met (types 1-5)

    // The four structures a modern driver needs, each inside a BAR.
    bool complete() const { return common.found() && notify.found() && isr.found() && device.found(); }
};

// Linux: struct virtio_pci_cap {cap_vndr, cap_next, cap_len, cfg_type, bar, id, padding[2],
// offset, length}, and virtio_pci_notify_cap adds notify_off_multiplier at +16. The first
// capability of each type wins (the spec lets a device list alternatives after it).
inline PciCaps find_pci_caps(const bh::pci::Config& c) {
    PciCaps out;
    c.each_capability([&](uint8_t off, uint8_t id) {
        if (id != bh::pci::kCapVendor) return;
        uint8_t type = c.r8(static_cast<uint16_t>(off + 3)), bar = c.r8(static_cast<uint16_t>(off + 4));
        if (type < 1 || type > 5) return;
        out.seen |= 1u << type;
        CapRegion* r = type == kCapCommon ? &out.common : type == kCapNotify ? &out.notify
                     : type == kCapIsr    ? &out.isr    : type == kCapDevice ? &out.device : nullptr;
        if (!r || r->found() || bar > 5 || c.r8(static_cast<uint16_t>(off + 2)) < 16) return;
        if (type == kCapNotify) {
            if (c.r8(static_cast<uint16_t>(off + 2)) < 20) return;
            out.notify_multiplier = c.r32(static_cast<uint16_t>(off + 16));
        }
        r->bar = bar;
        r->offset = c.r32(static_cast<uint16_t>(off + 8));
        r->length = c.r32(static_cast<uint16_t>(off + 12));
    });
    return out;
}

}  // namespace bh::virtio
