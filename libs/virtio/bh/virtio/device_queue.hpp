// DeviceQueue: the device's view of a split virtqueue (protocol in split_layout.hpp). Bulkhead's
// drivers talk to QEMU's devices; this side exists for host tests and emulated devices.
#pragma once

#include "bh/ring/shared_access.hpp"
#include "bh/virtio/queue_error.hpp"
#include "bh/virtio/split_layout.hpp"

namespace bh::virtio {

// A chain the driver made available, copied out: head index and up to kMax descriptors.
struct Chain {
    static constexpr uint32_t kMax = 64;
    uint16_t head;
    uint32_t n;
    VirtqDesc desc[kMax];
};

// Invariants: last_avail_ <= avail_seen_ (a validated avail.idx) <= last_avail_ + size; used
// entries are written at used_pvt_ and published by publish(). Errors latch.
class DeviceQueue : public QueueLatch {
public:
    DeviceQueue(void* mem, uint32_t size, bool event_idx)
        : desc_(static_cast<VirtqDesc*>(mem)),
          avail_{reinterpret_cast<uint16_t*>(static_cast<uint8_t*>(mem) + SplitLayout{size}.avail_off()), size},
          used_{reinterpret_cast<uint16_t*>(static_cast<uint8_t*>(mem) + SplitLayout{size}.used_off()), size},
          size_(size), event_idx_(event_idx) {
        used_.flags() = 0;
        used_.idx() = 0;
        used_.avail_event() = 0;
    }

    // The next available chain, descriptors copied out and checked: every link inside the
    // table, no loop (at most min(size, Chain::kMax) descriptors), readable before writable.
    QueueError pop(Chain& out) {
        if (avail_seen_ == last_avail_ && !refresh_avail()) return error_ != QueueError::None ? error_ : QueueError::Empty;
        uint16_t head = ring::load_acquire(avail_.ring(last_avail_ & (size_ - 1)));
        if (head >= size_) return fail(QueueError::Head);
        out.head = head;
        out.n = 0;
        bool writable = false;
        for (uint16_t d = head;;) {
            if (out.n == Chain::kMax || out.n == size_) return fail(QueueError::Chain);
            VirtqDesc& c = out.desc[out.n++];
            ring::copy_from_shared(c, desc_[d]);
            if (writable && !(c.flags & kDescWrite)) return fail(QueueError::Chain);
            writable = (c.flags & kDescWrite) != 0;
            if (!(c.flags & kDescNext)) break;
            if (c.next >= size_) return fail(QueueError::Chain);
            d = c.next;
        }
        ++last_avail_;
        return QueueError::None;
    }

    // Completes the chain headed at `head` with `len` bytes written; visible at publish().
    void push(uint16_t head, uint32_t len) {
        VirtqUsedElem& e = used_.ring(used_pvt_ & (size_ - 1));
        e.id = head;
        e.len = len;
        ++used_pvt_;
    }

    // Publishes completions; true iff the driver asked for an interrupt.
    [[nodiscard]] bool publish() {
        uint16_t old_idx = used_pushed_, new_idx = used_pvt_;
        if (old_idx == new_idx) return false;
        used_pushed_ = new_idx;
        ring::store_fenced(used_.idx(), new_idx);
        if (event_idx_) return need_event(ring::load_fenced(avail_.used_event()), new_idx, old_idx);
        return (ring::load_fenced(avail_.flags()) & kAvailNoInterrupt) == 0;
    }

    // Asks to be kicked at the next available head; false means it is safe to sleep.
    [[nodiscard]] bool enable_and_check() {
        if (error_ != QueueError::None) return true;
        if (event_idx_) ring::store_fenced(used_.avail_event(), last_avail_);
        else ring::store_fenced(used_.flags(), uint16_t{0});
        return refresh_avail(ring::load_fenced(avail_.idx())) || error_ != QueueError::None;
    }

private:
    bool refresh_avail() { return refresh_avail(ring::load_acquire(avail_.idx())); }
    bool refresh_avail(uint16_t idx) {
        // (size is at most 32768, so it fits the u16 distance.)
        return accept(idx, last_avail_, static_cast<uint16_t>(size_), &avail_seen_, QueueError::AvailIdx);
    }

    VirtqDesc* desc_;
    AvailRing avail_;
    UsedRing used_;
    uint32_t size_;
    bool event_idx_;
    uint16_t last_avail_ = 0, avail_seen_ = 0;
    uint16_t used_pvt_ = 0, used_pushed_ = 0;
};

}  // namespace bh::virtio
