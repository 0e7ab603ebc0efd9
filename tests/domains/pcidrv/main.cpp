// pcidrv: a driver domain given one PCI function (the manifest's `pci = "BB:DD.F"`): it reaches
// the function's configuration space through the one MMIO page its capability names, checks it
// is a modern virtio device and finds its virtio transport capabilities (virtio 1.1 §4.1.4).
// Role 1 is a bystander with no device: every way to the same page must be refused.
#include <bh/pci/config.hpp>
#include <bh/rt.hpp>

using namespace bh::rt;

namespace {

constexpr uint64_t kMapAt = 0x60000000;
constexpr uint16_t kVirtioVendor = 0x1af4;
// virtio_pci_cap.cfg_type: common, notify, ISR, device-specific, PCI-config access.
constexpr uint8_t kVirtioCapTypes = 5;

int driver() {
    Ret m = call(BH_CALL_DEVICE_MAP, BH_SLOT_DEVICE, 0, kMapAt);
    Ret beyond = call(BH_CALL_DEVICE_MAP, BH_SLOT_DEVICE, 1, kMapAt + 0x1000);  // the next function's
    if (!m.ok() || beyond.err != BH_E_BAD_ARG) {
        print("pcidrv: FAIL map %s, page beyond the function %s", error_name(m.err), error_name(beyond.err));
        return 1;
    }
    bh::pci::Config c{reinterpret_cast<const volatile uint8_t*>(kMapAt)};
    bool modern = c.vendor() == kVirtioVendor && c.device() >= 0x1040 && c.device() <= 0x107f;
    uint32_t seen = 0;  // bit per virtio capability type found
    c.each_capability([&](uint8_t off, uint8_t id) {
        if (id != bh::pci::kCapVendor) return;
        uint8_t type = c.r8(static_cast<uint16_t>(off + 3));
        if (type >= 1 && type <= kVirtioCapTypes) seen |= 1u << type;
    });
    print("pcidrv: %04x:%04x class %06x, virtio capabilities %x", c.vendor(), c.device(),
          c.class_code(), seen);
    // Common, notify, ISR and device configuration are what a modern driver needs.
    if (!modern || (seen & 0x1e) != 0x1e) {
        print("pcidrv: FAIL not a modern virtio function with its transport capabilities");
        return 1;
    }
    report_ready();
    return 0;
}

int bystander() {
    Ret map = call(BH_CALL_DEVICE_MAP, BH_SLOT_DEVICE, 0, kMapAt);
    Ret mint = call(BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, 0xb0008000, 1, BH_SLOT_FIRST_FREE);
    if (map.ok() || mint.ok()) {
        print("pcidrv: FAIL a bystander reached configuration space (map %s, mint %s)",
              error_name(map.err), error_name(mint.err));
        return 1;
    }
    print("pcidrv: bystander refused: map %s, mint %s", error_name(map.err), error_name(mint.err));
    report_ready();
    return 0;
}

}  // namespace

int bh_main(uint64_t, uint64_t arg1) { return static_cast<uint32_t>(arg1) == 1 ? bystander() : driver(); }
