// GrantTable sizing and memory accounting: grow limits, quota charges, maptrack exhaustion.
#include <catch2/catch.hpp>

#include "fake_host.hpp"

using namespace bhtest;

namespace {

constexpr bh_domid_t kFront = 1;
constexpr bh_domid_t kBack = 2;
constexpr uint64_t kFrameCharge = kPageSize + GrantTable::kPinsBytes;
constexpr vaddr_t kVa = 0x40000000;

}  // namespace

TEST_CASE("Grow adds zeroed frames and charges a page plus pins per frame", "[gnttab][grow]") {
    FakeHost host;
    Quota q(1 << 20);
    {
        GrantTable t(kFront, host, q);
        CHECK(t.nr_frames() == 0);
        CHECK(t.nr_entries() == 0);
        CHECK(t.entries(0).empty());
        REQUIRE(t.grow(3).ok());
        CHECK(t.nr_frames() == 3);
        CHECK(t.nr_entries() == 3 * 512);
        CHECK(q.used() == 3 * kFrameCharge);
        CHECK(host.table_frames == 3);
        for (uint32_t i = 0; i < 3; ++i) {
            CHECK(t.frame_paddr(i) != 0);
            CHECK(t.entries(i).size() == 512);
            CHECK(t.entries(i).data() == phys_as<GrantEntryV1>(t.frame_paddr(i)));
            for (const GrantEntryV1& e : t.entries(i)) CHECK((e.flags | e.domid | e.frame) == 0);
        }
        CHECK(t.frame_paddr(3) == 0);
        REQUIRE(t.grow(2).ok());  // never shrinks
        CHECK(t.nr_frames() == 3);
        REQUIRE(t.grow(GrantTable::kMaxFrames).ok());
        CHECK(t.nr_frames() == GrantTable::kMaxFrames);
    }
    CHECK(q.used() == 0);
    CHECK(host.table_frames == 0);
}

TEST_CASE("Grow beyond kMaxFrames fails with BadArg and changes nothing", "[gnttab][grow]") {
    FakeHost host;
    Quota q(1 << 20);
    GrantTable t(kFront, host, q);
    REQUIRE(t.grow(1).ok());
    REQUIRE(t.grow(GrantTable::kMaxFrames + 1).error() == Error::BadArg);
    CHECK(t.nr_frames() == 1);
    CHECK(q.used() == kFrameCharge);
}

TEST_CASE("Grow over quota fails with Quota and leaves the size and charge unchanged",
          "[gnttab][grow]") {
    FakeHost host;
    Quota q(3 * kFrameCharge + 100);
    GrantTable t(kFront, host, q);
    REQUIRE(t.grow(1).ok());
    REQUIRE(t.grow(5).error() == Error::Quota);  // frames 2 and 3 fit, 4 does not
    CHECK(t.nr_frames() == 1);
    CHECK(q.used() == kFrameCharge);
    CHECK(host.table_frames == 1);
    REQUIRE(t.grow(3).ok());
}

TEST_CASE("Grow without machine frames fails with NoMemory and changes nothing",
          "[gnttab][grow]") {
    FakeHost host;
    Quota q(1 << 20);
    GrantTable t(kFront, host, q);
    host.fail_alloc_frame = true;
    REQUIRE(t.grow(2).error() == Error::NoMemory);
    CHECK(t.nr_frames() == 0);
    CHECK(q.used() == 0);
}

TEST_CASE("Grant refs index across frames", "[gnttab][grow]") {
    FakeHost host;
    host.add_domain(kFront, 1 << 20, 2);
    host.add_domain(kBack);
    host.give_frame(kFront, 0x10);
    const bh_grant_ref_t ref = 512 + 7;  // second frame
    guest_grant(host.table(kFront), ref, kBack, 0x10);
    CHECK(host.table(kFront).entries(1)[7].domid == kBack);
    auto h = host.table(kBack).map(kFront, ref, kVa, false);
    REQUIRE(h.ok());
    CHECK(host.table(kFront).pins(ref).writers == 1);
    CHECK(host.table(kFront).pins(7).writers == 0);
    REQUIRE(host.table(kBack).unmap(*h).ok());
}

