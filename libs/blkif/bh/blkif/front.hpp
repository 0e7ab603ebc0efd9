// BlkFront: Bulkhead's own blkif frontend, for native client domains (Linux guests bring their
// own xen-blkfront). It follows Linux's blkfront through the xenbus handshake: wait for the
// backend's InitWait, grant a one-page ring, offer an event channel, write ring-ref,
// event-channel and protocol and go Initialised, then read the disk's size and features when
// the backend is Connected, and go Connected. Requests use the shadow index as their id, so a
// response is accepted only for a request in flight; data pages are granted for the request's
// life (read-only when the backend only reads them).
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

#include <bh/ring/front_ring.hpp>
#include <bh/xenbus/xs_client.hpp>

#include "bh/blkif/protocol.hpp"

namespace bh::blkif {

// The front of a one-page blkif ring in either x86 ABI, seen through the native structures:
// requests are written and responses read in the layout the frontend announced.
class AbiFrontRing {
public:
    void init(uint64_t va, bool x86_32);
    bool x86_32() const { return r32_ != nullptr; }
    bool ready() const { return r64_ || r32_; }
    bool full() const;
    bool put(const Request64& r);
    bool put(const Indirect64& r);  // BLKIF_OP_INDIRECT, in the announced layout
    [[nodiscard]] bool push();
    bool take(Response64& out);
    [[nodiscard]] bool final_check();
    bh::ring::RingError error() const;

private:
    bh::ring::FrontRing<Ring64>* r64_ = nullptr;
    bh::ring::FrontRing<Ring32>* r32_ = nullptr;
    alignas(8) uint8_t space_[sizeof(bh::ring::FrontRing<Ring64>)];
};

struct FrontLayout {
    uint64_t ring_va;           // one page per shared ring (queue), one after another
    bh_slot_t ring_slot;        // their frame capability
    bh_slot_t port_slot;        // queue q's event channel to the backend: port_slot + q
    bh_grant_ref_t first_ref;   // the ring's grant; data grants follow (kSlots * kMaxSegments)
    bool x86_32 = false;        // announce (and speak) the x86_32 ABI, as a 686 guest would
    // Persistent grants (feature-persistent, as Linux's blkfront does them): a pool of
    // kSlots * kMaxSegments pages granted once, data copied through it. pool_va 0: none.
    uint64_t pool_va = 0;
    bh_slot_t pool_slot = 0;
    // Indirect requests (feature-max-indirect-segments, as Linux's blkfront does them): one page
    // per slot for the segment list, granted read-only. indirect_va 0: none. Not with a pool.
    uint64_t indirect_va = 0;
    bh_slot_t indirect_slot = 0;
    // Rings asked for (multi-queue-num-queues); the backend's multi-queue-max-queues caps it.
    uint32_t queues = 1;
};

class BlkFront {
public:
    static constexpr uint32_t kSlots = Ring64::kSize;
    static constexpr uint32_t kRefsPerSlot = kMaxIndirectSegments + 1;  // data pages, indirect page
    static constexpr uint32_t kRefs = 1 + kSlots * kRefsPerSlot;        // with the first ring's
    static constexpr uint32_t kMaxQueues = 4;  // the other rings' refs follow kRefs

    // devid: the vbd's virtual-device number (xvda = 51712). False (logged) on any failure.
    bool connect(bh::xenbus::XsClient& xs, uint32_t devid, const FrontLayout& at);
    uint64_t sectors() const { return sectors_; }
    bool read_only() const { return (info_ & kInfoReadOnly) != 0; }
    bool has_flush() const { return flush_; }
    bool persistent() const { return persistent_; }
    bool has_discard() const { return discard_; }
    // The most pages one request may carry: 11, or the indirect segments both sides allow.
    uint32_t max_pages() const { return max_pages_; }
    bh_domid_t backend() const { return backend_; }
    bh_port_t port() const { return port_[0]; }
    uint32_t queues() const { return nq_; }
    uint32_t in_flight() const { return kSlots - nfree_; }
    bool broken() const;
    bool x86_32() const { return ring_[0].x86_32(); }

    // Queues a read or write of whole pages (page-aligned virtual addresses of ours) starting
    // at `sector`; visible to the backend at push(). False when no slot is free.
    bool submit(uint8_t op, uint64_t sector, const uint64_t* pages, uint32_t n, uint64_t id);
    bool submit_flush(uint64_t id);
    bool submit_discard(uint64_t sector, uint64_t sectors, uint64_t id);
    void push();
    // One response: the caller's id and the backend's status. False if none (or broken).
    bool take(uint64_t& id, int16_t& status);
    // Blocks until a response is available or the ring broke (0), or until another port fires
    // (returned: events are consumed when taken, so the caller must act on it).
    bh_port_t wait();

private:
    struct Shadow {
        uint64_t id;
        uint8_t op, nseg;
        bool busy;
        bool indirect;
        uint64_t pages[kMaxIndirectSegments];  // the caller's pages (a read copies into them at the end)
    };
    uint64_t pool_page(uint32_t slot, uint32_t seg) const {
        return at_.pool_va + (uint64_t{slot} * kMaxSegments + seg) * 4096;
    }
    bool wait_backend(bh::xenbus::XsClient& xs, XenbusState at_least);
    bh_grant_ref_t ref(uint32_t slot, uint32_t seg) const {
        return static_cast<bh_grant_ref_t>(at_.first_ref + 1 + slot * kRefsPerSlot + seg);
    }
    bh_grant_ref_t indirect_ref(uint32_t slot) const { return ref(slot, kMaxIndirectSegments); }
    uint64_t indirect_page(uint32_t slot) const { return at_.indirect_va + uint64_t{slot} * 4096; }

    // Slot s travels on ring s % nq_ (so each ring has kSlots / nq_ of them).
    AbiFrontRing& ring_of(uint32_t slot) { return ring_[slot % nq_]; }
    bh_grant_ref_t ring_ref(uint32_t q) const { return static_cast<bh_grant_ref_t>(q ? at_.first_ref + kRefs + q - 1 : at_.first_ref); }
    bool publish(bh::xenbus::XsClient& xs, const char* dir);

    FrontLayout at_{};
    AbiFrontRing ring_[kMaxQueues];
    uint32_t nq_ = 1;
    char backend_path_[96] = {};
    bh_domid_t backend_ = 0;
    bh_port_t port_[kMaxQueues] = {};
    uint64_t sectors_ = 0;
    uint32_t info_ = 0;
    bool flush_ = false, broken_ = false, persistent_ = false, discard_ = false;
    uint32_t max_pages_ = kMaxSegments;
    Shadow shadow_[kSlots] = {};
    uint16_t free_[kSlots] = {};
    uint32_t nfree_ = 0;
};

}  // namespace bh::blkif
