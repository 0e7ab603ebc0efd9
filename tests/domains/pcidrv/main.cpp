// pcidrv: a driver domain given one PCI function (the manifest's `pci = "BB:DD.F"`): it reaches
// the function's configuration space through the one MMIO page its capability names, finds the
// virtio transport structures (virtio 1.1 §4.1.4) in its memory BAR, negotiates, and then does
// DMA through the IOMMU: a virtqueue and buffers in its own memory, at its own addresses. It
// writes a block and reads it back, then points the device at memory it does not own: the IOMMU
// must block that, and a device write to a page it maps read-only (the kernel counts each
// blocked request); after a reset the device works again. Role 1 is a bystander with no device: every way to the same page
// must be refused.
#include <new>

#include <bh/pci/config.hpp>
#include <bh/rt.hpp>
#include <bh/virtio/blk.hpp>
#include <bh/virtio/mmio_regs.hpp>
#include <bh/virtio/modern_transport.hpp>
#include <bh/virtio/pci_caps.hpp>

using namespace bh::rt;
using namespace bh::virtio;

namespace {

constexpr uint64_t kMapAt = 0x60000000, kBarAt = 0x61000000, kDmaAt = 0x62000000;
constexpr uint64_t kNotOurs = 0x70000000;  // nothing of ours is mapped there
constexpr uint16_t kVirtioVendor = 0x1af4;
constexpr uint32_t kQueueSize = 64, kDmaPages = 8;
constexpr uint64_t kSector = 8;
constexpr bh_slot_t kDmaSlot = BH_SLOT_FIRST_FREE, kRoSlot = BH_SLOT_FIRST_FREE + 1;
constexpr uint64_t kRoPage = 0x63000000;
constexpr bh_slot_t kIrqPortSlot = BH_SLOT_FIRST_FREE + 2;
// The DMA area: queue (page 0), request header and status (page 1), the block written (2),
// the block read back (3).
constexpr uint64_t kHdr = kDmaAt + 0x1000, kStatus = kDmaAt + 0x1800;
constexpr uint64_t kOut = kDmaAt + 0x2000, kIn = kDmaAt + 0x3000;

// Maps the pages of each BAR a structure lives in (once), at kBarAt + bar * 1 MiB.
uint32_t g_mapped[6];
volatile uint8_t* map_region(const CapRegion& r) {
    uint64_t first = r.offset / 0x1000, last = (r.offset + (r.length ? r.length : 1) - 1) / 0x1000;
    uint64_t base = kBarAt + uint64_t{r.bar} * 0x100000;
    for (uint64_t p = first; p <= last && p < 32; ++p) {
        if (g_mapped[r.bar] >> p & 1) continue;
        Ret m = call(BH_CALL_DEVICE_MAP, BH_SLOT_PCI_BAR0 + r.bar, p, base + p * 0x1000);
        if (!m.ok()) {
            print("pcidrv: FAIL cannot map BAR%u page %lu: %s", r.bar, p, error_name(m.err));
            return nullptr;
        }
        g_mapped[r.bar] |= 1u << p;
    }
    return reinterpret_cast<volatile uint8_t*>(base + r.offset);
}

struct Device {
    MmioRegs regs;
    ModernTransport<MmioRegs> t{regs};
    volatile uint8_t* notify_base;
    uint32_t multiplier;
    DriverQueue::Slot slots[kQueueSize];
    DriverQueue* q = nullptr;
    alignas(DriverQueue) uint8_t q_storage[sizeof(DriverQueue)];
    volatile uint16_t* doorbell = nullptr;
    bh_port_t port = 0;
    uint32_t interrupts = 0;

    bool start(uint64_t* features) {
        if (t.negotiate(0, features) != TransportError::None) return false;
        SplitLayout lay{kQueueSize};
        // A fresh queue: nothing of an earlier one (a used.idx the device will count from 0).
        for (uint32_t i = 0; i < lay.total(); ++i) reinterpret_cast<volatile uint8_t*>(kDmaAt)[i] = 0;
        q = new (q_storage) DriverQueue(reinterpret_cast<void*>(kDmaAt), kQueueSize, slots, false);
        uint16_t off = 0;
        // Completions of queue 0 come as MSI-X entry 1, which the supervisor programmed with a
        // kernel line: an event on our port.
        if (!t.config_vector(0) || !t.queue_vector(0, 1)) return false;
        if (t.setup_queue(0, kQueueSize, kDmaAt, kDmaAt + lay.avail_off(), kDmaAt + lay.used_off(), &off) !=
            TransportError::None)
            return false;
        doorbell = reinterpret_cast<volatile uint16_t*>(notify_base + uint64_t{off} * multiplier);
        t.driver_ok();
        return true;
    }

