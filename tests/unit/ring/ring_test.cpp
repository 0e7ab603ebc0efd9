// FrontRing/BackRing behaviour: flow control, notification, final check, attach, protocol errors.
#include <catch2/catch.hpp>

#include "bh/ring/back_ring.hpp"
#include "bh/ring/front_ring.hpp"
#include "test_types.hpp"

using namespace bh::ring;
using ringtest::BigReq;
using ringtest::SmallRsp;
using ringtest::TinyRing;

namespace {

struct Fixture {
    TinyRing* s = static_cast<TinyRing*>(::operator new(sizeof(TinyRing)));
    FrontRing<TinyRing> front = FrontRing<TinyRing>::init(*s);
    BackRing<TinyRing> back = BackRing<TinyRing>::attach_at(*s, 0);
    ~Fixture() { ::operator delete(s); }

    void send(uint64_t id) {
        REQUIRE(front.put_request(BigReq{id, {}}) == RingError::None);
    }
    uint64_t serve_one() {
        BigReq r;
        REQUIRE(back.consume_request(r) == RingError::None);
        REQUIRE(back.put_response(SmallRsp{r.id, 0}) == RingError::None);
        return r.id;
    }
};

}  // namespace

TEST_CASE("FrontRing.RefusesTheRequestAfterSizeInFlight") {
    Fixture f;
    for (uint64_t i = 0; i < 4; ++i) f.send(i);
    CHECK(f.front.full());
    CHECK(f.front.next_request() == nullptr);
    CHECK(f.front.put_request(BigReq{}) == RingError::Full);
    CHECK(f.front.error() == RingError::None);
}

TEST_CASE("Ring.RequestsAndResponsesArriveInOrderAcrossWrap") {
    Fixture f;
    uint64_t next = 0, got = 0;
    for (int round = 0; round < 50; ++round) {
        while (!f.front.full()) f.send(next++);
        (void)f.front.push_requests();
        CHECK(f.back.requests_available() == 4);
        for (int i = 0; i < 4; ++i) CHECK(f.serve_one() == got + static_cast<uint64_t>(i));
        (void)f.back.push_responses();
        SmallRsp r;
        while (f.front.consume_response(r) == RingError::None) CHECK(r.id == got++);
    }
    CHECK(got == 200);
    CHECK(f.s->req_prod == 200);
    CHECK(f.s->rsp_prod == 200);
}

TEST_CASE("BackRing.HasNoResponseSlotWithoutAConsumedRequest") {
    Fixture f;
    CHECK(f.back.next_response() == nullptr);
    CHECK(f.back.put_response(SmallRsp{}) == RingError::Full);
    f.send(1);
    (void)f.front.push_requests();
    CHECK(f.back.next_response() == nullptr);  // published but not consumed yet
}

TEST_CASE("Push.NotifiesOnlyWhenTheBatchPassesTheEventIndex") {
    Fixture f;
    f.send(0);
    CHECK(f.front.push_requests());   // req_event starts at 1
    f.send(1);
    CHECK_FALSE(f.front.push_requests());  // back has not asked again
    CHECK_FALSE(f.front.push_requests());  // nothing new: never notifies
    f.serve_one();
    f.serve_one();
    CHECK_FALSE(f.back.final_check_for_requests());  // idle: asks for req 3
    CHECK(f.s->req_event == 3);
    f.send(2);
    f.send(3);
    CHECK(f.front.push_requests());
}

TEST_CASE("FinalCheck.FindsWorkPushedBeforeItAndDoesNotArm") {
    Fixture f;
    f.send(0);
    (void)f.front.push_requests();
    uint32_t event_before = f.s->req_event;
    CHECK(f.back.final_check_for_requests());
    CHECK(f.s->req_event == event_before);
}

TEST_CASE("FinalCheck.ResponsesSideArmsRspEvent") {
    Fixture f;
    f.send(0);
    (void)f.front.push_requests();
    CHECK_FALSE(f.front.final_check_for_responses());
    CHECK(f.s->rsp_event == 1);
    f.serve_one();
    CHECK(f.back.push_responses());
    CHECK(f.front.final_check_for_responses());
}

TEST_CASE("BackRing.AttachAfterRestartRereadsUnansweredRequests") {
    Fixture f;
    for (uint64_t i = 0; i < 4; ++i) f.send(i);
    (void)f.front.push_requests();
    f.serve_one();
    f.serve_one();
    (void)f.back.push_responses();
    BigReq lost;
    REQUIRE(f.back.consume_request(lost) == RingError::None);  // consumed, then "crashed"

    auto again = BackRing<TinyRing>::attach(*f.s);
    CHECK(again.req_cons() == 2);
    CHECK(again.requests_available() == 2);
    BigReq r;
    for (uint64_t id = 2; id < 4; ++id) {
        REQUIRE(again.consume_request(r) == RingError::None);
        CHECK(r.id == id);
        REQUIRE(again.put_response(SmallRsp{r.id, 0}) == RingError::None);
    }
    (void)again.push_responses();
    SmallRsp rsp;
    for (uint64_t id = 0; id < 4; ++id) {
        REQUIRE(f.front.consume_response(rsp) == RingError::None);
        CHECK(rsp.id == id);
    }
}

