// PortStore: bucket growth, the quota charge per bucket, and record lookup bounds.
#include <catch2/catch.hpp>

#include "evtchn/port_store.hpp"

using bh::Error;
using bh::EvtchnState;
using bh::PortStore;

TEST_CASE("PortStore starts empty and has no record for port 0") {
    bh::Quota q(1 << 16);
    PortStore s(q);
    CHECK(s.capacity() == 0);
    CHECK(s.get(1) == nullptr);
    REQUIRE(s.grow().ok());
    CHECK(s.capacity() == 64);
    CHECK(s.get(0) == nullptr);
    REQUIRE(s.get(63) != nullptr);
    CHECK(s.get(63)->state == EvtchnState::Free);
    CHECK(s.get(64) == nullptr);
}

TEST_CASE("PortStore grows to 64 buckets, then reports NoPorts without charging") {
    bh::Quota q(1 << 20);
    PortStore s(q);
    for (uint32_t i = 0; i < PortStore::kMaxBuckets; ++i) REQUIRE(s.grow().ok());
    CHECK(s.capacity() == 4096);
    CHECK(q.used() == PortStore::kMaxBuckets * PortStore::kBucketBytes);
    CHECK(s.grow().error() == Error::NoPorts);
    CHECK(q.used() == PortStore::kMaxBuckets * PortStore::kBucketBytes);
    // Records are distinct: writing one port does not show through another.
    s.get(4095)->state = EvtchnState::Ipi;
    CHECK(s.get(4031)->state == EvtchnState::Free);
    CHECK(s.get(4095)->state == EvtchnState::Ipi);
}

TEST_CASE("PortStore refused charge leaves capacity and quota unchanged") {
    bh::Quota q(PortStore::kBucketBytes * 2 - 1);
    PortStore s(q);
    REQUIRE(s.grow().ok());
    CHECK(s.grow().error() == Error::Quota);
    CHECK(s.capacity() == 64);
    CHECK(q.used() == PortStore::kBucketBytes);
}

TEST_CASE("PortStore releases every bucket's charge when destroyed") {
    bh::Quota q(1 << 20);
    {
        PortStore s(q);
        for (int i = 0; i < 5; ++i) REQUIRE(s.grow().ok());
        CHECK(q.used() == 5 * PortStore::kBucketBytes);
    }
    CHECK(q.used() == 0);
}
