// Port limits, bucket growth and quota, and moving / relatching the shared_info page.
#include <algorithm>
#include <iterator>

#include <catch2/catch.hpp>

#include "fake_host.hpp"

using namespace evt_test;
using bh::PortStore;

TEST_CASE("Port exhaustion: NoPorts at the limit, then a closed port is reused") {
    FakeHost host;
    TestDomain a(host, 1);
    REQUIRE(a.table.set_max_ports(8).ok());
    for (bh_port_t p = 1; p < 8; ++p) REQUIRE(*a.table.alloc_unbound(2) == p);
    CHECK(a.table.alloc_unbound(2).error() == Error::NoPorts);
    CHECK(a.table.bind_virq(BH_VIRQ_TIMER).error() == Error::NoPorts);
    CHECK(a.table.bind_ipi().error() == Error::NoPorts);
    CHECK(a.table.bind_irq(1).error() == Error::NoPorts);
    CHECK(a.table.status(8).error() == Error::BadPort);

    REQUIRE(a.table.close(3).ok());
    CHECK(*a.table.bind_virq(BH_VIRQ_TIMER) == 3);  // the failed bind left the virq free
    CHECK(a.table.alloc_unbound(2).error() == Error::NoPorts);
}

TEST_CASE("bind_interdomain on a full table fails with NoPorts and leaves the peer Unbound") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2);
    REQUIRE(b.table.set_max_ports(2).ok());
    REQUIRE(b.table.alloc_unbound(9).ok());
    auto pa = a.table.alloc_unbound(2);
    REQUIRE(pa.ok());
    CHECK(b.table.bind_interdomain(1, *pa).error() == Error::NoPorts);
    CHECK(a.state(*pa) == EvtchnState::Unbound);
    check_links(host);
}

TEST_CASE("An amd64 table holds 4095 ports and an i386 table 1023") {
    FakeHost host;
    TestDomain a(host, 1, false), b(host, 2, true);
    for (bh_port_t p = 1; p < 4096; ++p) REQUIRE(*a.table.alloc_unbound(2) == p);
    CHECK(a.table.alloc_unbound(2).error() == Error::NoPorts);
    CHECK(a.quota.used() == PortStore::kMaxBuckets * PortStore::kBucketBytes);
    for (bh_port_t p = 1; p < 1024; ++p) REQUIRE(*b.table.alloc_unbound(1) == p);
    CHECK(b.table.alloc_unbound(1).error() == Error::NoPorts);
    CHECK(b.quota.used() == 16 * PortStore::kBucketBytes);

    a.table.set_pending(4095);
    CHECK(a.pending(4095));
    CHECK(a.consume() == std::vector<bh_port_t>{4095});
    b.table.set_pending(1023);
    CHECK(b.consume() == std::vector<bh_port_t>{1023});
}

TEST_CASE("Buckets are charged to the quota one at a time and released on destruction") {
    FakeHost host;
    bh::Quota q(1 << 20);
    {
        bh::EvtchnTable t(1, nullptr, false, host, q);
        CHECK(q.used() == 0);
        REQUIRE(*t.alloc_unbound(2) == 1);
        CHECK(q.used() == PortStore::kBucketBytes);
        for (int i = 2; i < 64; ++i) REQUIRE(t.alloc_unbound(2).ok());
        CHECK(q.used() == PortStore::kBucketBytes);
        REQUIRE(*t.alloc_unbound(2) == 64);
        CHECK(q.used() == 2 * PortStore::kBucketBytes);
    }
    CHECK(q.used() == 0);
}

TEST_CASE("Quota exhaustion: a refused bucket charge is Quota and changes nothing") {
    FakeHost host;
    TestDomain a(host, 1, false, PortStore::kBucketBytes + 100), b(host, 2);
    for (bh_port_t p = 1; p < 64; ++p) REQUIRE(*a.table.alloc_unbound(2) == p);
    REQUIRE(a.quota.used() == PortStore::kBucketBytes);

    CHECK(a.table.alloc_unbound(2).error() == Error::Quota);
    CHECK(a.table.bind_virq(BH_VIRQ_TIMER).error() == Error::Quota);
    CHECK(a.table.bind_irq(3).error() == Error::Quota);
    auto pb = b.table.alloc_unbound(1);
    REQUIRE(pb.ok());
    CHECK(a.table.bind_interdomain(2, *pb).error() == Error::Quota);
    CHECK(b.state(*pb) == EvtchnState::Unbound);
    CHECK(a.quota.used() == PortStore::kBucketBytes);
    CHECK(a.table.status(64).error() == Error::BadPort);

    // Nothing was half-bound: closing one port lets every one of those binds succeed in turn.
    REQUIRE(a.table.close(10).ok());
    CHECK(*a.table.bind_virq(BH_VIRQ_TIMER) == 10);
    REQUIRE(a.table.close(11).ok());
    CHECK(*a.table.bind_irq(3) == 11);
    REQUIRE(a.table.close(12).ok());
    CHECK(*a.table.bind_interdomain(2, *pb) == 12);
    check_links(host);
}

TEST_CASE("set_max_ports rejects 0 and more than 4096, and is Busy below an open port") {
    FakeHost host;
    TestDomain a(host, 1);
    CHECK(a.table.set_max_ports(0).error() == Error::BadArg);
    CHECK(a.table.set_max_ports(4097).error() == Error::BadArg);
    for (int i = 0; i < 10; ++i) REQUIRE(a.table.alloc_unbound(2).ok());
    CHECK(a.table.set_max_ports(10).error() == Error::Busy);
    CHECK(a.table.max_ports() == 4096);
    CHECK(a.table.set_max_ports(11).ok());
    CHECK(a.table.max_ports() == 11);
    CHECK(a.table.alloc_unbound(2).error() == Error::NoPorts);
    CHECK(a.table.set_max_ports(4096).ok());
    CHECK(*a.table.alloc_unbound(2) == 11);
}

