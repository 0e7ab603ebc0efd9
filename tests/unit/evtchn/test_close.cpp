// Closing: Xen's close semantics, re-binding by the same domid, in-flight sends, domain death.
#include <memory>

#include <catch2/catch.hpp>

#include "fake_host.hpp"

using namespace evt_test;

TEST_CASE("close of an Interdomain port returns the peer's end to Unbound for the closer") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2);
    auto [pa, pb] = connect(a, b);
    REQUIRE(b.table.close(pb).ok());
    CHECK(b.state(pb) == EvtchnState::Free);
    auto st = a.table.status(pa);
    REQUIRE(st.ok());
    CHECK(st->state == EvtchnState::Unbound);
    CHECK(st->remote_dom == 2);
    CHECK(st->remote_port == 0);
    check_links(host);
}

TEST_CASE("The same peer domid can re-bind after either side closes") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2);
    auto [pa, pb] = connect(a, b);

    SECTION("the binder closed: it binds the listener's port again") {
        REQUIRE(b.table.close(pb).ok());
        auto again = b.table.bind_interdomain(1, pa);
        REQUIRE(again.ok());
        REQUIRE(b.table.send(*again).ok());
        CHECK(a.consume() == std::vector<bh_port_t>{pa});
    }
    SECTION("the listener closed: it binds the binder's now-unbound port") {
        REQUIRE(a.table.close(pa).ok());
        CHECK(b.state(pb) == EvtchnState::Unbound);
        CHECK(b.table.status(pb)->remote_dom == 1);
        auto again = a.table.bind_interdomain(2, pb);
        REQUIRE(again.ok());
        REQUIRE(a.table.send(*again).ok());
        CHECK(b.consume() == std::vector<bh_port_t>{pb});
    }
    check_links(host);
}

TEST_CASE("close clears the closed port's pending bit but not the peer's") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2);
    auto [pa, pb] = connect(a, b);
    REQUIRE(a.table.send(pa).ok());
    REQUIRE(b.table.send(pb).ok());
    REQUIRE(a.table.close(pa).ok());
    CHECK_FALSE(a.pending(pa));
    CHECK(b.pending(pb));
}

TEST_CASE("close rejects port 0, free ports and out-of-range ports") {
    FakeHost host;
    TestDomain a(host, 1);
    auto p = a.table.alloc_unbound(2);
    REQUIRE(p.ok());
    CHECK(a.table.close(0).error() == Error::BadPort);
    CHECK(a.table.close(2).error() == Error::BadPort);
    CHECK(a.table.close(64).error() == Error::BadPort);
    CHECK(a.table.close(0xffffffffu).error() == Error::BadPort);
    REQUIRE(a.table.close(*p).ok());
    CHECK(a.table.close(*p).error() == Error::BadPort);  // twice
}

TEST_CASE("closing Virq and Irq ports frees the source for a new bind") {
    FakeHost host;
    TestDomain a(host, 1);
    auto v = a.table.bind_virq(BH_VIRQ_CONSOLE);
    auto i = a.table.bind_irq(9);
    REQUIRE((v.ok() && i.ok()));
    REQUIRE(a.table.close(*v).ok());
    REQUIRE(a.table.close(*i).ok());
    CHECK_FALSE(a.table.raise_virq(BH_VIRQ_CONSOLE));
    CHECK_FALSE(a.table.raise_irq(9));
    CHECK(a.table.bind_virq(BH_VIRQ_CONSOLE).ok());
    CHECK(a.table.bind_irq(9).ok());
    check_links(host);
}

TEST_CASE("Peer closes while a send is in flight: no stale pending, later sends dropped") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2);
    auto [pa, pb] = connect(a, b);

    REQUIRE(a.table.send(pa).ok());  // in flight: pending in b, b not yet scheduled
    REQUIRE(b.pending(pb));
    REQUIRE(b.table.close(pb).ok());  // b closes before consuming

    auto reused = b.table.alloc_unbound(7);
    REQUIRE(reused.ok());
    REQUIRE(*reused == pb);  // the same number comes back...
    CHECK_FALSE(b.pending(*reused));  // ...without the old event
    CHECK(b.consume().empty());  // the stale selector finds nothing

    CHECK(a.table.send(pa).ok());  // a's end is Unbound(b): dropped, not an error
    CHECK_FALSE(b.pending(*reused));
    CHECK(host.notify_count(2) == 1);
    check_links(host);
}

TEST_CASE("close_all at domain death unbinds every peer; a restarted domain re-binds") {
    FakeHost host;
    TestDomain a(host, 1);
    auto b = std::make_unique<TestDomain>(host, 2);
    auto [pa, pb] = connect(a, *b);
    REQUIRE(b->table.bind_virq(BH_VIRQ_TIMER).ok());
    REQUIRE(b->table.alloc_unbound(1).ok());

    b->table.close_all();  // the kernel stops b
    CHECK(a.state(pa) == EvtchnState::Unbound);
    CHECK(a.table.status(pa)->remote_dom == 2);
    CHECK(b->state(pb) == EvtchnState::Free);
    CHECK_FALSE(b->table.raise_virq(BH_VIRQ_TIMER));
    b.reset();  // and reclaims it

    CHECK(a.table.send(pa).ok());  // dropped: nobody there
    CHECK(host.notifies.empty());
    TestDomain probe(host, 3);
    CHECK(probe.table.bind_interdomain(2, 1).error() == Error::BadDomain);

    // The supervisor restarts the driver with the same domid; it re-binds a's port.
    TestDomain b2(host, 2);
    auto nb = b2.table.bind_interdomain(1, pa);
    REQUIRE(nb.ok());
    REQUIRE(a.table.send(pa).ok());
    CHECK(b2.consume() == std::vector<bh_port_t>{*nb});
    REQUIRE(b2.table.send(*nb).ok());
    CHECK(a.consume() == std::vector<bh_port_t>{pa});
    check_links(host);
}

TEST_CASE("Destroying a table closes its ports and returns the bucket charge") {
    FakeHost host;
    TestDomain a(host, 1);
    bh::Quota q(1 << 16);
    bh_port_t pa = 0;
    {
        bh::EvtchnTable t(5, nullptr, false, host, q);
        host.tables[5] = &t;
        pa = *a.table.alloc_unbound(5);
        REQUIRE(t.bind_interdomain(1, pa).ok());
        CHECK(q.used() == bh::PortStore::kBucketBytes);
        host.tables.erase(5);  // unregistered first, as a dying domain is
    }
    CHECK(q.used() == 0);
    CHECK(a.state(pa) == EvtchnState::Unbound);
    check_links(host);
}

TEST_CASE("close_all leaves a table usable from port 1 again") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2);
    for (int i = 0; i < 100; ++i) connect(a, b);
    a.table.close_all();
    for (bh_port_t p = 1; p < 128; ++p) CHECK(b.state(p) == (p <= 100 ? EvtchnState::Unbound : EvtchnState::Free));
    CHECK(*a.table.alloc_unbound(2) == 1);
    CHECK(a.quota.used() == 2 * bh::PortStore::kBucketBytes);  // buckets kept until destruction
    check_links(host);
}
