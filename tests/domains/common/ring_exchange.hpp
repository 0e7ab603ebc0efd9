// A frontend that writes its own requests (the hostile test frontends): puts n requests on the
// ring, notifies the backend through `port_slot`, and collects n responses. False if the ring
// refused a request or the backend went quiet for two seconds.
#pragma once

#include <bulkhead/abi.h>

#include <bh/ring/front_ring.hpp>
#include <bh/syscall.hpp>

namespace test_domains {

template <class Ring>
bool exchange(bh::ring::FrontRing<Ring>& ring, bh_slot_t port_slot, const typename Ring::Request* reqs, uint32_t n,
              typename Ring::Response* out) {
    for (uint32_t i = 0; i < n; ++i)
        if (ring.put_request(reqs[i]) != bh::ring::RingError::None) return false;
    if (ring.push_requests()) bh::rt::call(BH_CALL_EVTCHN_SEND, port_slot);
    for (uint32_t got = 0; got < n;) {
        if (ring.consume_response(out[got]) == bh::ring::RingError::None) {
            ++got;
            continue;
        }
        uint64_t t0 = bh::rt::call(BH_CALL_TIME).r1;
        while (!ring.final_check_for_responses()) {
            if (bh::rt::call(BH_CALL_TIME).r1 - t0 > 2000 / BH_TICK_MS) return false;
            bh::rt::call(BH_CALL_YIELD);
        }
    }
    return true;
}

}  // namespace test_domains
