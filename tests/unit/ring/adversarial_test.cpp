// A hostile peer writes random indexes and garbage: every claim beyond what the ring can hold is
// reported, and nothing is read or written outside the ring (ASan/UBSan watch every access;
// the ring is allocated at exactly its size so one byte past it is a reported overflow).
#include <atomic>
#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "bh/ring/back_ring.hpp"
#include "bh/ring/front_ring.hpp"
#include "test_types.hpp"

using namespace bh::ring;
using ringtest::BigReq;
using ringtest::SmallRsp;
using ringtest::TinyRing;

namespace {

TinyRing* new_ring() {
    auto* s = static_cast<TinyRing*>(::operator new(sizeof(TinyRing)));
    s->init();
    return s;
}

}  // namespace

TEST_CASE("Adversarial.AnyReqProdIsAcceptedExactlyWhenTheRingCanHoldIt") {
    std::mt19937 rng(1);
    TinyRing* s = new_ring();
    for (int i = 0; i < 20000; ++i) {
        RingIndex base = rng(), prod = (i % 2) ? base + rng() % 9 : static_cast<RingIndex>(rng());
        s->rsp_prod = base;
        s->req_prod = prod;
        auto back = BackRing<TinyRing>::attach(*s);
        RingIndex claimed = prod - base;
        if (claimed <= TinyRing::kSize) {
            CHECK(back.requests_available() == claimed);
            CHECK(back.error() == RingError::None);
        } else {
            CHECK(back.requests_available() == 0);
            CHECK(back.error() == RingError::RequestProd);
        }
    }
    ::operator delete(s);
}

TEST_CASE("Adversarial.AnyRspProdIsAcceptedExactlyWhenItAnswersPushedRequests") {
    std::mt19937 rng(2);
    TinyRing* s = new_ring();
    for (int i = 0; i < 20000; ++i) {
        RingIndex base = rng();
        s->req_prod = s->rsp_prod = base;
        auto front = FrontRing<TinyRing>::attach(*s);
        RingIndex pushed = rng() % 5;
        for (RingIndex k = 0; k < pushed; ++k) REQUIRE(front.next_request() != nullptr);
        (void)front.push_requests();
        RingIndex prod = (i % 2) ? base + rng() % 9 : static_cast<RingIndex>(rng());
        s->rsp_prod = prod;
        if (static_cast<RingIndex>(prod - base) <= pushed) {
            CHECK(front.responses_available() == prod - base);
        } else {
            CHECK(front.responses_available() == 0);
            CHECK(front.error() == RingError::ResponseProd);
        }
    }
    ::operator delete(s);
}

// A peer thread scribbles over the whole shared page while both of our ends run their loops.
// Quiet and scribbling phases alternate, each handed over explicitly, so neither check depends on
// how the threads happen to be scheduled: in quiet phases (fresh ring) requests must move, in
// scribbling ones the damage must be noticed, and in both nothing may touch memory outside.
TEST_CASE("Adversarial.ConcurrentScribblerNeverCausesAnOutOfBoundsAccess") {
    TinyRing* s = new_ring();
    std::atomic<bool> stop{false}, scribble{false}, idle{true};
    std::atomic<uint64_t> scribbles{0};
    std::thread hostile([&] {
        std::mt19937 rng(3);
        auto* words = reinterpret_cast<volatile uint32_t*>(s);
        while (!stop.load()) {
            if (!scribble.load()) {
                idle = true;
                std::this_thread::yield();
                continue;
            }
            idle = false;
            words[rng() % (sizeof(TinyRing) / 4)] = rng();
            if (rng() % 4 == 0) words[rng() % 4] = rng() % 16;  // small, plausible indexes too
            scribbles.fetch_add(1);
        }
    });
    // One round: both ends attach and run their loops a while. Returns protocol errors seen.
    uint64_t moved = 0;
    auto round = [&] {
        auto front = FrontRing<TinyRing>::attach(*s);
        auto back = BackRing<TinyRing>::attach(*s);
        for (int step = 0; step < 50; ++step) {
            if (front.put_request(BigReq{1, {}}) == RingError::None) ++moved;
            (void)front.push_requests();
            BigReq r;
            if (back.consume_request(r) == RingError::None) {
                ++moved;
                (void)back.put_response(SmallRsp{r.id, 0});
            }
            (void)back.push_responses();
            SmallRsp rsp;
            if (front.consume_response(rsp) == RingError::None) ++moved;
            (void)front.final_check_for_responses();
            (void)back.final_check_for_requests();
        }
        return uint64_t{is_protocol_error(front.error())} + is_protocol_error(back.error());
    };
    for (int phase = 0; phase < 10; ++phase) {
        // Quiet: the scribbler has stopped; on a fresh ring requests and responses flow.
        scribble = false;
        while (!idle.load()) std::this_thread::yield();
        s->init();  // in place: the scribbler keeps its pointer
        uint64_t before = moved, quiet_errors = 0;
        for (int r = 0; r < 200; ++r) quiet_errors += round();
        CHECK(quiet_errors == 0);
        CHECK(moved > before);
        // Scribbling: once it has started, run until the damage is noticed.
        uint64_t start = scribbles.load();
        scribble = true;
        while (scribbles.load() < start + 100) std::this_thread::yield();
        uint64_t noticed = 0;
        for (int r = 0; r < 1000000 && noticed == 0; ++r) noticed += round();
        CHECK(noticed > 0);
    }
    stop = true;
    hostile.join();
    ::operator delete(s);
}
