// DriverQueue and DeviceQueue against each other, single-threaded: chains, completions, the
// free list, index wrap-around, and both notification schemes.
#include <catch2/catch.hpp>

#include "queue_pair.hpp"

using namespace bh::virtio;

TEST_CASE("Queue.ChainsGoAcrossAndComeBack") {
    QueuePair q(8, true);
    Segment req[3] = {{0x1000, 16, false}, {0x2000, 512, true}, {0x3000, 1, true}};
    REQUIRE(q.driver.add(req, 3, 77) == QueueError::None);
    CHECK(q.driver.free_descriptors() == 5);
    CHECK(q.driver.kick());  // avail_event is 0: the first head passes it
    Chain c;
    REQUIRE(q.device.pop(c) == QueueError::None);
    REQUIRE(c.n == 3);
    CHECK(c.desc[0].addr == 0x1000);
    CHECK(c.desc[0].flags == kDescNext);
    CHECK(c.desc[1].flags == (kDescNext | kDescWrite));
    CHECK(c.desc[2].flags == kDescWrite);
    CHECK(q.device.pop(c) == QueueError::Empty);
    q.device.push(c.head, 513);
    CHECK(q.device.publish());  // used_event is 0
    Completion done;
    REQUIRE(q.driver.take(done) == QueueError::None);
    CHECK(done.cookie == 77);
    CHECK(done.len == 513);
    CHECK(q.driver.free_descriptors() == 8);
    CHECK(q.driver.take(done) == QueueError::Empty);
}

TEST_CASE("Queue.FullWhenDescriptorsRunOut") {
    QueuePair q(4, false);
    Segment s{0x1000, 8, false};
    for (int i = 0; i < 4; ++i) REQUIRE(q.driver.add(&s, 1, i) == QueueError::None);
    CHECK(q.driver.add(&s, 1, 9) == QueueError::Full);
    Segment two[2] = {{0, 1, false}, {0, 1, false}};
    CHECK(q.driver.add(two, 2, 9) == QueueError::Full);
    Segment backwards[2] = {{0, 1, true}, {0, 1, false}};  // readable after writable
    CHECK(q.driver.add(backwards, 2, 9) != QueueError::None);
}

TEST_CASE("Queue.WrapsPastSixtyFiveThousandRequests") {
    QueuePair q(16, true);
    uint64_t next = 0, expect = 0;
    Chain c;
    Completion done;
    for (int round = 0; round < 30000; ++round) {
        uint32_t batch = 1 + round % 5;
        for (uint32_t i = 0; i < batch; ++i) {
            Segment s[2] = {{next, 8, false}, {next, 64, true}};
            REQUIRE(q.driver.add(s, 2, next++) == QueueError::None);
        }
        (void)q.driver.kick();
        while (q.device.pop(c) == QueueError::None) q.device.push(c.head, 64);
        (void)q.device.publish();
        while (q.driver.take(done) == QueueError::None) REQUIRE(done.cookie == expect++);
    }
    CHECK(expect == next);
    CHECK(next > 70000);
    CHECK(q.driver.error() == QueueError::None);
    CHECK(q.device.error() == QueueError::None);
}

TEST_CASE("Queue.EventIndexAsksForOneNotificationPerSleep") {
    QueuePair q(64, true);
    Segment s{0x1000, 8, false};
    Chain c;
    // The device sleeps after draining: the first kick after that notifies, later ones do not
    // until it re-arms.
    REQUIRE(!q.device.enable_and_check());
    REQUIRE(q.driver.add(&s, 1, 1) == QueueError::None);
    CHECK(q.driver.kick());
    REQUIRE(q.driver.add(&s, 1, 2) == QueueError::None);
    CHECK_FALSE(q.driver.kick());
    while (q.device.pop(c) == QueueError::None) q.device.push(c.head, 0);
    REQUIRE(!q.device.enable_and_check());
    REQUIRE(q.driver.add(&s, 1, 3) == QueueError::None);
    CHECK(q.driver.kick());
    // Same for interrupts: re-arming with completions pending reports them instead.
    (void)q.device.publish();
    CHECK(q.driver.enable_and_check());
}

TEST_CASE("Queue.FlagsSchemeWithoutEventIndex") {
    QueuePair q(8, false);
    Segment s{0x1000, 8, false};
    Chain c;
    REQUIRE(q.driver.add(&s, 1, 1) == QueueError::None);
    CHECK(q.driver.kick());
    REQUIRE(q.device.pop(c) == QueueError::None);
    q.device.push(c.head, 0);
    q.driver.disable_interrupts();
    CHECK_FALSE(q.device.publish());
    Completion done;
    REQUIRE(q.driver.take(done) == QueueError::None);
    REQUIRE(!q.driver.enable_and_check());
}
