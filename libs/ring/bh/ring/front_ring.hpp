// FrontRing: the requesting side's view of a SharedRing (protocol in shared_ring.hpp).
#pragma once

#include "bh/ring/ring_error.hpp"
#include "bh/ring/shared_ring.hpp"

namespace bh::ring {

// Invariants: rsp_cons_ <= rsp_seen_ <= req_pushed_ <= req_prod_pvt_ <= rsp_cons_ + kSize
// (modular distances from rsp_cons_); rsp_seen_ is a value of rsp_prod already validated, so
// responses below it are consumed without touching the shared header. Once error_ is a protocol
// error it stays: every later call reports it and produces or consumes nothing.
template <class Ring>
class FrontRing {
public:
    using Req = typename Ring::Request;
    using Rsp = typename Ring::Response;
    static constexpr RingIndex kSize = Ring::kSize;

    // Create the ring: SHARED_RING_INIT + FRONT_RING_INIT.
    static FrontRing init(Ring& s) {
        s.init();
        return FrontRing(s, 0, 0);
    }

    // FRONT_RING_ATTACH(r, s, at): both private indexes at `at`.
    static FrontRing attach_at(Ring& s, RingIndex at) { return FrontRing(s, at, at); }

    // A restarted front picks up the indexes in the ring. Requests in (rsp_prod, req_prod] are
    // in flight and will be answered; a claim of more than kSize of them is latched as an error.
    static FrontRing attach(Ring& s) {
        RingIndex rsp = load_acquire(s.rsp_prod);
        RingIndex req = load_acquire(s.req_prod);
        FrontRing f(s, req, rsp);
        if (static_cast<RingIndex>(req - rsp) > kSize) {
            f.req_prod_pvt_ = f.req_pushed_ = rsp;
            f.error_ = RingError::ResponseProd;
        }
        return f;
    }

    RingError error() const { return error_; }
    RingIndex size() const { return kSize; }
    RingIndex req_prod_pvt() const { return req_prod_pvt_; }
    RingIndex rsp_cons() const { return rsp_cons_; }
    RingIndex free_requests() const { return kSize - (req_prod_pvt_ - rsp_cons_); }
    bool full() const { return free_requests() == 0; }

    // The next request slot, claimed (req_prod_pvt advances); null when full or broken. The slot
    // is shared memory: fill it, then push_requests().
    Req* next_request() {
        if (error_ != RingError::None || full()) return nullptr;
        return &s_->slot(req_prod_pvt_++).req;
    }

    RingError put_request(const Req& r) {
        Req* slot = next_request();
        if (slot == nullptr) return error_ != RingError::None ? error_ : RingError::Full;
        __builtin_memcpy(static_cast<void*>(slot), &r, sizeof(Req));
        return RingError::None;
    }

    // RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: publish, then true iff the back asked to be woken.
    [[nodiscard]] bool push_requests() {
        RingIndex old_prod = req_pushed_;
        RingIndex new_prod = req_prod_pvt_;
        if (old_prod == new_prod) return false;
        req_pushed_ = new_prod;
        store_fenced(s_->req_prod, new_prod);
        return passed_event(old_prod, new_prod, load_fenced(s_->req_event));
    }

    // Responses published and not yet consumed (0 when broken).
    RingIndex responses_available() {
        if (rsp_seen_ == rsp_cons_ && !refresh_rsp_prod()) return 0;
        return rsp_seen_ - rsp_cons_;
    }

    // Copy the next response out of the ring.
    RingError consume_response(Rsp& out) {
        if (rsp_seen_ == rsp_cons_ && !refresh_rsp_prod())
            return error_ != RingError::None ? error_ : RingError::Empty;
        copy_from_shared(out, s_->slot(rsp_cons_).rsp);
        ++rsp_cons_;
        return RingError::None;
    }

    // RING_FINAL_CHECK_FOR_RESPONSES: true if there is work; else the back will notify us for the
    // next response, and we may sleep. A broken ring reports work so the caller looks at error().
    [[nodiscard]] bool final_check_for_responses() {
        if (responses_available() != 0 || error_ != RingError::None) return true;
        store_fenced(s_->rsp_event, rsp_cons_ + 1);
        return refresh_rsp_prod(load_fenced(s_->rsp_prod)) || error_ != RingError::None;
    }

private:
    FrontRing(Ring& s, RingIndex req, RingIndex rsp)
        : s_(&s), req_prod_pvt_(req), req_pushed_(req), rsp_cons_(rsp), rsp_seen_(rsp) {}

    bool refresh_rsp_prod() { return refresh_rsp_prod(load_acquire(s_->rsp_prod)); }

    // Accept `prod` only if it lies in [rsp_cons_, req_pushed_]: the back cannot answer requests
    // it was never shown. Returns true iff new responses became available.
    bool refresh_rsp_prod(RingIndex prod) {
        if (error_ != RingError::None) return false;
        if (static_cast<RingIndex>(prod - rsp_cons_) >
            static_cast<RingIndex>(req_pushed_ - rsp_cons_)) {
            error_ = RingError::ResponseProd;
            return false;
        }
        rsp_seen_ = prod;
        return prod != rsp_cons_;
    }

    Ring* s_;
    RingIndex req_prod_pvt_;
    RingIndex req_pushed_;  // last req_prod we published: the "old" of the notify test
    RingIndex rsp_cons_;
    RingIndex rsp_seen_;
    RingError error_ = RingError::None;
};

}  // namespace bh::ring
