// Allocation and binding: alloc_unbound, bind_interdomain (and its errors), VIRQ, IRQ, status.
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>

#include <catch2/catch.hpp>

#include "fake_host.hpp"

using namespace evt_test;

TEST_CASE("alloc_unbound returns the lowest free port, starting at 1") {
    FakeHost host;
    TestDomain a(host, 1);
    CHECK(*a.table.alloc_unbound(2) == 1);
    CHECK(*a.table.alloc_unbound(2) == 2);
    CHECK(*a.table.alloc_unbound(3) == 3);
    REQUIRE(a.table.close(2).ok());
    CHECK(*a.table.alloc_unbound(4) == 2);
    auto st = a.table.status(2);
    REQUIRE(st.ok());
    CHECK(st->state == EvtchnState::Unbound);
    CHECK(st->remote_dom == 4);
}

TEST_CASE("alloc_unbound does not require the remote domain to exist") {
    FakeHost host;
    TestDomain a(host, 1);
    auto p = a.table.alloc_unbound(77);  // a backend that is down or not yet built
    REQUIRE(p.ok());
    CHECK(a.state(*p) == EvtchnState::Unbound);
}

TEST_CASE("bind_interdomain connects both ends") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2);
    REQUIRE(b.table.alloc_unbound(9).ok());  // b's port 1 is taken, so the ports differ
    auto pa = a.table.alloc_unbound(2);
    REQUIRE(pa.ok());
    auto pb = b.table.bind_interdomain(1, *pa);
    REQUIRE(pb.ok());
    CHECK(*pb == 2);

    auto sa = a.table.status(*pa);
    auto sb = b.table.status(*pb);
    REQUIRE((sa.ok() && sb.ok()));
    CHECK(sa->state == EvtchnState::Interdomain);
    CHECK(sa->remote_dom == 2);
    CHECK(sa->remote_port == *pb);
    CHECK(sb->state == EvtchnState::Interdomain);
    CHECK(sb->remote_dom == 1);
    CHECK(sb->remote_port == *pa);
    check_links(host);
}

TEST_CASE("bind_interdomain rejects an unknown domain with BadDomain and changes nothing") {
    FakeHost host;
    TestDomain b(host, 2);
    CHECK(b.table.bind_interdomain(5, 1).error() == Error::BadDomain);
    CHECK(b.quota.used() == 0);  // not even a bucket was allocated
    CHECK(*b.table.alloc_unbound(5) == 1);
}

TEST_CASE("bind_interdomain rejects a port unbound for another domain") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2), c(host, 3);
    auto pa = a.table.alloc_unbound(3);  // meant for c, not b
    REQUIRE(pa.ok());
    uint64_t used = b.quota.used();
    CHECK(b.table.bind_interdomain(1, *pa).error() == Error::BadPort);
    CHECK(a.state(*pa) == EvtchnState::Unbound);
    CHECK(a.table.status(*pa)->remote_dom == 3);
    CHECK(b.quota.used() == used);
    CHECK(c.table.bind_interdomain(1, *pa).ok());
    check_links(host);
}

TEST_CASE("bind_interdomain rejects a remote port that is not Unbound") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2), c(host, 3);
    auto [pa, pb] = connect(a, b);
    auto virq = a.table.bind_virq(BH_VIRQ_TIMER);
    auto ipi = a.table.bind_ipi();
    REQUIRE((virq.ok() && ipi.ok()));
    CHECK(b.table.bind_interdomain(1, pa).error() == Error::BadPort);  // already connected
    CHECK(c.table.bind_interdomain(1, pa).error() == Error::BadPort);
    CHECK(b.table.bind_interdomain(1, *virq).error() == Error::BadPort);
    CHECK(b.table.bind_interdomain(1, *ipi).error() == Error::BadPort);
    CHECK(b.table.bind_interdomain(1, 10).error() == Error::BadPort);  // Free
    CHECK(a.table.status(pa)->remote_port == pb);
    check_links(host);
}

