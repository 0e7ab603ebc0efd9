// The small kernel objects capabilities name besides domains: frames, event-channel ports,
// device regions, IRQs and the machine (root authority). Each is freed by its release hook
// when the last capability naming it goes (domain/objects.cpp).
#pragma once

#include <bulkhead/abi.h>

#include "cap/kobject.hpp"
#include "mem/phys.hpp"

namespace bh {

struct Domain;

// One machine frame, or a run of up to kMaxPages frames (not physically contiguous) that maps as
// one virtually contiguous range — so a large buffer costs one capability slot, not one per page.
// Charged to the domain that allocated it until released.
struct FrameObj : Kobject {
    static constexpr ObjType kType = ObjType::Frame;
    static constexpr uint32_t kMaxPages = 512;  // the frame table fits one kalloc (4 KiB)
    FrameObj() : Kobject(kType) {}
    paddr_t pa = 0;             // the first (or only) frame
    uint32_t pages = 1;
    paddr_t* table = nullptr;   // every frame, when pages > 1 (kalloc'd, pages * 8 bytes)
    Domain* charged = nullptr;  // whose quota pays for the frames
    paddr_t frame(uint32_t i) const { return pages == 1 ? pa : table[i]; }
    // What the object costs its domain's quota.
    static uint64_t charge_for(uint32_t pages) {
        return uint64_t{pages} * kPageSize + sizeof(FrameObj) + (pages > 1 ? pages * sizeof(paddr_t) : 0);
    }
};

// One port of one domain's event-channel table; the last cap closes the port.
struct EvtchnObj : Kobject {
    static constexpr ObjType kType = ObjType::EvtChn;
    EvtchnObj() : Kobject(kType) {}
    Domain* dom = nullptr;  // held (kobject_hold) so the table outlives the cap
    bh_port_t port = 0;
};

// A device region a driver domain may use: an I/O-port range (BH_CALL_IO_*) or MMIO pages
// (BH_CALL_DEVICE_MAP). Never RAM the frame allocator manages.
struct DeviceObj : Kobject {
    static constexpr ObjType kType = ObjType::Device;
    DeviceObj() : Kobject(kType) {}
    uint16_t io_base = 0;
    uint16_t io_count = 0;
    paddr_t mmio_base = 0;
    uint32_t mmio_pages = 0;
    Domain* charged = nullptr;  // held; its quota pays for this object
};

// A hardware interrupt line that can be bound to an event channel.
struct IrqObj : Kobject {
    static constexpr ObjType kType = ObjType::Irq;
    IrqObj() : Kobject(kType) {}
    uint32_t irq = 0;
    Domain* charged = nullptr;  // held; its quota pays for this object
};

struct ModuleImage {
    const uint8_t* data;
    uint64_t size;
    char name[48];
};

// Root authority handed to the supervisor: boot modules, domain creation, shutdown.
struct MachineObj : Kobject {
    static constexpr ObjType kType = ObjType::Machine;
    MachineObj() : Kobject(kType) {}
    static constexpr uint32_t kMaxModules = 32;
    ModuleImage modules[kMaxModules] = {};
    uint32_t nr_modules = 0;
    const char* cmdline = "";
    uint64_t rsdp = 0;  // ACPI RSDP physical address from hvm_start_info (0 = none)
};

void register_release_hooks();

}  // namespace bh

namespace bh {
// Names one domain's grant table (the GrantTable itself is not a Kobject: it may outlive the
// domain while peers still map its grants).
struct GnttabObj : Kobject {
    static constexpr ObjType kType = ObjType::GntTab;
    GnttabObj() : Kobject(kType) {}
    Domain* dom = nullptr;  // held
};
}  // namespace bh
