// VirtioDisk (see virtio_disk.hpp).
#include "virtio_disk.hpp"

#include <new>

#include <bh/rt.hpp>


using namespace bh::rt;

namespace bh::virtio {
namespace {

constexpr uint16_t kVirtioBlkModern = 0x1042;
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

bool VirtioDisk::open(const DiskLayout& at, uint64_t wanted) {
    at_ = at;
    wanted_ = wanted;
    if (!pci_.attach(at.config_va, at.bar_va, kVirtioBlkModern, "virtio-disk")) return false;
    port_ = pci_.take_memory_and_irq(at.dma_va, at.dma_slot, kDmaPages, at.port_slot);
    if (!port_ || !start()) return false;
    auto cfg32 = [&](uint16_t off) { return pci_.config32(off); };
    capacity_ = cfg32(blk::config::kCapacity) | uint64_t{cfg32(blk::config::kCapacity + 4)} << 32;
    if (has(blk::kFeatureDiscard)) {
        max_discard_ = cfg32(blk::config::kMaxDiscardSectors);
        discard_align_ = cfg32(blk::config::kDiscardSectorAlignment) ? cfg32(blk::config::kDiscardSectorAlignment) : 1;
    }
    return true;
}

bool VirtioDisk::start() {
    if (!pci_.negotiate(wanted_, &features_)) return false;
    q_ = new (queue_space_) DriverQueue(reinterpret_cast<void*>(at_.dma_va), kQueueSize, slots_, false);
    doorbell_ = pci_.setup_queue(0, kQueueSize, at_.dma_va, 1);  // completions: MSI-X entry 1
    if (!doorbell_) return false;
    nfree_ = 0;
    for (uint32_t i = kMaxInFlight; i-- > 0;) free_[nfree_++] = static_cast<uint16_t>(i);
    pci_.driver_ok();
    return true;
}

bool VirtioDisk::restart() { return start(); }

bool VirtioDisk::broken() const { return !q_ || q_->error() != QueueError::None || pci_.needs_reset(); }

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
    return true;
}

}  // namespace bh::virtio