    // One request, waited for: its status byte, or -1 if the device gave up on it (it set
    // NEEDS_RESET: what a virtio device does when it cannot reach a buffer) or never answered.
    int io(uint32_t type, uint64_t data, bool device_writes) {
        auto* h = reinterpret_cast<blk::RequestHeader*>(kHdr);
        *h = blk::RequestHeader{type, 0, kSector};
        *reinterpret_cast<volatile uint8_t*>(kStatus) = 0xff;
        Segment seg{data, 4096, device_writes};
        blk::Chain c(kHdr, device_writes, &seg, 1, kStatus);
        if (q->add(c.segs, c.n, 1) != QueueError::None) return -1;
        if (q->kick()) *doorbell = 0;
        for (;;) {
            Completion done;
            if (q->take(done) == QueueError::None) return *reinterpret_cast<volatile uint8_t*>(kStatus);
            if (q->error() != QueueError::None || (regs.r8(common::kDeviceStatus) & kStatusNeedsReset))
                return -1;
            if (wait_event() == port) ++interrupts;
        }
    }
};

uint64_t dma_faults() {
    bh_domain_info info{};
    call(BH_CALL_DOMAIN_INFO, BH_SLOT_SELF, reinterpret_cast<uint64_t>(&info));
    return info.dma_faults;
}

// The fault interrupt may still be on its way when the request completes.
uint64_t wait_faults(uint64_t before) {
    uint64_t now = dma_faults();
    for (int i = 0; i < 1000 && now == before; ++i, now = dma_faults()) call(BH_CALL_YIELD);
    return now;
}

bool same(uint64_t a, uint64_t b) {
    auto* x = reinterpret_cast<const uint64_t*>(a);
    auto* y = reinterpret_cast<const uint64_t*>(b);
    for (int i = 0; i < 512; ++i)
        if (x[i] != y[i]) return false;
    return true;
}

int driver() {
    Ret m = call(BH_CALL_DEVICE_MAP, BH_SLOT_DEVICE, 0, kMapAt);
    Ret beyond = call(BH_CALL_DEVICE_MAP, BH_SLOT_DEVICE, 1, kMapAt + 0x1000);  // the next function's
    if (!m.ok() || beyond.err != BH_E_BAD_ARG) {
        print("pcidrv: FAIL map %s, page beyond the function %s", error_name(m.err), error_name(beyond.err));
        return 1;
    }
    bh::pci::Config c{reinterpret_cast<const volatile uint8_t*>(kMapAt)};
    bool modern = c.vendor() == kVirtioVendor && c.device() >= 0x1040 && c.device() <= 0x107f;
    PciCaps caps = find_pci_caps(c);
    print("pcidrv: %04x:%04x class %06x, virtio capabilities %x", c.vendor(), c.device(),
          c.class_code(), caps.seen);
    if (!modern || !caps.complete()) {
        print("pcidrv: FAIL not a modern virtio function with its transport capabilities");
        return 1;
    }
    static Device dev;
    volatile uint8_t* common = map_region(caps.common);
    dev.notify_base = map_region(caps.notify);
    dev.multiplier = caps.notify_multiplier;
    if (!common || !dev.notify_base) return 1;
    dev.regs = MmioRegs{common};
    *reinterpret_cast<volatile uint32_t*>(common + common::kDeviceFeatureSelect) = 1;
    uint32_t hi = *reinterpret_cast<volatile uint32_t*>(common + common::kDeviceFeature);
    print("pcidrv: common configuration in BAR%u at %x: VIRTIO_F_VERSION_1 %s, %u queues", caps.common.bar,
          caps.common.offset, (hi & 1) ? "offered" : "missing", dev.t.num_queues());

    // Memory for the queue and buffers: ours, so the IOMMU lets the device reach it.
    Ret a = call(BH_CALL_FRAME_ALLOC, kDmaSlot, kDmaPages);
    Ret fm = a.ok() ? call(BH_CALL_FRAME_MAP, kDmaSlot, kDmaAt, 1) : a;
    uint64_t features = 0;
    if (!fm.ok() || !dev.start(&features)) {
        print("pcidrv: FAIL set-up (%s)", error_name(fm.err));
        return 1;
    }
    print("pcidrv: negotiation ok, features %lx, queue 0 of %u entries at %lx", features, kQueueSize, kDmaAt);
    Ret irq = call(BH_CALL_EVTCHN_BIND_IRQ, BH_SLOT_MSI0 + 1, kIrqPortSlot);
    if (!irq.ok()) {
        print("pcidrv: FAIL binding MSI-X entry 1: %s", error_name(irq.err));
        return 1;
    }
    dev.port = static_cast<bh_port_t>(irq.r1);
    // The MSI-X table names machine-wide vectors: its BAR stays with the supervisor.
    Ret table = call(BH_CALL_DEVICE_MAP, BH_SLOT_PCI_BAR0 + 1, 0, kBarAt + 0x800000);
    print("pcidrv: the MSI-X table's BAR1: %s", error_name(table.err));
    if (table.ok()) return 1;

    auto* out = reinterpret_cast<uint64_t*>(kOut);
    for (uint64_t i = 0; i < 512; ++i) out[i] = 0x9e3779b97f4a7c15ull * (i + 1) ^ self_id();
    int w = dev.io(blk::kOut, kOut, false);
    int r = dev.io(blk::kIn, kIn, true);
    bool match = w == blk::kOk && r == blk::kOk && same(kOut, kIn);
    print("pcidrv: DMA through the IOMMU: wrote 4096 bytes at sector %lu (status %d), read them back "
          "(status %d): %s", kSector, w, r, match ? "match" : "DIFFER");
    if (!match) return 1;

    // The device pointed at memory we do not own, and at a page of ours mapped read-only: the
    // IOMMU must stop both writes. (QEMU's virtio-blk still completes such a request: the data
    // it was to write went nowhere. The kernel counts each blocked request.)
    uint64_t f0 = dma_faults();
    int bad = dev.io(blk::kIn, kNotOurs, true);
    uint64_t f1 = wait_faults(f0);
    Ret ro = call(BH_CALL_FRAME_ALLOC, kRoSlot, 1);
    auto* page = reinterpret_cast<uint64_t*>(kRoPage);
    if (ro.ok()) ro = call(BH_CALL_FRAME_MAP, kRoSlot, kRoPage, 1);
    for (int i = 0; ro.ok() && i < 512; ++i) page[i] = 0xabababababababab;
    if (ro.ok()) ro = call(BH_CALL_FRAME_UNMAP, kRoPage);
    if (ro.ok()) ro = call(BH_CALL_FRAME_MAP, kRoSlot, kRoPage, 0);
    int bad_ro = ro.ok() ? dev.io(blk::kIn, kRoPage, true) : -2;
    uint64_t f2 = wait_faults(f1);
    bool intact = ro.ok();
    for (int i = 0; intact && i < 512; ++i) intact = page[i] == 0xabababababababab;
    bool blocked = f1 > f0 && f2 > f1 && intact;
    print("pcidrv: device writes to %lx (not ours) and to our read-only page: %s (requests %d/%d, "
          "%lu blocked by the IOMMU, read-only page %s)", kNotOurs, blocked ? "blocked" : "NOT BLOCKED",
          bad, bad_ro, f2 - f0, intact ? "intact" : "CHANGED");
    if (!blocked) return 1;

    // Reset and set up again: the device still reaches what is ours.
    for (uint64_t i = 0; i < 512; ++i) reinterpret_cast<uint64_t*>(kIn)[i] = 0;
    bool again = dev.start(&features) && dev.io(blk::kIn, kIn, true) == blk::kOk && same(kOut, kIn);
    print("pcidrv: reset and set up again, the device reads the block back: %s", again ? "match" : "FAIL");
    print("pcidrv: %u completions signalled by MSI-X through an event channel", dev.interrupts);
    if (dev.interrupts == 0) return 1;
    if (!again || dev.t.reset() != TransportError::None) return 1;
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
