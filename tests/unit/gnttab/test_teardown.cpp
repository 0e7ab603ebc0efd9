// GrantTable teardown: the mapper dies (release_all) or the granter dies (retire).
#include <catch2/catch.hpp>

#include "fake_host.hpp"

using namespace bhtest;

namespace {

constexpr bh_domid_t kFront = 1;
constexpr bh_domid_t kBack = 2;
constexpr bh_domid_t kFront2 = 3;
constexpr vaddr_t kVa = 0x40000000;

// The kernel's part of a domain's death: the domain is no longer live, then its table retires.
bool kill(FakeHost& host, bh_domid_t id) {
    host.dom(id).live = false;
    return host.table(id).retire();
}

}  // namespace

TEST_CASE("A dying mapper's mappings are all dropped and the granters' flags cleared",
          "[gnttab][teardown]") {
    FakeHost host;
    host.add_domain(kFront);
    host.add_domain(kFront2);
    host.add_domain(kBack);
    GrantTable& f1 = host.table(kFront);
    GrantTable& f2 = host.table(kFront2);
    GrantTable& back = host.table(kBack);
    paddr_t d1 = host.give_frame(kFront, 0x10);
    paddr_t d2 = host.give_frame(kFront2, 0x20);
    guest_grant(f1, 8, kBack, 0x10);
    guest_grant(f1, 9, kBack, 0x10, /*readonly=*/true);
    guest_grant(f2, 8, kBack, 0x20);
    REQUIRE(back.map(kFront, 8, kVa, false).ok());
    REQUIRE(back.map(kFront, 9, kVa + kPageSize, true).ok());
    REQUIRE(back.map(kFront2, 8, kVa + 2 * kPageSize, false).ok());
    REQUIRE(host.refs[d1] == 2);
    REQUIRE(host.refs[d2] == 1);

    back.release_all();

    CHECK(back.maptrack_count() == 0);
    CHECK(back.maptrack_buckets() == 0);
    CHECK(host.dom(kBack).foreign.empty());
    CHECK(host.refs[d1] == 0);
    CHECK(host.refs[d2] == 0);
    CHECK(f1.active_maps() == 0);
    CHECK(f2.active_maps() == 0);
    CHECK(flags_of(f1, 8) == gtf::kPermitAccess);
    CHECK(flags_of(f1, 9) == (gtf::kPermitAccess | gtf::kReadonly));
    CHECK(flags_of(f2, 8) == gtf::kPermitAccess);
    CHECK(guest_revoke(f1, 8));
    CHECK(guest_revoke(f1, 9));
    CHECK(guest_revoke(f2, 8));
    CHECK(host.idle.empty());
}

TEST_CASE("A restarted mapper with the same domid can map the grants again",
          "[gnttab][teardown]") {
    FakeHost host;
    host.add_domain(kFront);
    host.add_domain(kBack);
    host.give_frame(kFront, 0x10);
    guest_grant(host.table(kFront), 8, kBack, 0x10);
    REQUIRE(host.table(kBack).map(kFront, 8, kVa, false).ok());
    REQUIRE(kill(host, kBack));  // nobody maps the backend's grants
    host.dom(kBack).table.reset();
    host.add_domain(kBack);  // same domid, fresh table
    auto h = host.table(kBack).map(kFront, 8, kVa, false);
    REQUIRE(h.ok());
    CHECK(host.table(kFront).pins(8).writers == 1);
}

TEST_CASE("release_all on a table with no mappings does nothing", "[gnttab][teardown]") {
    FakeHost host;
    host.add_domain(kBack);
    host.table(kBack).release_all();
    CHECK(host.log.empty());
}