TEST_CASE("FrontRing.AttachPicksUpInFlightRequests") {
    Fixture f;
    for (uint64_t i = 0; i < 3; ++i) f.send(i);
    (void)f.front.push_requests();
    f.serve_one();
    (void)f.back.push_responses();
    auto again = FrontRing<TinyRing>::attach(*f.s);
    CHECK(again.error() == RingError::None);
    CHECK(again.req_prod_pvt() == 3);
    CHECK(again.rsp_cons() == 1);
    CHECK(again.free_requests() == 2);
}

TEST_CASE("FrontRing.AttachToCorruptIndexesIsAnError") {
    Fixture f;
    f.s->req_prod = 9;  // 9 in flight on a 4-entry ring
    auto again = FrontRing<TinyRing>::attach(*f.s);
    CHECK(again.error() == RingError::ResponseProd);
    CHECK(again.next_request() == nullptr);
}

TEST_CASE("Ring.IndexesWrapAt2To32") {
    TinyRing* s = static_cast<TinyRing*>(::operator new(sizeof(TinyRing)));
    s->init();
    s->req_prod = s->rsp_prod = 0xfffffffe;
    auto front = FrontRing<TinyRing>::attach(*s);
    auto back = BackRing<TinyRing>::attach(*s);
    uint64_t got = 0;
    for (uint64_t i = 0; i < 40; ++i) {
        REQUIRE(front.put_request(BigReq{i, {}}) == RingError::None);
        (void)front.push_requests();
        BigReq r;
        REQUIRE(back.consume_request(r) == RingError::None);
        REQUIRE(back.put_response(SmallRsp{r.id, 0}) == RingError::None);
        (void)back.push_responses();
        SmallRsp rsp;
        REQUIRE(front.consume_response(rsp) == RingError::None);
        CHECK(rsp.id == got++);
    }
    CHECK(s->req_prod == 38);
    ::operator delete(s);
}

TEST_CASE("BackRing.ReqProdBeyondRingIsLatchedProtocolError") {
    Fixture f;
    f.s->req_prod = 5;  // 5 requests claimed, ring holds 4
    BigReq r;
    CHECK(f.back.consume_request(r) == RingError::RequestProd);
    CHECK(is_protocol_error(f.back.error()));
    f.s->req_prod = 1;  // the peer "fixes" it: too late, the view stays broken
    CHECK(f.back.consume_request(r) == RingError::RequestProd);
    CHECK(f.back.requests_available() == 0);
    CHECK(f.back.final_check_for_requests());  // "work": look at error()
}

TEST_CASE("BackRing.ReqProdMovingBackwardsIsAnError") {
    Fixture f;
    for (uint64_t i = 0; i < 3; ++i) f.send(i);
    (void)f.front.push_requests();
    BigReq r;
    for (int i = 0; i < 3; ++i) REQUIRE(f.back.consume_request(r) == RingError::None);
    f.s->req_prod = 1;
    CHECK(f.back.consume_request(r) == RingError::RequestProd);
}

TEST_CASE("BackRing.ReqProdOverwritingUnreadResponsesIsAnError") {
    Fixture f;
    for (uint64_t i = 0; i < 4; ++i) f.send(i);
    (void)f.front.push_requests();
    f.serve_one();  // answered privately but not pushed: the front cannot have reused slot 0
    f.s->req_prod = 5;
    BigReq r;
    for (int i = 0; i < 3; ++i) REQUIRE(f.back.consume_request(r) == RingError::None);
    CHECK(f.back.consume_request(r) == RingError::RequestProd);
}

TEST_CASE("FrontRing.ResponsesToUnpushedRequestsAreAnError") {
    Fixture f;
    f.send(0);
    f.send(1);
    (void)f.front.push_requests();
    f.send(2);  // filled, not pushed
    f.s->rsp_prod = 3;
    SmallRsp r;
    CHECK(f.front.consume_response(r) == RingError::ResponseProd);
    CHECK(f.front.responses_available() == 0);
    CHECK(f.front.next_request() == nullptr);
}

TEST_CASE("FrontRing.RspProdMovingBackwardsIsAnError") {
    Fixture f;
    f.send(0);
    (void)f.front.push_requests();
    f.serve_one();
    (void)f.back.push_responses();
    SmallRsp r;
    REQUIRE(f.front.consume_response(r) == RingError::None);
    f.s->rsp_prod = 0xffffffff;
    CHECK(f.front.consume_response(r) == RingError::ResponseProd);
}

TEST_CASE("BackRing.ConsumedRequestIsACopyThePeerCannotChange") {
    Fixture f;
    f.send(7);
    (void)f.front.push_requests();
    BigReq r;
    REQUIRE(f.back.consume_request(r) == RingError::None);
    f.s->slot(0).req.id = 666;  // peer rewrites the slot after we read it
    CHECK(r.id == 7);
}
