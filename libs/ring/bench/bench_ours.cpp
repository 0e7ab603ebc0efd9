// bench-ring: Bulkhead's FrontRing/BackRing in the common loops.
#include <stdlib.h>

#include "bh/ring/back_ring.hpp"
#include "bh/ring/front_ring.hpp"
#include "loops.hpp"

namespace bench {
namespace {

using Ring = bh::ring::SharedRing<Msg, Msg, 1>;

struct alignas(64) Front {  // own cache line: the two ends run on different CPUs
    bh::ring::FrontRing<Ring> r;
    Msg* next_request() { return r.next_request(); }
    bool push() { return r.push_requests(); }
    bool take_response(Msg& m) { return r.consume_response(m) == bh::ring::RingError::None; }
    bool final_check() { return r.final_check_for_responses(); }
};

struct alignas(64) Back {
    bh::ring::BackRing<Ring> r;
    bool take_request(Msg& m) { return r.consume_request(m) == bh::ring::RingError::None; }
    Msg* next_response() { return r.next_response(); }
    bool push() { return r.push_responses(); }
    bool final_check() { return r.final_check_for_requests(); }
};

struct Rig {
    template <class F>
    static auto run(F f) {
        auto* s = static_cast<Ring*>(aligned_alloc(4096, 4096));
        Front front{bh::ring::FrontRing<Ring>::init(*s)};
        Back back{bh::ring::BackRing<Ring>::attach_at(*s, 0)};
        auto result = f(front, back);
        free(s);
        return result;
    }
};

}  // namespace

Variant ours_variant() { return make_variant<Rig>("ours"); }

}  // namespace bench
