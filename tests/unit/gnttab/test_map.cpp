// GrantTable map / unmap: GTF flag maintenance, validation errors, revoke, pins, undo.
#include <catch2/catch.hpp>

#include "fake_host.hpp"

using namespace bhtest;

namespace {

constexpr bh_domid_t kFront = 1;  // granter
constexpr bh_domid_t kBack = 2;   // mapper
constexpr bh_domid_t kOther = 3;
constexpr bh_grant_ref_t kRef = 8;
constexpr uint32_t kGfn = 0x100;
constexpr vaddr_t kVa = 0x40000000;

struct World {
    FakeHost host;
    paddr_t data;
    World() {
        host.add_domain(kFront);
        host.add_domain(kBack);
        host.add_domain(kOther);
        data = host.give_frame(kFront, kGfn);
    }
    GrantTable& front() { return host.table(kFront); }
    GrantTable& back() { return host.table(kBack); }
};

// Everything a failed map must leave as it was.
struct Snapshot {
    uint16_t flags;
    GrantPins pins;
    uint64_t quota;
    uint32_t maps, tracks;
    int refs;
    size_t foreign;
    explicit Snapshot(World& w)
        : flags(flags_of(w.front(), kRef)), pins(w.front().pins(kRef)),
          quota(w.host.dom(kBack).quota.used()), maps(w.front().active_maps()),
          tracks(w.back().maptrack_count()), refs(w.host.live_refs()),
          foreign(w.host.dom(kBack).foreign.size()) {}
    bool operator==(const Snapshot& o) const {
        return flags == o.flags && pins.readers == o.pins.readers &&
               pins.writers == o.pins.writers && quota == o.quota && maps == o.maps &&
               tracks == o.tracks && refs == o.refs && foreign == o.foreign;
    }
};

}  // namespace

TEST_CASE("Map then unmap sets and clears exactly GTF_reading and GTF_writing", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn);
    const uint16_t granted = flags_of(w.front(), kRef);
    REQUIRE(granted == gtf::kPermitAccess);

    auto h = w.back().map(kFront, kRef, kVa, /*readonly=*/false);
    REQUIRE(h.ok());
    CHECK(flags_of(w.front(), kRef) == (granted | gtf::kReading | gtf::kWriting));
    CHECK(w.host.dom(kBack).foreign.at(kVa).pa == w.data);
    CHECK(w.host.dom(kBack).foreign.at(kVa).writable);
    CHECK(w.host.refs[w.data] == 1);
    CHECK(w.front().active_maps() == 1);
    CHECK(w.back().maptrack_count() == 1);
    CHECK(w.front().pins(kRef).writers == 1);

    REQUIRE(w.back().unmap(*h).ok());
    CHECK(flags_of(w.front(), kRef) == granted);
    CHECK(w.host.dom(kBack).foreign.empty());
    CHECK(w.host.refs[w.data] == 0);
    CHECK(w.front().active_maps() == 0);
    CHECK(w.back().maptrack_count() == 0);
    CHECK(w.front().pins(kRef).writers == 0);
}

TEST_CASE("A read-only map sets GTF_reading only", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn, /*readonly=*/true);
    auto h = w.back().map(kFront, kRef, kVa, /*readonly=*/true);
    REQUIRE(h.ok());
    CHECK(flags_of(w.front(), kRef) == (gtf::kPermitAccess | gtf::kReadonly | gtf::kReading));
    CHECK_FALSE(w.host.dom(kBack).foreign.at(kVa).writable);
    REQUIRE(w.back().unmap(*h).ok());
    CHECK(flags_of(w.front(), kRef) == (gtf::kPermitAccess | gtf::kReadonly));
}

TEST_CASE("Unmap releases the mapping, then the flags, then the frame", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn);
    auto h = w.back().map(kFront, kRef, kVa, false);
    REQUIRE(h.ok());
    CHECK(w.host.log == std::vector<std::string>{"get 1 256", "map 2 1073741824 w"});
    w.host.log.clear();
    REQUIRE(w.back().unmap(*h).ok());
    CHECK(w.host.log == std::vector<std::string>{"unmap 2 1073741824", "put " + std::to_string(w.data)});
}

TEST_CASE("Map refuses a writable map of a read-only grant with GrantDenied", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn, /*readonly=*/true);
    Snapshot before(w);
    auto h = w.back().map(kFront, kRef, kVa, /*readonly=*/false);
    REQUIRE(h.error() == Error::GrantDenied);
    CHECK(Snapshot(w) == before);
    CHECK(w.host.log.empty());
}

