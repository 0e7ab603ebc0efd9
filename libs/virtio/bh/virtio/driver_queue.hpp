// DriverQueue: the driver's view of a split virtqueue (protocol in split_layout.hpp).
#pragma once

#include "bh/ring/shared_access.hpp"
#include "bh/virtio/queue_error.hpp"
#include "bh/virtio/split_layout.hpp"

namespace bh::virtio {

// One buffer of a request: guest-physical (or IOMMU) address, length, and whether the device
// writes it (device-writable buffers follow the readable ones in a chain).
struct Segment {
    uint64_t addr;
    uint32_t len;
    bool device_writes;
};

// A completed request: the cookie given to add(), and the bytes the device says it wrote.
struct Completion {
    uint64_t cookie;
    uint32_t len;
};

// Invariants: everything the driver needs to trust lives in `slots` (private memory), never in
// the shared table: the free list, each in-flight chain's links, length and writable bytes.
// used_seen_ is a validated used.idx, so completions below it are taken without re-reading the
// shared index; last_used_ <= used_seen_ <= avail_pushed_ (modular). Errors latch.
class DriverQueue : public QueueLatch {
public:
    struct Slot {
        uint64_t cookie;
        uint32_t writable;  // device-writable bytes of the chain headed here
        uint16_t next;      // private link: the chain, or the free list
        uint16_t count;     // descriptors in the chain headed here; 0 = not a head in flight
    };

    // `mem` laid out as SplitLayout{size}; `slots` has `size` entries, private to the driver.
    DriverQueue(void* mem, uint32_t size, Slot* slots, bool event_idx)
        : desc_(static_cast<VirtqDesc*>(mem)),
          avail_{reinterpret_cast<uint16_t*>(static_cast<uint8_t*>(mem) + SplitLayout{size}.avail_off()), size},
          used_{reinterpret_cast<uint16_t*>(static_cast<uint8_t*>(mem) + SplitLayout{size}.used_off()), size},
          slots_(slots), size_(size), event_idx_(event_idx) {
        for (uint32_t i = 0; i < size; ++i) slots_[i] = Slot{0, 0, static_cast<uint16_t>(i + 1), 0};
        free_ = size;
        avail_.flags() = 0;
        avail_.idx() = 0;
        avail_.used_event() = 0;
    }

    uint32_t size() const { return size_; }
    uint32_t free_descriptors() const { return free_; }

    // Writes a chain for segs[0..n) (readable ones first) and queues its head; visible to the
    // device at the next kick(). Full when fewer than n descriptors are free.
    QueueError add(const Segment* segs, uint32_t n, uint64_t cookie) {
        if (error_ != QueueError::None) return error_;
        if (n == 0 || n > free_) return QueueError::Full;
        uint16_t head = free_head_, d = head;
        uint32_t writable = 0;
        bool seen_writable = false;
        for (uint32_t i = 0; i < n; ++i) {
            if (seen_writable && !segs[i].device_writes) return QueueError::Chain;  // caller's bug
            seen_writable = seen_writable || segs[i].device_writes;
            writable += segs[i].device_writes ? segs[i].len : 0;
        }
        for (uint32_t i = 0; i < n; ++i) {
            uint16_t next = slots_[d].next;
            VirtqDesc& out = desc_[d];
            out.addr = segs[i].addr;
            out.len = segs[i].len;
            out.flags = static_cast<uint16_t>((i + 1 < n ? kDescNext : 0) |
                                              (segs[i].device_writes ? kDescWrite : 0));
            out.next = i + 1 < n ? next : 0;
            if (i + 1 < n) d = next;
            else free_head_ = next;
        }
        free_ -= n;
        slots_[head].cookie = cookie;
        slots_[head].writable = writable;
        slots_[head].count = static_cast<uint16_t>(n);
        avail_.ring(avail_pvt_ & (size_ - 1)) = head;
        ++avail_pvt_;
        return QueueError::None;
    }

    // Publishes the heads added since the last kick; true iff the device asked to be told.
    [[nodiscard]] bool kick() {
        uint16_t old_idx = avail_pushed_, new_idx = avail_pvt_;
        if (old_idx == new_idx) return false;
        avail_pushed_ = new_idx;
        ring::store_fenced(avail_.idx(), new_idx);
        if (event_idx_) return need_event(ring::load_fenced(used_.avail_event()), new_idx, old_idx);
        return (ring::load_fenced(used_.flags()) & kUsedNoNotify) == 0;
    }

    // Takes back the next completed chain.
    QueueError take(Completion& out) {
        if (used_seen_ == last_used_ && !refresh_used()) return error_ != QueueError::None ? error_ : QueueError::Empty;
        VirtqUsedElem e;
        ring::copy_from_shared(e, used_.ring(last_used_ & (size_ - 1)));
        if (e.id >= size_ || slots_[e.id].count == 0) return fail(QueueError::UsedId);
        Slot& head = slots_[e.id];
        if (e.len > head.writable) return fail(QueueError::UsedLen);
        out = Completion{head.cookie, e.len};
        // Back to the free list, by the private links.
        uint16_t d = static_cast<uint16_t>(e.id);
        for (uint16_t i = 1; i < head.count; ++i) d = slots_[d].next;
        slots_[d].next = free_head_;
        free_head_ = static_cast<uint16_t>(e.id);
        free_ += head.count;
        head.count = 0;
        ++last_used_;
        return QueueError::None;
    }

    // Asks for an interrupt at the next completion and checks there is none pending already:
    // false means it is safe to sleep. (VIRTIO_F_EVENT_IDX: used_event; else the flag.)
    [[nodiscard]] bool enable_and_check() {
        if (error_ != QueueError::None) return true;
        if (event_idx_) ring::store_fenced(avail_.used_event(), last_used_);
        else ring::store_fenced(avail_.flags(), uint16_t{0});
        return refresh_used(ring::load_fenced(used_.idx())) || error_ != QueueError::None;
    }
    void disable_interrupts() {
        if (!event_idx_) ring::store_release(avail_.flags(), kAvailNoInterrupt);
    }

private:
    bool refresh_used() { return refresh_used(ring::load_acquire(used_.idx())); }
    // The device may complete only chains we published: used.idx in [last_used, avail_pushed].
    // True iff new completions became visible.
    bool refresh_used(uint16_t idx) {
        return accept(idx, last_used_, static_cast<uint16_t>(avail_pushed_ - last_used_), &used_seen_,
                      QueueError::UsedIdx);
    }

    VirtqDesc* desc_;
    AvailRing avail_;
    UsedRing used_;
    Slot* slots_;
    uint32_t size_;
    bool event_idx_;
    uint32_t free_ = 0;
    uint16_t free_head_ = 0;
    uint16_t avail_pvt_ = 0, avail_pushed_ = 0;
    uint16_t last_used_ = 0, used_seen_ = 0;
};

}  // namespace bh::virtio