TEST_CASE("bind_interdomain rejects port 0 and out-of-range ports") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2);
    REQUIRE(a.table.alloc_unbound(2).ok());
    CHECK(b.table.bind_interdomain(1, 0).error() == Error::BadPort);
    CHECK(b.table.bind_interdomain(1, 64).error() == Error::BadPort);    // no bucket
    CHECK(b.table.bind_interdomain(1, 4096).error() == Error::BadPort);  // beyond amd64
    CHECK(b.table.bind_interdomain(1, 0xffffffffu).error() == Error::BadPort);
    CHECK(b.quota.used() == 0);
}

TEST_CASE("bind_interdomain with our own domid links two ports of one table (loopback)") {
    FakeHost host;
    TestDomain a(host, 1);
    auto p = a.table.alloc_unbound(1);
    REQUIRE(p.ok());
    auto q = a.table.bind_interdomain(1, *p);
    REQUIRE(q.ok());
    CHECK(*q != *p);
    REQUIRE(a.table.send(*q).ok());
    CHECK(a.consume() == std::vector<bh_port_t>{*p});
    REQUIRE(a.table.close(*p).ok());
    CHECK(a.state(*q) == EvtchnState::Unbound);
    CHECK(a.table.status(*q)->remote_dom == 1);
    check_links(host);
}

TEST_CASE("bind_virq binds each virq once; a second bind is Busy") {
    FakeHost host;
    TestDomain a(host, 1);
    auto p = a.table.bind_virq(BH_VIRQ_TIMER);
    REQUIRE(p.ok());
    CHECK(a.table.bind_virq(BH_VIRQ_TIMER).error() == Error::Busy);
    CHECK(a.table.bind_virq(BH_VIRQ_DOM_EXC).ok());
    auto st = a.table.status(*p);
    REQUIRE(st.ok());
    CHECK(st->state == EvtchnState::Virq);
    CHECK(st->virq == BH_VIRQ_TIMER);
    check_links(host);
}

TEST_CASE("bind_virq rejects virq >= BH_NR_VIRQS with BadArg") {
    FakeHost host;
    TestDomain a(host, 1);
    CHECK(a.table.bind_virq(BH_NR_VIRQS).error() == Error::BadArg);
    CHECK(a.table.bind_virq(0xffffffffu).error() == Error::BadArg);
    CHECK(a.table.bind_virq(BH_NR_VIRQS - 1).ok());
    CHECK(a.quota.used() == bh::PortStore::kBucketBytes);
}

TEST_CASE("bind_irq binds each irq once per table; BadArg past 255") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2);
    auto p = a.table.bind_irq(255);
    REQUIRE(p.ok());
    CHECK(a.table.bind_irq(255).error() == Error::Busy);
    CHECK(b.table.bind_irq(255).ok());  // per table, not global
    CHECK(a.table.bind_irq(256).error() == Error::BadArg);
    auto st = a.table.status(*p);
    REQUIRE(st.ok());
    CHECK(st->state == EvtchnState::Irq);
    CHECK(st->irq == 255);
}

TEST_CASE("status reports Free for unused ports and rejects port 0 and unallocated ports") {
    FakeHost host;
    TestDomain a(host, 1);
    CHECK(a.table.status(1).error() == Error::BadPort);  // nothing allocated yet
    REQUIRE(a.table.alloc_unbound(2).ok());
    CHECK(a.table.status(0).error() == Error::BadPort);
    CHECK(a.state(2) == EvtchnState::Free);
    CHECK(a.state(63) == EvtchnState::Free);
    CHECK(a.table.status(64).error() == Error::BadPort);
    auto ipi = a.table.bind_ipi();
    REQUIRE(ipi.ok());
    CHECK(a.state(*ipi) == EvtchnState::Ipi);
}

TEST_CASE("EvtchnState numbers are Xen's EVTCHNSTAT values") {
    CHECK(static_cast<int>(EvtchnState::Free) == EVTCHNSTAT_closed);
    CHECK(static_cast<int>(EvtchnState::Unbound) == EVTCHNSTAT_unbound);
    CHECK(static_cast<int>(EvtchnState::Interdomain) == EVTCHNSTAT_interdomain);
    CHECK(static_cast<int>(EvtchnState::Irq) == EVTCHNSTAT_pirq);
    CHECK(static_cast<int>(EvtchnState::Virq) == EVTCHNSTAT_virq);
    CHECK(static_cast<int>(EvtchnState::Ipi) == EVTCHNSTAT_ipi);
}
