// SharedRing<Req, Rsp, Pages>: the shared page(s) of a Xen io/ring.h request/response ring.
#pragma once

// PROTOCOL (Xen's io/ring.h, byte for byte; FrontRing and BackRing in front_ring.hpp/back_ring.hpp
// are the two views of it)
//
// Memory. One or more pages, mapped virtually contiguous by both sides. A 64-byte header
// (req_prod, req_event, rsp_prod, rsp_event: u32 each; 4 bytes pvt; 44 bytes pad) is followed by
// `size` entries, each a union of one request and one response; `size` is the largest power of
// two with 64 + size * sizeof(entry) <= Pages * 4096. A response goes into the slot of a request
// the backend has already consumed, so the front never has more than `size` requests in flight.
//
// Indexes. All four are free-running u32 that wrap; slot = index & (size - 1).
//   req_prod   written by the front only: requests [.., req_prod) are published.
//   rsp_prod   written by the back only: responses [.., rsp_prod) are published.
//   req_event  written by the back only: "notify me when req_prod passes this".
//   rsp_event  written by the front only: "notify me when rsp_prod passes this".
// Each side also keeps private indexes the peer never sees: the front req_prod_pvt (requests
// filled but not yet pushed) and rsp_cons; the back req_cons and rsp_prod_pvt. Honest sides
// keep, in modular distance: rsp_cons <= rsp_prod <= rsp_prod_pvt <= req_cons <= req_prod <=
// req_prod_pvt <= rsp_cons + size. Empty: prod == cons. Full (front): req_prod_pvt - rsp_cons ==
// size; the back can never be full, a response only reuses the slot of its own request.
//
// Producing. Write entries, then publish the prod index with release order (the peer's acquire
// load of prod then sees the entries). push_* then does a full fence and reads the peer's event
// index: it notifies iff the new batch (old, new] passed it, i.e. (new - event) < (new - old).
//
// Consuming, and going to sleep. A consumer drains entries, then before it sleeps runs the final
// check: if nothing is pending it sets event = cons + 1, does a full fence, and looks at prod
// again. Either the producer's fenced read of event sees our store (it notifies), or our fenced
// read of prod sees its store (we do not sleep): no lost wake-up. The producer's old event index
// can only make it notify too often, never too rarely. libs/ring/model/ring_notify.pml checks
// this with spin, and shows the lost wake-up when the re-check or the fence is left out.
//
// Restart. A restarted back attaches at the current indexes (BackRing::attach: req_cons =
// rsp_prod_pvt = rsp_prod, as Xen's BACK_RING_ATTACH) and re-reads every request after the last
// response: it must have answered in request order, or journalled requests elsewhere. It then
// notifies the front unconditionally, in case responses were pushed without a notify. A front
// can attach too (FrontRing::attach: req_prod_pvt = req_prod, rsp_cons = rsp_prod).
//
// What the peer can corrupt: everything in the shared pages, at any time. So entries are copied
// out before use and only the copy is validated (a double fetch would let the peer change an
// entry after the check); the peer's prod index is checked against our private indexes, and a
// value claiming more entries than the ring holds (or entries never requested, or going
// backwards) is reported as a RingError and latched; slots are always index & (size - 1), so no
// index the peer writes can reach outside the ring. Corrupt event indexes only cost wake-ups or
// spurious notifications, which both sides already tolerate.

#include <stddef.h>
#include <stdint.h>

#include <type_traits>

#include "bh/ring/shared_access.hpp"

namespace bh::ring {

inline constexpr size_t kPageSize = 4096;
inline constexpr size_t kRingHeaderBytes = 64;

// One slot: Xen's `union name##_sring_entry`, so size and alignment come out exactly as in C.
template <class Req, class Rsp>
union RingEntry {
    Req req;
    Rsp rsp;
};

// Largest power-of-two entry count that fits `pages` pages after the header (__CONST_RING_SIZE).
template <class Req, class Rsp>
constexpr RingIndex ring_entries(size_t pages) {
    return round_down_pow2((pages * kPageSize - kRingHeaderBytes) / sizeof(RingEntry<Req, Rsp>));
}

// The shared pages. Never constructed: placed over memory mapped from the peer (a grant), and
// set up with init() by the side that creates the ring (the front, in Xen).
template <class Req, class Rsp, size_t Pages = 1>
struct SharedRing {
    static_assert(std::is_trivially_copyable_v<Req> && std::is_trivially_copyable_v<Rsp>,
                  "ring entries cross a protection boundary as bytes");
    static_assert(alignof(RingEntry<Req, Rsp>) <= kRingHeaderBytes, "entries start at offset 64");
    static_assert(Pages >= 1);

    using Request = Req;
    using Response = Rsp;
    using Entry = RingEntry<Req, Rsp>;
    static constexpr RingIndex kSize = ring_entries<Req, Rsp>(Pages);
    static_assert(kSize >= 1, "an entry larger than the pages cannot form a ring");

    RingIndex req_prod;
    RingIndex req_event;
    RingIndex rsp_prod;
    RingIndex rsp_event;
    uint8_t pvt[4];  // netif smartpoll_active etc.: unused by the protocol itself
    uint8_t pad[44];
    Entry ring[kSize];

    // SHARED_RING_INIT: empty, and each side wants a notification for the first entry.
    void init() {
        __builtin_memset(static_cast<void*>(this), 0, kRingHeaderBytes);
        req_event = 1;
        rsp_event = 1;
    }

    Entry& slot(RingIndex i) { return ring[i & (kSize - 1)]; }
    const Entry& slot(RingIndex i) const { return ring[i & (kSize - 1)]; }
};

// Xen's notify test: did the batch (old, new] pass the peer's event index?
constexpr bool passed_event(RingIndex old_prod, RingIndex new_prod, RingIndex event) {
    return static_cast<RingIndex>(new_prod - event) < static_cast<RingIndex>(new_prod - old_prod);
}

}  // namespace bh::ring
