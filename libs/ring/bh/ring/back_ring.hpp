// BackRing: the answering side's view of a SharedRing (protocol in shared_ring.hpp).
#pragma once

#include "bh/ring/ring_error.hpp"
#include "bh/ring/shared_ring.hpp"

namespace bh::ring {

// Invariants: rsp_pushed_ <= rsp_prod_pvt_ <= req_cons_ <= req_seen_ <= rsp_prod_pvt_ + kSize
// (modular distances from rsp_pushed_); req_seen_ is a value of req_prod already validated, so
// requests below it are consumed without touching the shared header. A response can only be
// produced for a request already consumed, so it always lands in a slot the front has finished
// with. Once error_ is a protocol error it stays.
template <class Ring>
class BackRing {
public:
    using Req = typename Ring::Request;
    using Rsp = typename Ring::Response;
    static constexpr RingIndex kSize = Ring::kSize;

    // BACK_RING_ATTACH(r, s, at): both private indexes at `at` (BACK_RING_INIT is at == 0).
    static BackRing attach_at(Ring& s, RingIndex at) { return BackRing(s, at); }

    // A restarted back picks up where the last published response left off: every request
    // after it is read (again). Nothing to validate yet: req_prod is checked when read.
    static BackRing attach(Ring& s) { return BackRing(s, load_acquire(s.rsp_prod)); }

    RingError error() const { return error_; }
    RingIndex size() const { return kSize; }
    RingIndex req_cons() const { return req_cons_; }
    RingIndex rsp_prod_pvt() const { return rsp_prod_pvt_; }
    // Requests consumed and not yet answered.
    RingIndex unanswered() const { return req_cons_ - rsp_prod_pvt_; }

    // Requests published and not yet consumed (0 when broken).
    RingIndex requests_available() {
        if (req_seen_ == req_cons_ && !refresh_req_prod()) return 0;
        return req_seen_ - req_cons_;
    }

    // Copy the next request out of the ring; validate the copy, never the slot.
    RingError consume_request(Req& out) {
        if (req_seen_ == req_cons_ && !refresh_req_prod())
            return error_ != RingError::None ? error_ : RingError::Empty;
        copy_from_shared(out, s_->slot(req_cons_).req);
        ++req_cons_;
        return RingError::None;
    }

    // The slot for the response to the oldest unanswered request, claimed; null if every
    // consumed request is answered (or the ring is broken). Fill it, then push_responses().
    Rsp* next_response() {
        if (error_ != RingError::None || unanswered() == 0) return nullptr;
        return &s_->slot(rsp_prod_pvt_++).rsp;
    }

    RingError put_response(const Rsp& r) {
        Rsp* slot = next_response();
        if (slot == nullptr) return error_ != RingError::None ? error_ : RingError::Full;
        __builtin_memcpy(static_cast<void*>(slot), &r, sizeof(Rsp));
        return RingError::None;
    }

    // RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: publish, then true iff the front asked to be woken.
    [[nodiscard]] bool push_responses() {
        RingIndex old_prod = rsp_pushed_;
        RingIndex new_prod = rsp_prod_pvt_;
        if (old_prod == new_prod) return false;
        rsp_pushed_ = new_prod;
        store_fenced(s_->rsp_prod, new_prod);
        return passed_event(old_prod, new_prod, load_fenced(s_->rsp_event));
    }

    // RING_FINAL_CHECK_FOR_REQUESTS: true if there is work; else the front will notify us for
    // the next request, and we may sleep. A broken ring reports work so the caller sees error().
    [[nodiscard]] bool final_check_for_requests() {
        if (requests_available() != 0 || error_ != RingError::None) return true;
        store_fenced(s_->req_event, req_cons_ + 1);
        return refresh_req_prod(load_fenced(s_->req_prod)) || error_ != RingError::None;
    }

private:
    BackRing(Ring& s, RingIndex at)
        : s_(&s), req_cons_(at), req_seen_(at), rsp_prod_pvt_(at), rsp_pushed_(at) {}

    bool refresh_req_prod() { return refresh_req_prod(load_acquire(s_->req_prod)); }

    // Accept `prod` only if it lies in [req_cons_, rsp_pushed_ + kSize]: more would mean requests
    // in slots whose responses the front has not read (RING_REQUEST_PROD_OVERFLOW), less that
    // req_prod went backwards. Returns true iff new requests became available.
    bool refresh_req_prod(RingIndex prod) {
        if (error_ != RingError::None) return false;
        RingIndex ahead = prod - rsp_pushed_;
        if (ahead > kSize || ahead < static_cast<RingIndex>(req_cons_ - rsp_pushed_)) {
            error_ = RingError::RequestProd;
            return false;
        }
        req_seen_ = prod;
        return prod != req_cons_;
    }

    Ring* s_;
    RingIndex req_cons_;
    RingIndex req_seen_;
    RingIndex rsp_prod_pvt_;
    RingIndex rsp_pushed_;  // last rsp_prod we published: the "old" of the notify test
    RingError error_ = RingError::None;
};

}  // namespace bh::ring
