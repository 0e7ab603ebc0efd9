// Hostile peers, under ASan/UBSan: a device that scribbles the used ring, and a driver that
// scribbles the descriptor table and the available ring. Neither view may touch memory outside
// the queue, hand back a request it does not have, accept what the protocol forbids, or loop;
// errors latch. First each lie on its own, then random ones, over many fresh queues.
#include <random>
#include <set>

#include <catch2/catch.hpp>

#include "queue_pair.hpp"

using namespace bh::virtio;

namespace {

UsedRing used_of(QueuePair& q) { return {reinterpret_cast<uint16_t*>(q.mem + SplitLayout{q.size}.used_off()), q.size}; }
AvailRing avail_of(QueuePair& q) { return {reinterpret_cast<uint16_t*>(q.mem + SplitLayout{q.size}.avail_off()), q.size}; }
VirtqDesc* desc_of(QueuePair& q) { return reinterpret_cast<VirtqDesc*>(q.mem); }

// Two requests in flight: 8 readable + 100 writable bytes each, cookies 10 and 11.
void two_in_flight(QueuePair& q) {
    Segment s[2] = {{0x1000, 8, false}, {0x2000, 100, true}};
    REQUIRE(q.driver.add(s, 2, 10) == QueueError::None);
    REQUIRE(q.driver.add(s, 2, 11) == QueueError::None);
    (void)q.driver.kick();
}

}  // namespace

TEST_CASE("Adversarial.EachDeviceLieIsCaught") {
    QueuePair q(8, true);
    two_in_flight(q);
    UsedRing used = used_of(q);
    Completion done;
    SECTION("more completions than requests published") {
        used.idx() = 3;
        CHECK(q.driver.take(done) == QueueError::UsedIdx);
    }
    SECTION("an id that is no head in flight") {
        used.ring(0) = {1, 0};  // descriptor 1 is the second of the first chain
        used.idx() = 1;
        CHECK(q.driver.take(done) == QueueError::UsedId);
    }
    SECTION("an id outside the table") {
        used.ring(0) = {8, 0};
        used.idx() = 1;
        CHECK(q.driver.take(done) == QueueError::UsedId);
    }
    SECTION("the same request completed twice") {
        used.ring(0) = {0, 4};
        used.ring(1) = {0, 4};
        used.idx() = 2;
        REQUIRE(q.driver.take(done) == QueueError::None);
        CHECK(done.cookie == 10);
        CHECK(q.driver.take(done) == QueueError::UsedId);
    }
    SECTION("more bytes written than the chain can take") {
        used.ring(0) = {0, 101};
        used.idx() = 1;
        CHECK(q.driver.take(done) == QueueError::UsedLen);
    }
    SECTION("used.idx moving backwards") {
        used.idx() = static_cast<uint16_t>(-1);
        CHECK(q.driver.take(done) == QueueError::UsedIdx);
    }
    // Latched: nothing more comes out, nothing more goes in.
    CHECK(is_protocol_error(q.driver.error()));
    CHECK(q.driver.take(done) == q.driver.error());
    Segment s{0, 1, false};
    CHECK(q.driver.add(&s, 1, 0) == q.driver.error());
}

TEST_CASE("Adversarial.EachDriverLieIsCaught") {
    QueuePair q(8, true);
    Segment s[2] = {{0x1000, 8, false}, {0x2000, 100, true}};
    REQUIRE(q.driver.add(s, 2, 1) == QueueError::None);
    (void)q.driver.kick();
    AvailRing avail = avail_of(q);
    VirtqDesc* desc = desc_of(q);
    Chain c;
    SECTION("more heads than the queue holds") {
        avail.idx() = 9;
        CHECK(q.device.pop(c) == QueueError::AvailIdx);
    }
    SECTION("a head outside the table") {
        avail.ring(0) = 8;
        CHECK(q.device.pop(c) == QueueError::Head);
    }
    SECTION("a next link outside the table") {
        desc[0].next = 40;
        CHECK(q.device.pop(c) == QueueError::Chain);
    }
    SECTION("a loop") {
        desc[1].flags = kDescNext | kDescWrite;
        desc[1].next = 0;
        CHECK(q.device.pop(c) == QueueError::Chain);
    }
    SECTION("readable after writable") {
        desc[0].flags = kDescNext | kDescWrite;
        desc[1].flags = 0;
        CHECK(q.device.pop(c) == QueueError::Chain);
    }
    CHECK(is_protocol_error(q.device.error()));
    CHECK(q.device.pop(c) == q.device.error());
}