TEST_CASE("Relatching to i386 is Busy while a port above 1023 is open") {
    FakeHost host;
    TestDomain a(host, 1);
    for (bh_port_t p = 1; p <= 1024; ++p) REQUIRE(a.table.alloc_unbound(2).ok());
    CHECK(a.table.set_shared_info(a.page, true).error() == Error::Busy);
    CHECK_FALSE(a.table.view().compat32());
    CHECK(a.table.max_ports() == 4096);
    REQUIRE(a.table.close(1024).ok());
    REQUIRE(a.table.set_shared_info(a.page, true).ok());
    CHECK(a.table.max_ports() == 1024);
    CHECK(a.table.alloc_unbound(2).error() == Error::NoPorts);
}

TEST_CASE("Relatching the same page keeps pending bits and rebuilds the i386 selector") {
    FakeHost host;
    TestDomain a(host, 1);
    for (int i = 0; i < 40; ++i) REQUIRE(a.table.alloc_unbound(2).ok());
    a.table.set_pending(40);  // amd64: selector bit 0 at +8
    REQUIRE(a.page[8] == 1);
    a.guest().clear_upcall();
    a.page[8] = 0;  // what an i386 guest would never see

    REQUIRE(a.table.set_shared_info(a.page, true).ok());
    a.compat32 = true;
    CHECK(a.page[4] == 0b10);  // i386 selector: bit 40/32 = 1
    CHECK(a.table.upcall_pending());
    CHECK(host.notifies.size() == 2);
    CHECK(a.consume() == std::vector<bh_port_t>{40});
}

TEST_CASE("Moving to a new page carries pending bits of open ports and re-delivers them") {
    FakeHost host;
    TestDomain a(host, 1);
    auto p = a.table.alloc_unbound(2);
    auto q = a.table.alloc_unbound(2);
    REQUIRE((p.ok() && q.ok()));
    a.table.set_pending(*p);
    a.table.set_pending(*q);
    a.guest().test_and_set_pending(5);  // a Free port's bit, set by the guest itself
    REQUIRE(host.notifies.size() == 1);

    alignas(4096) unsigned char fresh[4096] = {};
    bh::SharedInfoView next(fresh, false);
    next.set_mask(*q);  // the guest prepared its new page with q masked
    REQUIRE(a.table.set_shared_info(fresh, false).ok());

    CHECK(a.table.view().page() == fresh);
    CHECK(next.test_pending(*p));
    CHECK(next.test_pending(*q));
    CHECK_FALSE(next.test_pending(5));
    CHECK(next.upcall_pending());
    CHECK(host.notifies.size() == 2);
    next.clear_upcall();
    CHECK(next.take_sel() == 1);
    CHECK(next.take_deliverable_word(0) == (uint64_t{1} << *p));
    CHECK(next.test_pending(*q));  // still masked

    // Raises now land in the new page only.
    unsigned char before[4096];
    std::copy(std::begin(a.page), std::end(a.page), before);
    a.table.set_pending(*p);
    CHECK(next.test_pending(*p));
    CHECK(std::equal(std::begin(a.page), std::end(a.page), before));
}

TEST_CASE("A table without a page drops raises; setting a page later starts quiet") {
    FakeHost host;
    bh::Quota q(1 << 16);
    bh::EvtchnTable t(4, nullptr, false, host, q);
    host.tables[4] = &t;
    auto p = t.bind_virq(BH_VIRQ_TIMER);
    REQUIRE(p.ok());
    CHECK(t.raise_virq(BH_VIRQ_TIMER));
    CHECK_FALSE(t.upcall_pending());
    alignas(4096) unsigned char pg[4096] = {};
    REQUIRE(t.set_shared_info(pg, false).ok());
    CHECK_FALSE(t.upcall_pending());
    CHECK(host.notifies.empty());
    CHECK(t.raise_virq(BH_VIRQ_TIMER));
    CHECK(t.upcall_pending());
    CHECK(host.notifies.size() == 1);
    host.tables.erase(4);
}

TEST_CASE("A registered vcpu_info receives selector and upcall; nullptr returns to the legacy slot") {
    FakeHost host;
    TestDomain a(host, 1);
    auto p = a.table.alloc_unbound(2);
    auto q = a.table.alloc_unbound(2);
    REQUIRE((p.ok() && q.ok()));
    a.table.set_pending(*p);
    REQUIRE(host.notifies.size() == 1);

    bh::VcpuInfo64 reg{};
    a.table.set_vcpu_info(&reg);  // p is still pending: delivered again at the new place
    CHECK(reg.evtchn_upcall_pending == 1);
    CHECK(reg.evtchn_pending_sel == 1);
    CHECK(host.notifies.size() == 2);

    reg.evtchn_upcall_pending = 0;
    reg.evtchn_pending_sel = 0;
    a.guest().take_deliverable_word(0);
    a.guest().clear_upcall();
    a.guest().take_sel();
    a.table.set_pending(*q);
    CHECK(reg.evtchn_upcall_pending == 1);
    CHECK(reg.evtchn_pending_sel == 1);
    CHECK(a.page[0] == 0);  // legacy slot untouched
    CHECK(a.page[8] == 0);

    a.guest().take_deliverable_word(0);
    a.table.set_vcpu_info(nullptr);
    CHECK(a.page[0] == 0);  // nothing pending: no spurious upcall on the move
    a.table.set_pending(*p);
    CHECK(a.page[0] == 1);
    CHECK(host.notifies.size() == 4);
}
