// pcidrv: a driver domain given one PCI function (the manifest's `pci = "BB:DD.F"`): it reaches
// the function's configuration space through the one MMIO page its capability names, finds the
// virtio transport structures (virtio 1.1 §4.1.4) in its memory BAR, negotiates, and then does
// DMA through the IOMMU: a virtqueue and buffers in its own memory, at its own addresses. It
// writes a block and reads it back, then points the device at memory it does not own: the IOMMU
// must block that, and a device write to a page it maps read-only (the kernel counts each
// blocked request); after a reset the device works again. Role 1 is a bystander with no device: every way to the same page
// must be refused.
#include <bh/pci/config.hpp>
#include <bh/rt.hpp>
#include <bh/virtio/pci_caps.hpp>
#include <virtio_disk.hpp>

using namespace bh::rt;
using namespace bh::virtio;

namespace {

constexpr uint64_t kMapAt = 0x60000000, kBarAt = 0x61000000, kDmaAt = 0x62000000;
constexpr uint64_t kNotOurs = 0x70000000;  // nothing of ours is mapped there
constexpr uint64_t kSector = 8;
constexpr bh_slot_t kDmaSlot = BH_SLOT_FIRST_FREE, kRoSlot = BH_SLOT_FIRST_FREE + 1;
constexpr bh_slot_t kIrqPortSlot = BH_SLOT_FIRST_FREE + 2, kBufSlot = BH_SLOT_FIRST_FREE + 3;
constexpr uint64_t kRoPage = 0x63000000, kBufAt = 0x64000000;
// Our buffers: the block written, and where it is read back.
constexpr uint64_t kOut = kBufAt, kIn = kBufAt + 0x1000;

VirtioDisk g_disk;
uint32_t g_interrupts = 0;

// Counts the MSI-X events that reached our port (a completion's may arrive just before or
// just after we see the used ring move: both are counted, by whoever looks next).
void note_events() {
    while (bh_port_t p = poll_event())
        if (p == g_disk.port()) ++g_interrupts;
}

// One request, waited for on the MSI-X event channel: its virtio status, or -1 if the device
// broke (NEEDS_RESET, or a queue the driver no longer trusts).
int io(uint32_t type, uint64_t data, bool device_writes) {
    Segment seg{data, 4096, device_writes};
    if (!g_disk.submit(type, kSector, &seg, 1, 1)) return -1;
    g_disk.kick();
    for (;;) {
        uint64_t cookie = 0;
        uint8_t status = 0;
        note_events();
        if (g_disk.take(cookie, status)) return status;
        if (g_disk.broken()) return -1;
        if (wait_event() == g_disk.port()) ++g_interrupts;
    }
}

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
    Ret beyond = call(BH_CALL_DEVICE_MAP, BH_SLOT_DEVICE, 1, kMapAt + 0x1000);  // the next function's
    if (beyond.err != BH_E_BAD_ARG) {
        print("pcidrv: FAIL the page beyond the function: %s", error_name(beyond.err));
        return 1;
    }
    if (!g_disk.open(DiskLayout{kMapAt, kBarAt, kDmaAt, kDmaSlot, kIrqPortSlot}, 0)) {
        print("pcidrv: FAIL the virtio disk would not start");
        return 1;
    }
    bh::pci::Config c{reinterpret_cast<const volatile uint8_t*>(kMapAt)};
    print("pcidrv: %04x:%04x class %06x, virtio capabilities %x", c.vendor(), c.device(), c.class_code(),
          find_pci_caps(c).seen);
    print("pcidrv: negotiation ok, features %lx, %lu sectors, queue of %u entries at %lx", g_disk.features(),
          g_disk.capacity(), VirtioDisk::kQueueSize, kDmaAt);
    // The MSI-X table names machine-wide vectors: its BAR stays with the supervisor.
    Ret table = call(BH_CALL_DEVICE_MAP, BH_SLOT_PCI_BAR0 + 1, 0, kBarAt + 0x800000);
    print("pcidrv: the MSI-X table's BAR1: %s", error_name(table.err));
    Ret a = call(BH_CALL_FRAME_ALLOC, kBufSlot, 2);
    Ret fm = a.ok() ? call(BH_CALL_FRAME_MAP, kBufSlot, kBufAt, 1) : a;
    if (table.ok() || !fm.ok()) return 1;

    auto* out = reinterpret_cast<uint64_t*>(kOut);
    for (uint64_t i = 0; i < 512; ++i) out[i] = 0x9e3779b97f4a7c15ull * (i + 1) ^ self_id();
    int w = io(blk::kOut, kOut, false);
    int r = io(blk::kIn, kIn, true);
    bool match = w == blk::kOk && r == blk::kOk && same(kOut, kIn);
    print("pcidrv: DMA through the IOMMU: wrote 4096 bytes at sector %lu (status %d), read them back "
          "(status %d): %s", kSector, w, r, match ? "match" : "DIFFER");
    if (!match) return 1;

    // The device pointed at memory we do not own, and at a page of ours mapped read-only: the
    // IOMMU must stop both writes. (QEMU's virtio-blk still completes such a request: the data
    // it was to write went nowhere. The kernel counts each blocked request.)
    uint64_t f0 = dma_faults();
    int bad = io(blk::kIn, kNotOurs, true);
    uint64_t f1 = wait_faults(f0);
    Ret ro = call(BH_CALL_FRAME_ALLOC, kRoSlot, 1);
    auto* page = reinterpret_cast<uint64_t*>(kRoPage);
    if (ro.ok()) ro = call(BH_CALL_FRAME_MAP, kRoSlot, kRoPage, 1);
    for (int i = 0; ro.ok() && i < 512; ++i) page[i] = 0xabababababababab;
    if (ro.ok()) ro = call(BH_CALL_FRAME_UNMAP, kRoPage);
    if (ro.ok()) ro = call(BH_CALL_FRAME_MAP, kRoSlot, kRoPage, 0);
    int bad_ro = ro.ok() ? io(blk::kIn, kRoPage, true) : -2;
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
    bool again = g_disk.restart() && io(blk::kIn, kIn, true) == blk::kOk && same(kOut, kIn);
    print("pcidrv: reset and set up again, the device reads the block back: %s", again ? "match" : "FAIL");
    for (int i = 0; i < 1000 && g_interrupts < 5; ++i) {  // the last completion's event
        note_events();
        call(BH_CALL_YIELD);
    }
    print("pcidrv: %u completions signalled by MSI-X through an event channel", g_interrupts);
    if (!again || g_interrupts == 0) return 1;
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