TEST_CASE("Map refuses a grant made to another domain with BadGrant", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kOther, kGfn);
    Snapshot before(w);
    REQUIRE(w.back().map(kFront, kRef, kVa, true).error() == Error::BadGrant);
    CHECK(Snapshot(w) == before);
    CHECK(w.host.log.empty());
}

TEST_CASE("Map refuses entries that are not a plain permit_access with BadGrant", "[gnttab][map]") {
    World w;
    const uint16_t bad = GENERATE(gtf::kInvalid, gtf::kAcceptTransfer, gtf::kTransitive,
                                  uint16_t(gtf::kPermitAccess | gtf::kSubPage));
    GrantEntryV1& e = guest_entry(w.front(), kRef);
    e.domid = kBack;
    e.frame = kGfn;
    e.flags = bad;
    CAPTURE(bad);
    Snapshot before(w);
    REQUIRE(w.back().map(kFront, kRef, kVa, true).error() == Error::BadGrant);
    CHECK(Snapshot(w) == before);
    CHECK(w.host.log.empty());
}

TEST_CASE("Map refuses a ref beyond the granter's table with BadGrant", "[gnttab][map]") {
    World w;
    const bh_grant_ref_t ref = GENERATE(kGrantEntriesPerFrame, 0xFFFFFFFFu);
    REQUIRE(w.back().map(kFront, ref, kVa, true).error() == Error::BadGrant);
    CHECK(w.back().maptrack_count() == 0);
    CHECK(w.host.log.empty());
}

TEST_CASE("Map refuses an unknown or dead granter with BadDomain", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn);
    REQUIRE(w.back().map(77, kRef, kVa, true).error() == Error::BadDomain);
    w.host.dom(kFront).live = false;  // the kernel's view: dying
    REQUIRE(w.back().map(kFront, kRef, kVa, true).error() == Error::BadDomain);
    CHECK(flags_of(w.front(), kRef) == gtf::kPermitAccess);
    CHECK(w.host.log.empty());
}

TEST_CASE("Map refuses an unaligned address with BadAddress", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn);
    REQUIRE(w.back().map(kFront, kRef, kVa + 8, true).error() == Error::BadAddress);
    CHECK(flags_of(w.front(), kRef) == gtf::kPermitAccess);
}

TEST_CASE("Unmapping twice fails the second time with BadHandle", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn);
    auto h = w.back().map(kFront, kRef, kVa, false);
    REQUIRE(h.ok());
    REQUIRE(w.back().unmap(*h).ok());
    const auto log = w.host.log;
    REQUIRE(w.back().unmap(*h).error() == Error::BadHandle);
    CHECK(w.host.log == log);
    CHECK(w.host.live_refs() == 0);
}

TEST_CASE("Unmap of a never-issued handle fails with BadHandle", "[gnttab][map]") {
    World w;
    const uint32_t handle = GENERATE(0u, 1u, 64u, Maptrack::kMaxHandles, 0xFFFFFFFFu);
    REQUIRE(w.back().unmap(handle).error() == Error::BadHandle);
}

TEST_CASE("A handle belongs to the mapper's table only", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn);
    auto h = w.back().map(kFront, kRef, kVa, false);
    REQUIRE(h.ok());
    REQUIRE(w.host.table(kOther).unmap(*h).error() == Error::BadHandle);
    CHECK(flags_of(w.front(), kRef) == (gtf::kPermitAccess | gtf::kReading | gtf::kWriting));
    REQUIRE(w.back().unmap(*h).ok());
}

TEST_CASE("The granter's revoke fails while mapped and succeeds after unmap", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn, GENERATE(false, true));
    const bool ro = flags_of(w.front(), kRef) & gtf::kReadonly;
    auto h = w.back().map(kFront, kRef, kVa, ro);
    REQUIRE(h.ok());
    CHECK_FALSE(guest_revoke(w.front(), kRef));
    REQUIRE(w.back().unmap(*h).ok());
    CHECK(guest_revoke(w.front(), kRef));
    CHECK(flags_of(w.front(), kRef) == 0);
}

TEST_CASE("A map after the granter revoked fails with BadGrant", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn);
    REQUIRE(guest_revoke(w.front(), kRef));
    REQUIRE(w.back().map(kFront, kRef, kVa, true).error() == Error::BadGrant);
    CHECK(flags_of(w.front(), kRef) == 0);  // the kernel did not set bits on a revoked entry
}

