// VirtioDisk (see virtio_disk.hpp).
#include "virtio_disk.hpp"

#include <new>

#include <bh/pci/config.hpp>
#include <bh/rt.hpp>

#include "bh/virtio/pci_caps.hpp"

using namespace bh::rt;

namespace bh::virtio {
namespace {

constexpr uint16_t kVirtioVendor = 0x1af4, kVirtioBlkModern = 0x1042;
constexpr uint64_t kHeadersOff = 3 * 0x1000;  // headers (16 bytes each), then status bytes
constexpr uint64_t kStatusOff = kHeadersOff + VirtioDisk::kMaxInFlight * sizeof(blk::RequestHeader);
static_assert(SplitLayout{VirtioDisk::kQueueSize}.total() <= kHeadersOff);
constexpr uint64_t kDiscardOff = 4 * 0x1000;  // one 16-byte range per request slot
static_assert(kStatusOff + VirtioDisk::kMaxInFlight <= kDiscardOff);
static_assert(kDiscardOff + VirtioDisk::kMaxInFlight * 16 <= VirtioDisk::kDmaPages * 0x1000);

// Linux: struct virtio_blk_discard_write_zeroes.
struct DiscardRange {
    uint64_t sector;
    uint32_t num_sectors;
    uint32_t flags;
};
static_assert(sizeof(DiscardRange) == 16);

}  // namespace

volatile uint8_t* VirtioDisk::map_region(uint8_t bar, uint32_t offset, uint32_t length) {
    uint64_t base = at_.bar_va + uint64_t{bar} * 0x100000;
    uint64_t first = offset / 0x1000, last = (offset + (length ? length : 1) - 1) / 0x1000;
    if (last >= 32) return nullptr;
    for (uint64_t p = first; p <= last; ++p) {
        if (mapped_[bar] >> p & 1) continue;
        Ret m = call(BH_CALL_DEVICE_MAP, BH_SLOT_PCI_BAR0 + bar, p, base + p * 0x1000);
        if (!m.ok()) {
            print("virtio-disk: cannot map BAR%u page %lu: %s", bar, p, error_name(m.err));
            return nullptr;
        }
        mapped_[bar] |= 1u << p;
    }
    return reinterpret_cast<volatile uint8_t*>(base + offset);
}

bool VirtioDisk::open(const DiskLayout& at, uint64_t wanted) {
    at_ = at;
    wanted_ = wanted;
    if (!call(BH_CALL_DEVICE_MAP, BH_SLOT_DEVICE, 0, at.config_va).ok()) {
        print("virtio-disk: no PCI function (BH_SLOT_DEVICE)");
        return false;
    }
    bh::pci::Config c{reinterpret_cast<const volatile uint8_t*>(at.config_va)};
    PciCaps caps = find_pci_caps(c);
    if (c.vendor() != kVirtioVendor || c.device() != kVirtioBlkModern || !caps.complete()) {
        print("virtio-disk: %04x:%04x is not a modern virtio-blk function", c.vendor(), c.device());
        return false;
    }
    volatile uint8_t* common = map_region(caps.common.bar, caps.common.offset, caps.common.length);
    notify_base_ = map_region(caps.notify.bar, caps.notify.offset, caps.notify.length);
    device_cfg_ = map_region(caps.device.bar, caps.device.offset, caps.device.length);
    multiplier_ = caps.notify_multiplier;
    if (!common || !notify_base_ || !device_cfg_) return false;
    regs_ = MmioRegs{common};
    Ret a = call(BH_CALL_FRAME_ALLOC, at.dma_slot, kDmaPages);
    Ret m = a.ok() ? call(BH_CALL_FRAME_MAP, at.dma_slot, at.dma_va, 1) : a;
    Ret irq = m.ok() ? call(BH_CALL_EVTCHN_BIND_IRQ, BH_SLOT_MSI0 + 1, at.port_slot) : m;
    if (!irq.ok()) {
        print("virtio-disk: cannot set up memory or MSI-X entry 1: %s", error_name(irq.err));
        return false;
    }
    port_ = static_cast<bh_port_t>(irq.r1);
    if (!start()) return false;
    auto cfg32 = [&](uint16_t off) { return *reinterpret_cast<volatile uint32_t*>(device_cfg_ + off); };
    capacity_ = cfg32(blk::config::kCapacity) | uint64_t{cfg32(blk::config::kCapacity + 4)} << 32;
    if (has(blk::kFeatureDiscard)) {
        max_discard_ = cfg32(blk::config::kMaxDiscardSectors);
        discard_align_ = cfg32(blk::config::kDiscardSectorAlignment) ? cfg32(blk::config::kDiscardSectorAlignment) : 1;
    }
    return true;
}

bool VirtioDisk::start() {
    ModernTransport<MmioRegs> t(regs_);
    if (t.negotiate(wanted_, &features_) != TransportError::None) {
        print("virtio-disk: feature negotiation refused");
        return false;
    }
    SplitLayout lay{kQueueSize};
    auto* mem = reinterpret_cast<volatile uint8_t*>(at_.dma_va);
    for (uint64_t i = 0; i < lay.total(); ++i) mem[i] = 0;  // nothing of an earlier queue
    q_ = new (queue_space_) DriverQueue(reinterpret_cast<void*>(at_.dma_va), kQueueSize, slots_, false);
    uint16_t off = 0;
    uint16_t size = t.max_queue_size(0) < kQueueSize ? t.max_queue_size(0) : static_cast<uint16_t>(kQueueSize);
    if (size != kQueueSize || !t.config_vector(0) || !t.queue_vector(0, 1) ||
        t.setup_queue(0, kQueueSize, at_.dma_va, at_.dma_va + lay.avail_off(), at_.dma_va + lay.used_off(),
                      &off) != TransportError::None) {
        print("virtio-disk: queue 0 cannot be set up (%u entries, MSI-X entry 1)", size);
        return false;
    }
    doorbell_ = reinterpret_cast<volatile uint16_t*>(notify_base_ + uint64_t{off} * multiplier_);
    nfree_ = 0;
    for (uint32_t i = kMaxInFlight; i-- > 0;) free_[nfree_++] = static_cast<uint16_t>(i);
    t.driver_ok();
    return true;
}

bool VirtioDisk::restart() { return start(); }

bool VirtioDisk::broken() const {
    return !q_ || q_->error() != QueueError::None ||
           (const_cast<MmioRegs&>(regs_).r8(common::kDeviceStatus) & kStatusNeedsReset);
}

bool VirtioDisk::can_submit(uint32_t n) const {
    return q_ && nfree_ > 0 && q_->free_descriptors() >= n + 2;
}

bool VirtioDisk::submit(uint32_t type, uint64_t sector, const Segment* data, uint32_t n, uint64_t cookie) {
    if (!can_submit(n) || n > blk::Chain::kMaxData) return false;
    uint16_t s = free_[--nfree_];
    uint64_t hdr = at_.dma_va + kHeadersOff + s * sizeof(blk::RequestHeader);
    uint64_t status = at_.dma_va + kStatusOff + s;
    *reinterpret_cast<blk::RequestHeader*>(hdr) = blk::RequestHeader{type, 0, sector};
    *reinterpret_cast<volatile uint8_t*>(status) = 0xff;
    blk::Chain c(hdr, type == blk::kIn, data, n, status);
    cookie_[s] = cookie;
    if (q_->add(c.segs, c.n, s) != QueueError::None) {
        free_[nfree_++] = s;
        return false;
    }
    return true;
}

bool VirtioDisk::submit_discard(uint64_t sector, uint32_t sectors, uint64_t cookie) {
    if (!has(blk::kFeatureDiscard) || sectors == 0 || sectors > max_discard_ || !can_submit(1)) return false;
    // The range lives in the slot submit() is about to take (the top of the free stack).
    uint16_t s = free_[nfree_ - 1];
    uint64_t range = at_.dma_va + kDiscardOff + s * sizeof(DiscardRange);
    *reinterpret_cast<DiscardRange*>(range) = DiscardRange{sector, sectors, 0};
    Segment seg{range, sizeof(DiscardRange), false};
    return submit(blk::kDiscard, 0, &seg, 1, cookie);
}

void VirtioDisk::kick() {
    if (q_ && q_->kick()) *doorbell_ = 0;
}

bool VirtioDisk::take(uint64_t& cookie, uint8_t& status) {
    Completion done;
    if (!q_ || q_->take(done) != QueueError::None) return false;
    uint16_t s = static_cast<uint16_t>(done.cookie);
    cookie = cookie_[s];
    status = *reinterpret_cast<volatile uint8_t*>(at_.dma_va + kStatusOff + s);
    free_[nfree_++] = s;
    ++completed_;
    return true;
}

}  // namespace bh::virtio
