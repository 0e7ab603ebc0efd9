// pcidrv: a driver domain given one PCI function (the manifest's `pci = "BB:DD.F"`): it reaches
// the function's configuration space through the one MMIO page its capability names, checks it
// is a modern virtio device, finds its virtio transport capabilities (virtio 1.1 §4.1.4), maps
// the memory BAR holding the common configuration (BH_SLOT_PCI_BAR0 + bar) and reads the
// device's feature bits there. Role 1 is a bystander with no device: every way to the same page
// must be refused.
#include <bh/pci/config.hpp>
#include <bh/rt.hpp>
#include <bh/virtio/mmio_regs.hpp>
#include <bh/virtio/modern_transport.hpp>

using namespace bh::rt;

namespace {

constexpr uint64_t kMapAt = 0x60000000, kBarAt = 0x61000000;
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
    uint8_t common_bar = 0xff;
    uint32_t common_off = 0;
    c.each_capability([&](uint8_t off, uint8_t id) {
        if (id != bh::pci::kCapVendor) return;
        uint8_t type = c.r8(static_cast<uint16_t>(off + 3));
        if (type >= 1 && type <= kVirtioCapTypes) seen |= 1u << type;
        if (type == 1 && common_bar == 0xff) {  // virtio_pci_cap: bar at +4, offset at +8
            common_bar = c.r8(static_cast<uint16_t>(off + 4));
            common_off = c.r32(static_cast<uint16_t>(off + 8));
        }
    });
    print("pcidrv: %04x:%04x class %06x, virtio capabilities %x", c.vendor(), c.device(),
          c.class_code(), seen);
    // Common, notify, ISR and device configuration are what a modern driver needs.
    if (!modern || (seen & 0x1e) != 0x1e || common_bar > 5) {
        print("pcidrv: FAIL not a modern virtio function with its transport capabilities");
        return 1;
    }
    // The common configuration, in the BAR the capability names.
    uint64_t page = common_off / 0x1000;
    Ret bm = call(BH_CALL_DEVICE_MAP, BH_SLOT_PCI_BAR0 + common_bar, page, kBarAt);
    if (!bm.ok()) {
        print("pcidrv: FAIL cannot map BAR%u page %lu: %s", common_bar, page, error_name(bm.err));
        return 1;
    }
    auto* common = reinterpret_cast<volatile uint8_t*>(kBarAt + common_off % 0x1000);
    auto reg32 = [&](uint32_t off) -> volatile uint32_t& { return *reinterpret_cast<volatile uint32_t*>(common + off); };
    reg32(0x00) = 1;  // device_feature_select: bits 32..63
    uint32_t hi = reg32(0x04);
    uint16_t queues = *reinterpret_cast<volatile uint16_t*>(common + 0x12);
    print("pcidrv: common configuration in BAR%u at %x: VIRTIO_F_VERSION_1 %s, %u queues", common_bar,
          common_off, (hi & 1) ? "offered" : "missing", queues);
    if (!(hi & 1) || queues == 0) return 1;
    // Device initialisation up to FEATURES_OK (libs/virtio's transport against QEMU's device),
    // then a reset: queues need DMA addresses, which wait for the IOMMU.
    bh::virtio::MmioRegs regs{common};
    bh::virtio::ModernTransport<bh::virtio::MmioRegs> t(regs);
    uint64_t accepted = 0;
    auto e = t.negotiate(uint64_t{1} << bh::virtio::kFeatureEventIdx, &accepted);
    uint16_t qmax = t.max_queue_size(0);
    print("pcidrv: negotiation %s, features %lx, queue 0 up to %u entries",
          e == bh::virtio::TransportError::None ? "ok" : "refused", accepted, qmax);
    if (e != bh::virtio::TransportError::None || t.reset() != bh::virtio::TransportError::None) return 1;
    report_ready();
    return 0;
}

int bystander() {
    Ret map = call(BH_CALL_DEVICE_MAP, BH_SLOT_DEVICE, 0, kMapAt);
    Ret mint = call(BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, 0xb0008000, 1, BH_SLOT_FIRST_FREE);
    Ret bar = call(BH_CALL_DEVICE_MAP, BH_SLOT_PCI_BAR0 + 4, 0, kBarAt);
    if (map.ok() || mint.ok() || bar.ok()) {
        print("pcidrv: FAIL a bystander reached the device (map %s, mint %s, BAR %s)",
              error_name(map.err), error_name(mint.err), error_name(bar.err));
        return 1;
    }
    print("pcidrv: bystander refused: map %s, mint %s, BAR %s", error_name(map.err),
          error_name(mint.err), error_name(bar.err));
    report_ready();
    return 0;
}

}  // namespace

int bh_main(uint64_t, uint64_t arg1) { return static_cast<uint32_t>(arg1) == 1 ? bystander() : driver(); }
