// Raising rules (Xen event_2l.c), unmask, send on each state, VIRQ/IRQ raises, long runs.
#include <catch2/catch.hpp>

#include "fake_host.hpp"

using namespace evt_test;

TEST_CASE("A raise on an unmasked port sets pending, selector and upcall and notifies once") {
    FakeHost host;
    TestDomain a(host, 1);
    auto p = a.table.alloc_unbound(2);
    REQUIRE(p.ok());

    a.table.set_pending(*p);
    CHECK(a.pending(*p));
    CHECK(a.table.upcall_pending());
    CHECK(host.notifies == std::vector<bh_domid_t>{1});
    CHECK(a.consume() == std::vector<bh_port_t>{*p});
    CHECK_FALSE(a.table.upcall_pending());
}

TEST_CASE("A raise of a port already pending does not notify again") {
    FakeHost host;
    TestDomain a(host, 1);
    auto p = a.table.alloc_unbound(2);
    REQUIRE(p.ok());
    a.table.set_pending(*p);
    // The guest acknowledged the upcall but has not yet consumed the port.
    a.guest().clear_upcall();
    a.guest().take_sel();

    a.table.set_pending(*p);
    CHECK(host.notifies.size() == 1);
    CHECK_FALSE(a.table.upcall_pending());  // the edge was already taken: no second one
}

TEST_CASE("A raise while the upcall is already pending sets bits but does not notify") {
    FakeHost host;
    TestDomain a(host, 1);
    std::vector<bh_port_t> ports;
    for (int i = 0; i < 70; ++i) ports.push_back(*a.table.alloc_unbound(2));
    REQUIRE(ports.back() == 70);

    a.table.set_pending(1);
    a.table.set_pending(2);   // same selector word
    a.table.set_pending(70);  // new selector word, upcall already set
    CHECK(host.notifies.size() == 1);
    CHECK(a.guest().take_sel() == 0b11);
    CHECK(a.pending(1));
    CHECK(a.pending(2));
    CHECK(a.pending(70));
}

TEST_CASE("A masked port's raise does not notify; unmask delivers it") {
    FakeHost host;
    TestDomain a(host, 1);
    auto p = a.table.alloc_unbound(2);
    REQUIRE(p.ok());
    a.guest().set_mask(*p);

    a.table.set_pending(*p);
    CHECK(a.pending(*p));
    CHECK_FALSE(a.table.upcall_pending());
    CHECK(a.guest().take_sel() == 0);
    CHECK(host.notifies.empty());

    REQUIRE(a.table.unmask(*p).ok());
    CHECK(host.notifies.size() == 1);
    CHECK_FALSE(a.guest().test_mask(*p));
    CHECK(a.consume() == std::vector<bh_port_t>{*p});
}

TEST_CASE("unmask of a masked port that is not pending only clears the mask") {
    FakeHost host;
    TestDomain a(host, 1);
    auto p = a.table.alloc_unbound(2);
    REQUIRE(p.ok());
    a.guest().set_mask(*p);
    REQUIRE(a.table.unmask(*p).ok());
    CHECK_FALSE(a.guest().test_mask(*p));
    CHECK_FALSE(a.table.upcall_pending());
    CHECK(host.notifies.empty());
}

TEST_CASE("unmask of a port that was not masked does not re-deliver (Xen rule)") {
    FakeHost host;
    TestDomain a(host, 1);
    auto p = a.table.alloc_unbound(2);
    REQUIRE(p.ok());
    a.table.set_pending(*p);
    a.guest().clear_upcall();
    a.guest().take_sel();  // pending left set, as a guest mid-scan would
    REQUIRE(a.table.unmask(*p).ok());
    CHECK_FALSE(a.table.upcall_pending());
    CHECK(host.notifies.size() == 1);
}

TEST_CASE("unmask while the selector bit is still set does not raise a second upcall") {
    FakeHost host;
    TestDomain a(host, 1);
    auto p = a.table.alloc_unbound(2);
    auto q = a.table.alloc_unbound(2);
    REQUIRE((p.ok() && q.ok()));
    a.table.set_pending(*q);  // sets selector word 0 and the upcall
    a.guest().clear_upcall();
    a.guest().set_mask(*p);
    a.table.set_pending(*p);
    REQUIRE(a.table.unmask(*p).ok());
    CHECK_FALSE(a.table.upcall_pending());  // selector bit 0 was not newly set
    CHECK(host.notifies.size() == 1);
}

TEST_CASE("unmask rejects port 0 and ports without a record") {
    FakeHost host;
    TestDomain a(host, 1);
    REQUIRE(a.table.alloc_unbound(2).ok());
    CHECK(a.table.unmask(0).error() == Error::BadPort);
    CHECK(a.table.unmask(64).error() == Error::BadPort);  // no bucket yet
    CHECK(a.table.unmask(5000).error() == Error::BadPort);
    CHECK(a.table.unmask(5).ok());  // Free but recorded: accepted, as Xen's port_is_valid
}

TEST_CASE("send on an Interdomain port raises the peer's port only") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2);
    auto [pa, pb] = connect(a, b);
    REQUIRE(a.table.send(pa).ok());
    CHECK(b.pending(pb));
    CHECK_FALSE(a.pending(pa));
    CHECK(host.notifies == std::vector<bh_domid_t>{2});
    REQUIRE(b.table.send(pb).ok());
    CHECK(a.pending(pa));
    CHECK(host.notifies == std::vector<bh_domid_t>{2, 1});
}