TEST_CASE("Maptrack buckets are charged to the mapper and released when empty",
          "[gnttab][quota]") {
    FakeHost host;
    host.add_domain(kFront);
    host.add_domain(kBack);
    host.give_frame(kFront, 0x10);
    guest_grant(host.table(kFront), 8, kBack, 0x10);
    const uint64_t front_before = host.dom(kFront).quota.used();
    const uint64_t back_before = host.dom(kBack).quota.used();
    std::vector<uint32_t> handles;
    for (uint32_t i = 0; i < Maptrack::kPerBucket + 1; ++i) {
        auto h = host.table(kBack).map(kFront, 8, kVa + i * kPageSize, true);
        REQUIRE(h.ok());
        handles.push_back(*h);
    }
    CHECK(host.table(kBack).maptrack_buckets() == 2);
    CHECK(host.dom(kBack).quota.used() == back_before + 2 * Maptrack::kBucketBytes);
    CHECK(host.dom(kFront).quota.used() == front_before);
    for (uint32_t h : handles) REQUIRE(host.table(kBack).unmap(h).ok());
    CHECK(host.table(kBack).maptrack_buckets() == 0);
    CHECK(host.dom(kBack).quota.used() == back_before);
}

TEST_CASE("Maptrack quota exhaustion fails the map with Quota and leaves state unchanged",
          "[gnttab][quota]") {
    FakeHost host;
    host.add_domain(kFront);
    // Room for the backend's own grant frame and exactly one maptrack bucket.
    host.add_domain(kBack, kFrameCharge + Maptrack::kBucketBytes);
    GrantTable& front = host.table(kFront);
    GrantTable& back = host.table(kBack);
    paddr_t data = host.give_frame(kFront, 0x10);
    guest_grant(front, 8, kBack, 0x10);
    guest_grant(front, 9, kBack, 0x10);
    for (uint32_t i = 0; i < Maptrack::kPerBucket; ++i)
        REQUIRE(back.map(kFront, 8, kVa + i * kPageSize, false).ok());

    const uint64_t used = host.dom(kBack).quota.used();
    const auto log = host.log;
    REQUIRE(back.map(kFront, 9, kVa + 100 * kPageSize, false).error() == Error::Quota);
    CHECK(host.dom(kBack).quota.used() == used);
    CHECK(back.maptrack_count() == Maptrack::kPerBucket);
    CHECK(back.maptrack_buckets() == 1);
    CHECK(front.active_maps() == Maptrack::kPerBucket);
    CHECK(front.pins(9).readers == 0);
    CHECK(front.pins(9).writers == 0);
    CHECK(flags_of(front, 9) == gtf::kPermitAccess);
    CHECK(host.refs[data] == static_cast<int>(Maptrack::kPerBucket));
    CHECK(host.log == log);  // the host was not asked for anything
    CHECK(guest_revoke(front, 9));
}

TEST_CASE("A mapper with no quota left cannot map at all", "[gnttab][quota]") {
    FakeHost host;
    host.add_domain(kFront);
    host.add_domain(kBack, kFrameCharge);
    host.give_frame(kFront, 0x10);
    guest_grant(host.table(kFront), 8, kBack, 0x10);
    REQUIRE(host.table(kBack).map(kFront, 8, kVa, true).error() == Error::Quota);
    CHECK(host.table(kBack).maptrack_buckets() == 0);
    CHECK(flags_of(host.table(kFront), 8) == gtf::kPermitAccess);
    CHECK(host.log.empty());
}

TEST_CASE("A GrantTable fits one kernel allocation", "[gnttab][quota]") {
    STATIC_REQUIRE(sizeof(GrantTable) <= 2048);
    STATIC_REQUIRE(Maptrack::kBucketBytes <= 2048);
    STATIC_REQUIRE(GrantTable::kPinsBytes <= 2048);
}

TEST_CASE("Maptrack stops at kMaxHandles with Quota and changes nothing", "[gnttab][quota]") {
    FakeHost host;
    host.add_domain(kFront);
    host.add_domain(kBack, 1 << 20);
    host.give_frame(kFront, 0x10);
    guest_grant(host.table(kFront), 8, kBack, 0x10, /*readonly=*/true);
    GrantTable& back = host.table(kBack);
    for (uint32_t i = 0; i < Maptrack::kMaxHandles; ++i)
        REQUIRE(back.map(kFront, 8, kVa + uint64_t{i} * kPageSize, true).ok());
    CHECK(back.maptrack_count() == Maptrack::kMaxHandles);
    CHECK(back.maptrack_buckets() == Maptrack::kMaxBuckets);
    CHECK(host.table(kFront).pins(8).readers == Maptrack::kMaxHandles);

    const uint64_t used = host.dom(kBack).quota.used();
    const size_t log = host.log.size();
    CHECK(back.map(kFront, 8, 0x7000000000, true).error() == Error::Quota);
    CHECK(host.dom(kBack).quota.used() == used);
    CHECK(host.log.size() == log);
    CHECK(host.table(kFront).pins(8).readers == Maptrack::kMaxHandles);

    back.release_all();
    CHECK(host.table(kFront).pins(8).readers == 0);
    CHECK(flags_of(host.table(kFront), 8) == (gtf::kPermitAccess | gtf::kReadonly));
    CHECK(host.dom(kBack).quota.used() == kFrameCharge);
}