TEST_CASE("A dead granter's grant stays mapped until the last unmap, then the table is idle",
          "[gnttab][teardown]") {
    FakeHost host;
    host.add_domain(kFront);
    host.add_domain(kBack);
    GrantTable* front = &host.table(kFront);
    GrantTable& back = host.table(kBack);
    paddr_t data = host.give_frame(kFront, 0x10);
    host.machine.at(data)[0] = 0x5A;
    guest_grant(*front, 8, kBack, 0x10);
    guest_grant(*front, 9, kBack, 0x10);
    auto a = back.map(kFront, 8, kVa, false);
    auto b = back.map(kFront, 9, kVa + kPageSize, true);
    REQUIRE(a.ok());
    REQUIRE(b.ok());

    REQUIRE_FALSE(kill(host, kFront));
    CHECK(front->retired());
    CHECK(host.idle.empty());
    // Still mapped, still referenced, still the same bytes.
    CHECK(host.dom(kBack).foreign.at(kVa).pa == data);
    CHECK(host.refs[data] == 2);
    CHECK(host.machine.at(host.dom(kBack).foreign.at(kVa).pa)[0] == 0x5A);
    // New uses of its grants fail.
    CHECK(back.map(kFront, 8, kVa + 2 * kPageSize, true).error() == Error::BadDomain);

    REQUIRE(back.unmap(*a).ok());
    CHECK(host.idle.empty());
    CHECK(front->active_maps() == 1);
    CHECK(flags_of(*front, 8) == gtf::kPermitAccess);

    REQUIRE(back.unmap(*b).ok());
    REQUIRE(host.idle.size() == 1);
    CHECK(host.idle[0] == front);
    CHECK(host.dom(kFront).table == nullptr);  // the fake kernel freed it on idle
    CHECK(host.refs[data] == 0);
    CHECK(host.log.back() == "idle 1");
    CHECK(host.dom(kFront).quota.used() == 0);
}

TEST_CASE("A retired table found in table_of is still refused", "[gnttab][teardown]") {
    FakeHost host;
    host.add_domain(kFront);
    host.add_domain(kBack);
    host.give_frame(kFront, 0x10);
    guest_grant(host.table(kFront), 8, kBack, 0x10);
    REQUIRE(host.table(kFront).retire());  // live flag still set: table_of returns it
    CHECK(host.table(kBack).map(kFront, 8, kVa, true).error() == Error::BadDomain);
    CHECK(host.table(kFront).grow(2).error() == Error::Dead);
    CHECK(host.table(kFront).map(kBack, 8, kVa, true).error() == Error::Dead);
    bh_grant_copy op{};
    CHECK(host.table(kFront).copy(&op, 1).error() == Error::Dead);
}

TEST_CASE("A dead granter with no mappings retires at once and is never reported idle",
          "[gnttab][teardown]") {
    FakeHost host;
    host.add_domain(kFront);
    host.add_domain(kBack);
    host.give_frame(kFront, 0x10);
    guest_grant(host.table(kFront), 8, kBack, 0x10);
    CHECK(kill(host, kFront));
    host.dom(kFront).table.reset();
    CHECK(host.idle.empty());
}

TEST_CASE("Retire drops the dying domain's own mappings, of others' and its own grants",
          "[gnttab][teardown]") {
    FakeHost host;
    host.add_domain(kFront);
    host.add_domain(kBack);
    GrantTable& front = host.table(kFront);
    GrantTable& back = host.table(kBack);
    host.give_frame(kFront, 0x10);
    host.give_frame(kBack, 0x20);
    guest_grant(front, 8, kBack, 0x10);
    guest_grant(back, 8, kBack, 0x20);  // granted to itself
    REQUIRE(back.map(kFront, 8, kVa, false).ok());
    REQUIRE(back.map(kBack, 8, kVa + kPageSize, false).ok());

    CHECK(kill(host, kBack));  // no one else maps its grants
    CHECK(back.maptrack_count() == 0);
    CHECK(front.active_maps() == 0);
    CHECK(flags_of(front, 8) == gtf::kPermitAccess);
    CHECK(host.live_refs() == 0);
    CHECK(host.idle.empty());
}

TEST_CASE("Both sides dying in either order frees everything exactly once", "[gnttab][teardown]") {
    FakeHost host;
    host.add_domain(kFront);
    host.add_domain(kBack);
    host.give_frame(kFront, 0x10);
    guest_grant(host.table(kFront), 8, kBack, 0x10);
    REQUIRE(host.table(kBack).map(kFront, 8, kVa, false).ok());

    SECTION("granter first") {
        REQUIRE_FALSE(kill(host, kFront));
        CHECK(kill(host, kBack));  // its release_all makes the granter idle
        CHECK(host.idle.size() == 1);
        CHECK(host.dom(kFront).table == nullptr);
    }
    SECTION("mapper first") {
        CHECK(kill(host, kBack));
        CHECK(kill(host, kFront));
        CHECK(host.idle.empty());
    }
    CHECK(host.live_refs() == 0);
}