TEST_CASE("send on an Unbound port is dropped without error") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2);
    auto p = a.table.alloc_unbound(2);
    REQUIRE(p.ok());
    CHECK(a.table.send(*p).ok());
    CHECK(host.notifies.empty());
    CHECK_FALSE(a.pending(*p));
    CHECK_FALSE(b.table.upcall_pending());
}

TEST_CASE("send on an Ipi port raises the same port") {
    FakeHost host;
    TestDomain a(host, 1);
    auto p = a.table.bind_ipi();
    REQUIRE(p.ok());
    REQUIRE(a.table.send(*p).ok());
    CHECK(a.consume() == std::vector<bh_port_t>{*p});
    CHECK(host.notifies == std::vector<bh_domid_t>{1});
}

TEST_CASE("send refuses Virq, Irq, free, zero and out-of-range ports with BadPort") {
    FakeHost host;
    TestDomain a(host, 1);
    auto v = a.table.bind_virq(BH_VIRQ_TIMER);
    auto i = a.table.bind_irq(11);
    REQUIRE((v.ok() && i.ok()));
    CHECK(a.table.send(*v).error() == Error::BadPort);
    CHECK(a.table.send(*i).error() == Error::BadPort);
    CHECK(a.table.send(3).error() == Error::BadPort);
    CHECK(a.table.send(0).error() == Error::BadPort);
    CHECK(a.table.send(4096).error() == Error::BadPort);
    CHECK(a.table.send(0xffffffffu).error() == Error::BadPort);
    CHECK(host.notifies.empty());
}

TEST_CASE("raise_virq and raise_irq deliver to the bound port and report unbound sources") {
    FakeHost host;
    TestDomain a(host, 1);
    CHECK_FALSE(a.table.raise_virq(BH_VIRQ_CONSOLE));
    CHECK_FALSE(a.table.raise_virq(BH_NR_VIRQS));
    CHECK_FALSE(a.table.raise_irq(4));
    CHECK_FALSE(a.table.raise_irq(256));
    CHECK(host.notifies.empty());

    auto v = a.table.bind_virq(BH_VIRQ_CONSOLE);
    auto i = a.table.bind_irq(4);
    REQUIRE((v.ok() && i.ok()));
    CHECK(a.table.raise_virq(BH_VIRQ_CONSOLE));
    CHECK(a.table.raise_irq(4));
    CHECK(a.consume() == std::vector<bh_port_t>{*v, *i});
    CHECK(host.notifies.size() == 1);
}

TEST_CASE("set_pending ignores port 0 and ports beyond the limit") {
    FakeHost host;
    TestDomain a(host, 1, true);
    a.table.set_pending(0);
    a.table.set_pending(1024);
    a.table.set_pending(4095);
    for (unsigned char c : a.page) REQUIRE(c == 0);
    CHECK(host.notifies.empty());
}

TEST_CASE("A compat32 table raises bits at the i386 offsets") {
    FakeHost host;
    TestDomain a(host, 1, true);
    bh_port_t p = 0;
    for (int i = 0; i < 40; ++i) p = *a.table.alloc_unbound(2);
    REQUIRE(p == 40);

    a.table.set_pending(p);
    CHECK(((a.page[2048 + 40 / 8] >> (40 % 8)) & 1) == 1);
    CHECK(a.page[4] == 0b10);  // 32-bit selector at +4, bit 40/32 = 1
    CHECK(a.page[8] == 0);     // not where an amd64 selector would be
    CHECK(a.page[0] == 1);
    CHECK(host.notifies.size() == 1);

    // The i386 mask array is at 2176, not amd64's 2560.
    a.consume();
    a.page[2176 + 39 / 8] |= 1u << (39 % 8);
    a.table.set_pending(39);
    CHECK_FALSE(a.table.upcall_pending());
    a.page[2176 + 39 / 8] = 0;
    a.page[2560 + 38 / 8] |= 1u << (38 % 8);  // an amd64 mask bit means nothing here
    a.table.set_pending(38);
    CHECK(a.table.upcall_pending());
    CHECK(host.notifies.size() == 2);
}

TEST_CASE("100000 send/consume cycles keep delivery and notify counts exact") {
    FakeHost host;
    TestDomain a(host, 1), b(host, 2);
    // Three channels whose receiving ports sit in different selector words of b.
    std::vector<std::pair<bh_port_t, bh_port_t>> ch;
    for (int i = 0; i < 130; ++i) {
        auto [pa, pb] = connect(a, b);
        if (pb == 1 || pb == 64 || pb == 130) ch.push_back({pa, pb});
    }
    REQUIRE(ch.size() == 3);

    uint32_t rng = 12345;
    uint64_t sent_sets = 0, delivered = 0;
    for (int cycle = 0; cycle < 100000; ++cycle) {
        rng = rng * 1103515245u + 12345u;
        uint32_t subset = (rng >> 16) % 7 + 1;  // non-empty subset of the three channels
        std::vector<bh_port_t> expect;
        for (int c = 0; c < 3; ++c) {
            if (!(subset & (1u << c))) continue;
            int repeats = static_cast<int>((rng >> (8 + c)) % 3) + 1;  // coalesced into one
            for (int r = 0; r < repeats; ++r) REQUIRE(a.table.send(ch[c].first).ok());
            expect.push_back(ch[c].second);
        }
        ++sent_sets;
        auto got = b.consume();
        REQUIRE(got == expect);
        delivered += got.size();
    }
    CHECK(host.notify_count(2) == sent_sets);  // exactly one wakeup per cycle
    CHECK(host.notify_count(1) == 0);
    CHECK(delivered > 100000);
    CHECK(b.consume().empty());
    check_links(host);
}
