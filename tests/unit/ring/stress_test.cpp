// Two threads stream checksummed messages through a ring, sleeping on a doorbell as real ends
// do: every message arrives once, in order, intact, and nobody sleeps through a notification.
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "bh/ring/back_ring.hpp"
#include "bh/ring/front_ring.hpp"
#include "test_types.hpp"

using namespace bh::ring;
using ringtest::Msg;
using ringtest::MsgRing;

namespace {

// An event channel: notify() bumps a counter, sleep(seen) blocks until it moves past seen.
struct Doorbell {
    std::atomic<uint32_t> n{0};
    void notify() {
        n.fetch_add(1);
        n.notify_one();
    }
    void sleep(uint32_t seen) { n.wait(seen); }
};

// Poll a little, then final-check and sleep: the final check is what makes sleeping safe.
template <class Check>
void idle(int& polls, Doorbell& bell, Check final_check) {
    if (++polls < 64) return;
    polls = 0;
    uint32_t seen = bell.n.load();
    if (!final_check()) bell.sleep(seen);
}

constexpr uint64_t kMessages = 300000;

}  // namespace

TEST_CASE("Stress.TwoThreadsStreamChecksummedMessagesWithoutLossOrWakeupMiss") {
    auto* s = static_cast<MsgRing*>(::operator new(sizeof(MsgRing)));
    auto front = FrontRing<MsgRing>::init(*s);
    auto back = BackRing<MsgRing>::attach_at(*s, 0);
    Doorbell to_back, to_front;
    uint64_t back_bad = 0, back_errors = 0;

    std::thread backend([&] {
        int polls = 0;
        for (uint64_t done = 0; done < kMessages;) {
            Msg m;
            bool any = false;
            RingError e;
            while ((e = back.consume_request(m)) == RingError::None) {
                if (!msg_ok(m, done)) ++back_bad;
                Msg reply = ringtest::make_msg(m.seq + 1000000);
                if (back.put_response(reply) != RingError::None) ++back_errors;
                ++done;
                any = true;
            }
            if (e != RingError::Empty) {
                ++back_errors;
                return;
            }
            if (any) {
                if (back.push_responses()) to_front.notify();
            } else {
                idle(polls, to_back, [&] { return back.final_check_for_requests(); });
            }
        }
    });

    uint64_t sent = 0, got = 0, bad = 0;
    int polls = 0;
    while (got < kMessages) {
        bool progress = false;
        while (sent < kMessages && front.put_request(ringtest::make_msg(sent)) == RingError::None) {
            ++sent;
            progress = true;
        }
        if (progress && front.push_requests()) to_back.notify();
        Msg r;
        while (front.consume_response(r) == RingError::None) {
            if (!msg_ok(r, got + 1000000)) ++bad;
            ++got;
            progress = true;
        }
        REQUIRE(front.error() == RingError::None);
        if (!progress) idle(polls, to_front, [&] { return front.final_check_for_responses(); });
    }
    backend.join();
    CHECK(bad == 0);
    CHECK(back_bad == 0);
    CHECK(back_errors == 0);
    CHECK(back.error() == RingError::None);
    CHECK(s->req_prod == kMessages);
    CHECK(s->rsp_prod == kMessages);
    ::operator delete(s);
}
