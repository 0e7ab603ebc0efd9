// Conformance: event-channel binding calls (30-33, 38) — ports, capabilities, errors.
#include "cap/cspace.hpp"
#include "domain/objects.hpp"
#include "evtchn_helpers.hpp"

using namespace bhtest;

namespace {
constexpr uint64_t kChild = 8;  // the supervisor's Domain cap to the child
constexpr uint64_t kDst = 9;    // where new port caps go

struct EvtchnFixture : Fixture {
    EvtchnFixture() : c(child(kChild)) {}
    Domain& c;
};
}  // namespace

TEST_CASE_METHOD(EvtchnFixture, "EvtchnAllocUnbound makes a port waiting for the remote and a cap naming it") {
    uint64_t used0 = sup().quota.used();
    uint64_t port = REQUIRE_OK(sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst, c.id).r1;
    CHECK(port == 1);
    PortStatus st = port_status(sup(), kDst);
    CHECK(st.state == kStateUnbound);
    CHECK(st.remote_dom == c.id);
    CHECK(REQUIRE_OK(sup(), BH_CALL_CAP_INFO, kDst).r1 ==
          (BH_OBJ_EVTCHN | (BH_R_SEND | BH_R_READ | BH_R_GRANT) << 8));
    CHECK(sup().quota.used() >= used0 + sizeof(bh::EvtchnObj));
    // The next port is the lowest free one.
    CHECK(REQUIRE_OK(sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst + 1, c.id).r1 == 2);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnAllocUnbound for a domain that does not exist yet succeeds") {
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst, 77);
    CHECK(port_status(sup(), kDst).remote_dom == 77);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnAllocUnbound rejects bad slots and out-of-range domain ids") {
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND, 64, c.id);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND, kTooWide + kDst, c.id);
    CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND, kChild, c.id);
    CHECK_REJECTS(Error::BadDomain, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst, 0x10000);
    CHECK_REJECTS(Error::BadDomain, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst, ~0ull);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnAllocUnbound over quota fails with Quota and changes nothing") {
    fill_quota(c, sizeof(bh::EvtchnObj) - 1);
    CHECK_REJECTS(Error::Quota, c, BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst, 0);
    // Room for the cap but not for the first bucket of port records.
    c.quota.release(1);
    CHECK_REJECTS(Error::Quota, c, BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst, 0);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnAllocUnbound with the port table full fails with NoPorts") {
    REQUIRE(c.evtchn->set_max_ports(2).ok());  // port 1 only
    REQUIRE_OK(c, BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst, 0);
    CHECK_REJECTS(Error::NoPorts, c, BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst + 1, 0);
    CHECK_REJECTS(Error::NoPorts, c, BH_CALL_EVTCHN_BIND_VIRQ, kDst + 1, BH_VIRQ_TIMER);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnBindInterdomain connects both ends to each other") {
    uint64_t pc = REQUIRE_OK(c, BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst, sup().id).r1;
    uint64_t ps = REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kDst, c.id, pc).r1;
    PortStatus s = port_status(sup(), kDst);
    CHECK(s.state == kStateInterdomain);
    CHECK(s.remote_dom == c.id);
    CHECK(s.remote_port == pc);
    PortStatus t = port_status(c, kDst);
    CHECK(t.state == kStateInterdomain);
    CHECK(t.remote_dom == sup().id);
    CHECK(t.remote_port == ps);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnBindInterdomain loopback connects a domain to itself") {
    uint64_t p1 = REQUIRE_OK(sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst, sup().id).r1;
    uint64_t p2 = REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kDst + 1, sup().id, p1).r1;
    CHECK(p2 != p1);
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_SEND, kDst + 1);
    CHECK(pending(sup(), p1));
    CHECK_FALSE(pending(sup(), p2));
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnBindInterdomain rejects unknown, dead and out-of-range domains") {
    uint64_t pc = REQUIRE_OK(c, BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst, sup().id).r1;
    CHECK_REJECTS(Error::BadDomain, sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kDst, 77, pc);
    CHECK_REJECTS(Error::BadDomain, sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kDst, 0x10000, pc);
    fault(c);
    CHECK_REJECTS(Error::BadDomain, sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kDst, c.id, pc);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnBindInterdomain rejects ports not unbound for the caller with BadPort") {
    uint64_t mine = REQUIRE_OK(c, BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst, sup().id).r1;
    uint64_t other = REQUIRE_OK(c, BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst + 1, 5).r1;
    uint64_t virq = REQUIRE_OK(c, BH_CALL_EVTCHN_BIND_VIRQ, kDst + 2, BH_VIRQ_TIMER).r1;
    for (uint64_t port : {uint64_t{0}, other, virq, uint64_t{40} /* free */, uint64_t{4095},
                          uint64_t{4096}, uint64_t{0xffffffff}}) {
        INFO("remote port " << port);
        CHECK_REJECTS(Error::BadPort, sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kDst, c.id, port);
    }
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kDst, c.id, mine);
    // Once connected it is no longer unbound.
    CHECK_REJECTS(Error::BadPort, sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kDst + 1, c.id, mine);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnBindInterdomain rejects wide ports and bad slots") {
    uint64_t pc = REQUIRE_OK(c, BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst, sup().id).r1;
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kDst, c.id, kTooWide + pc);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kTooWide, c.id, pc);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, 64, c.id, pc);
    CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kChild, c.id, pc);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnBindInterdomain over quota or out of ports changes nothing") {
    uint64_t pc = REQUIRE_OK(c, BH_CALL_EVTCHN_ALLOC_UNBOUND, kDst, sup().id).r1;
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_VIRQ, kDst + 1, BH_VIRQ_TIMER);  // takes port 1
    REQUIRE(sup().evtchn->set_max_ports(2).ok());
    CHECK_REJECTS(Error::NoPorts, sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kDst, c.id, pc);
    REQUIRE(sup().evtchn->set_max_ports(4096).ok());
    fill_quota(sup());
    CHECK_REJECTS(Error::Quota, sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kDst, c.id, pc);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnBindVirq binds each virq once per domain") {
    uint64_t port = REQUIRE_OK(c, BH_CALL_EVTCHN_BIND_VIRQ, kDst, BH_VIRQ_TIMER).r1;
    CHECK(port_status(c, kDst).state == kStateVirq);
    CHECK_REJECTS(Error::Busy, c, BH_CALL_EVTCHN_BIND_VIRQ, kDst + 1, BH_VIRQ_TIMER);
    // Another domain has its own virqs.
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_VIRQ, kDst, BH_VIRQ_TIMER);
    REQUIRE(c.evtchn->raise_virq(BH_VIRQ_TIMER));
    CHECK(pending(c, port));
    // Closing frees the virq for a new binding.
    REQUIRE_OK(c, BH_CALL_EVTCHN_CLOSE, kDst);
    REQUIRE_OK(c, BH_CALL_EVTCHN_BIND_VIRQ, kDst, BH_VIRQ_TIMER);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnBindVirq rejects virqs out of range and bad slots") {
    CHECK_REJECTS(Error::BadArg, c, BH_CALL_EVTCHN_BIND_VIRQ, kDst, BH_NR_VIRQS);
    CHECK_REJECTS(Error::BadArg, c, BH_CALL_EVTCHN_BIND_VIRQ, kDst, kTooWide);
    CHECK_REJECTS(Error::BadArg, c, BH_CALL_EVTCHN_BIND_VIRQ, kTooWide, BH_VIRQ_TIMER);
    CHECK_REJECTS(Error::BadSlot, c, BH_CALL_EVTCHN_BIND_VIRQ, 64, BH_VIRQ_TIMER);
    CHECK_REJECTS(Error::SlotFull, c, BH_CALL_EVTCHN_BIND_VIRQ, BH_SLOT_SELF, BH_VIRQ_TIMER);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnAllocUnboundFor puts the port in the target and the cap in the caller") {
    uint64_t c_used = c.quota.used();
    uint64_t port = REQUIRE_OK(sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, kChild, kDst, 0).r1;
    auto* e = bh::kobject_cast<bh::EvtchnObj>(sup().cspace->at(kDst).value()->obj);
    REQUIRE(e);
    CHECK(e->dom == &c);
    CHECK(e->port == port);
    auto st = c.evtchn->status(static_cast<bh_port_t>(port));
    REQUIRE(st.ok());
    CHECK(st.value().state == bh::EvtchnState::Unbound);
    CHECK(st.value().remote_dom == 0);
    CHECK(c.quota.used() > c_used);  // the target pays for its port
    // The supervisor can bind its own end to it.
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kDst + 1, c.id, port);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnAllocUnboundFor needs a Domain cap with the control right") {
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kChild, 20, BH_R_READ | BH_R_GRANT);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, 20, kDst, 0);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, BH_SLOT_SELF, kDst, 0);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, BH_SLOT_GNTTAB, kDst, 0);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, 21, kDst, 0);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, 64, kDst, 0);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, kTooWide, kDst, 0);
}

TEST_CASE_METHOD(EvtchnFixture, "EvtchnAllocUnboundFor rejects a full slot, a bad remote and a dead target") {
    CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, kChild, kChild, 0);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, kChild, kTooWide, 0);
    CHECK_REJECTS(Error::BadDomain, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, kChild, kDst, 0x10000);
    fill_quota(c);
    CHECK_REJECTS(Error::Quota, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, kChild, kDst, 0);
    fault(c);
    CHECK_REJECTS(Error::Dead, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, kChild, kDst, 0);
}