TEST_CASE("Adversarial.RandomDeviceCannotFoolTheDriver") {
    std::mt19937 rng(GENERATE(1u, 2u, 3u));
    int errors = 0, completions = 0;
    for (int queue = 0; queue < 300; ++queue) {  // a fresh queue after each detected lie
        QueuePair q(16, rng() % 2 == 0);
        UsedRing used = used_of(q);
        std::set<uint64_t> in_flight;
        std::vector<uint16_t> heads;  // what an honest device would have popped
        uint64_t cookie = 0;
        for (int step = 0; step < 200; ++step) {
            Segment s[2] = {{0x1000, 8, false}, {0x2000, 100, true}};
            if (q.driver.add(s, 2, cookie) == QueueError::None) in_flight.insert(cookie++);
            (void)q.driver.kick();
            Chain c;
            while (q.device.pop(c) == QueueError::None) heads.push_back(c.head);
            // Mostly honest completions in odd orders, now and then a lie.
            if (!heads.empty() && rng() % 3 != 0) {
                size_t i = rng() % heads.size();
                q.device.push(heads[i], static_cast<uint32_t>(rng() % 101));
                heads.erase(heads.begin() + static_cast<ptrdiff_t>(i));
                (void)q.device.publish();
            }
            if (rng() % 40 == 0) {
                switch (rng() % 3) {
                case 0: used.ring((used.idx() - 1) & 15).id = static_cast<uint32_t>(rng() % 20); break;
                case 1: used.ring((used.idx() - 1) & 15).len = static_cast<uint32_t>(rng() % 200); break;
                default: used.idx() = static_cast<uint16_t>(used.idx() + rng() % 20); break;
                }
            }
            Completion done;
            QueueError e;
            while ((e = q.driver.take(done)) == QueueError::None) {
                REQUIRE(in_flight.count(done.cookie) == 1);  // only requests it has, each once
                REQUIRE(done.len <= 100);
                in_flight.erase(done.cookie);
                ++completions;
            }
            if (is_protocol_error(e)) {
                ++errors;
                REQUIRE(q.driver.take(done) == e);
                break;
            }
        }
    }
    CHECK(errors > 50);        // lies were told and caught...
    CHECK(completions > 10000);  // ...between plenty of honest work
}

TEST_CASE("Adversarial.RandomDriverCannotFoolTheDevice") {
    std::mt19937 rng(GENERATE(11u, 12u, 13u));
    int errors = 0, chains = 0;
    for (int queue = 0; queue < 300; ++queue) {
        QueuePair q(32, rng() % 2 == 0);
        AvailRing avail = avail_of(q);
        VirtqDesc* desc = desc_of(q);
        for (int step = 0; step < 200; ++step) {
            Segment s[3] = {{0x1000, 8, false}, {0x2000, 100, true}, {0x3000, 4, true}};
            (void)q.driver.add(s, 1 + rng() % 3, 0);
            (void)q.driver.kick();
            if (rng() % 30 == 0) {
                switch (rng() % 4) {
                case 0: avail.idx() = static_cast<uint16_t>(avail.idx() + rng() % 40); break;
                case 1: avail.ring(rng() % 32) = static_cast<uint16_t>(rng() % 40); break;
                case 2: desc[rng() % 32].next = static_cast<uint16_t>(rng() % 40); break;
                default: desc[rng() % 32].flags = static_cast<uint16_t>(rng() % 8); break;
                }
            }
            Chain c;
            QueueError e;
            while ((e = q.device.pop(c)) == QueueError::None) {
                REQUIRE(c.head < 32);
                REQUIRE(c.n >= 1);
                REQUIRE(c.n <= 32);
                for (uint32_t i = 0; i + 1 < c.n; ++i) REQUIRE((c.desc[i].flags & kDescNext) != 0);
                q.device.push(c.head, 0);
                ++chains;
            }
            (void)q.device.publish();
            Completion done;
            while (q.driver.take(done) == QueueError::None) {
            }
            if (is_protocol_error(e)) {
                ++errors;
                REQUIRE(q.device.pop(c) == e);
                break;
            }
            if (is_protocol_error(q.driver.error())) break;  // our lies confused the completions
        }
    }
    CHECK(errors > 50);
    CHECK(chains > 10000);
}