TEST_CASE("A reader and a writer of one grant pin it separately", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn);
    auto r = w.back().map(kFront, kRef, kVa, /*readonly=*/true);
    auto wr = w.back().map(kFront, kRef, kVa + kPageSize, /*readonly=*/false);
    REQUIRE(r.ok());
    REQUIRE(wr.ok());
    CHECK(*r != *wr);
    CHECK(w.front().pins(kRef).readers == 1);
    CHECK(w.front().pins(kRef).writers == 1);
    CHECK(w.front().active_maps() == 2);
    CHECK(w.host.refs[w.data] == 2);
    CHECK(flags_of(w.front(), kRef) == (gtf::kPermitAccess | gtf::kReading | gtf::kWriting));

    SECTION("the writer going first clears GTF_writing only") {
        REQUIRE(w.back().unmap(*wr).ok());
        CHECK(flags_of(w.front(), kRef) == (gtf::kPermitAccess | gtf::kReading));
        CHECK(w.front().pins(kRef).writers == 0);
        CHECK_FALSE(guest_revoke(w.front(), kRef));
        REQUIRE(w.back().unmap(*r).ok());
    }
    SECTION("the reader going first leaves both bits") {
        REQUIRE(w.back().unmap(*r).ok());
        CHECK(flags_of(w.front(), kRef) == (gtf::kPermitAccess | gtf::kReading | gtf::kWriting));
        CHECK(w.front().pins(kRef).readers == 0);
        REQUIRE(w.back().unmap(*wr).ok());
    }
    CHECK(flags_of(w.front(), kRef) == gtf::kPermitAccess);
    CHECK(w.front().pins(kRef).readers == 0);
    CHECK(w.front().pins(kRef).writers == 0);
    CHECK(w.host.refs[w.data] == 0);
}

TEST_CASE("Map undoes the pin when the host cannot take the frame", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn);
    Snapshot before(w);
    w.host.fail_get_frame = true;
    REQUIRE(w.back().map(kFront, kRef, kVa, false).error() == Error::BadGrant);
    CHECK(Snapshot(w) == before);
    CHECK(w.back().maptrack_buckets() == 0);
    CHECK(guest_revoke(w.front(), kRef));
}

TEST_CASE("Map fails with BadGrant when the granted frame is not the granter's", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, /*gfn=*/0x999);
    Snapshot before(w);
    REQUIRE(w.back().map(kFront, kRef, kVa, false).error() == Error::BadGrant);
    CHECK(Snapshot(w) == before);
}

TEST_CASE("Map undoes frame, pin and handle when the host cannot map", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn);
    Snapshot before(w);
    w.host.fail_map = true;
    REQUIRE(w.back().map(kFront, kRef, kVa, false).error() == Error::BadAddress);
    CHECK(Snapshot(w) == before);
    CHECK(w.back().maptrack_buckets() == 0);
    CHECK(w.host.log.back() == "put " + std::to_string(w.data));
}

TEST_CASE("A second map at a used address fails with the host's Busy and changes nothing",
          "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn);
    guest_grant(w.front(), kRef + 1, kBack, kGfn);
    auto h = w.back().map(kFront, kRef, kVa, false);
    REQUIRE(h.ok());
    REQUIRE(w.back().map(kFront, kRef + 1, kVa, false).error() == Error::Busy);
    CHECK(flags_of(w.front(), kRef + 1) == gtf::kPermitAccess);
    CHECK(w.host.refs[w.data] == 1);
    CHECK(w.back().maptrack_count() == 1);
}

TEST_CASE("A domain may map a grant it made to itself", "[gnttab][map]") {
    World w;
    w.host.give_frame(kBack, kGfn);
    guest_grant(w.back(), kRef, kBack, kGfn);
    auto h = w.back().map(kBack, kRef, kVa, false);
    REQUIRE(h.ok());
    CHECK(w.back().active_maps() == 1);
    REQUIRE(w.back().unmap(*h).ok());
    CHECK(flags_of(w.back(), kRef) == gtf::kPermitAccess);
}

TEST_CASE("Handles are reused only after unmap", "[gnttab][map]") {
    World w;
    guest_grant(w.front(), kRef, kBack, kGfn);
    auto a = w.back().map(kFront, kRef, kVa, true);
    auto b = w.back().map(kFront, kRef, kVa + kPageSize, true);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(*a != *b);
    REQUIRE(w.back().unmap(*a).ok());
    auto c = w.back().map(kFront, kRef, kVa + 2 * kPageSize, true);
    REQUIRE(c.ok());
    CHECK(*c == *a);
    CHECK(w.front().pins(kRef).readers == 2);
}
