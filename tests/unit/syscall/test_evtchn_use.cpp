// Conformance: using ports through their capabilities (34-37) — send, close, unmask, status.
#include "domain/cpu.hpp"
#include "evtchn/shared_info.hpp"
#include "evtchn_helpers.hpp"

using namespace bhtest;

namespace {
constexpr uint64_t kChild = 8;
constexpr uint64_t kPort = 9;  // both domains: their end of the sup <-> child channel

// A connected channel: the child's end in its slot 9, the supervisor's in its slot 9.
struct ChannelFixture : Fixture {
    ChannelFixture() : c(child(kChild)) {
        pc = REQUIRE_OK(c, BH_CALL_EVTCHN_ALLOC_UNBOUND, kPort, sup().id).r1;
        ps = REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kPort, c.id, pc).r1;
    }
    Domain& c;
    uint64_t pc = 0;
    uint64_t ps = 0;
};

// The guest sets a port's mask bit in its shared_info page, as its event code would.
void guest_mask(Fixture& f, Domain& d, uint64_t port) {
    vaddr_t byte = BH_USER_SHARED_INFO + offsetof(bh::SharedInfo64, evtchn_mask) + port / 8;
    uint8_t v = f.read<uint8_t>(d, byte) | static_cast<uint8_t>(1u << (port % 8));
    f.poke(d, byte, &v, 1);
}
}  // namespace

TEST_CASE_METHOD(ChannelFixture, "EvtchnSend raises the peer's port and wakes the blocked peer") {
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, kChild, 0, 0);
    REQUIRE_OK(c, BH_CALL_BLOCK);
    REQUIRE(c.vcpu.sched.state() == bh::SchedState::Blocked);
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_SEND, kPort);
    CHECK(pending(c, pc));
    CHECK(c.evtchn->upcall_pending());
    CHECK_FALSE(pending(sup(), ps));
    CHECK(c.vcpu.sched.state() == bh::SchedState::Runnable);
    // And back.
    REQUIRE_OK(c, BH_CALL_EVTCHN_SEND, kPort);
    CHECK(pending(sup(), ps));
}

TEST_CASE_METHOD(ChannelFixture, "An event for a built, not yet started domain does not make it runnable") {
    REQUIRE(c.state == BH_DOM_BUILT);
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_SEND, kPort);
    CHECK(pending(c, pc));
    CHECK(c.vcpu.sched.state() == bh::SchedState::Blocked);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, kChild, 0, 0);
    CHECK(c.vcpu.sched.state() == bh::SchedState::Runnable);
}

TEST_CASE_METHOD(ChannelFixture, "An event for a paused domain leaves it paused") {
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, kChild, 0, 0);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_PAUSE, kChild);
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_SEND, kPort);
    CHECK(pending(c, pc));
    CHECK(c.vcpu.sched.state() == bh::SchedState::Paused);
}

TEST_CASE_METHOD(ChannelFixture, "An event that arrived while a blocked domain was paused wakes it at unpause") {
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, kChild, 0, 0);
    REQUIRE_OK(c, BH_CALL_BLOCK);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_PAUSE, kChild);
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_SEND, kPort);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_UNPAUSE, kChild);
    CHECK(c.vcpu.sched.state() == bh::SchedState::Runnable);
}

TEST_CASE_METHOD(Fixture, "EvtchnSend on an unbound port is dropped and succeeds") {
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND, kPort, 5);
    World before = world();
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_SEND, kPort);
    CHECK(diff(before, world()) == "");
}

TEST_CASE_METHOD(Fixture, "EvtchnSend on a virq or irq port fails with BadPort") {
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_VIRQ, kPort, BH_VIRQ_CONSOLE);
    CHECK_REJECTS(Error::BadPort, sup(), BH_CALL_EVTCHN_SEND, kPort);
    REQUIRE_OK(sup(), BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, 3, 20);
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_IRQ, 20, 21);
    CHECK_REJECTS(Error::BadPort, sup(), BH_CALL_EVTCHN_SEND, 21);
}

TEST_CASE_METHOD(ChannelFixture, "EvtchnSend needs a port capability with the send right") {
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kPort, 20, BH_R_READ | BH_R_GRANT);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_EVTCHN_SEND, 20);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_EVTCHN_SEND, kChild);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_EVTCHN_SEND, 21);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_EVTCHN_SEND, 64);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_EVTCHN_SEND, kTooWide + kPort);
}

TEST_CASE_METHOD(Fixture, "Port calls on a port of a dead domain fail with Dead; close still works") {
    Domain& c = child(kChild);
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, kChild, kPort, sup().id);
    fault(c);
    CHECK_REJECTS(Error::Dead, sup(), BH_CALL_EVTCHN_SEND, kPort);
    CHECK_REJECTS(Error::Dead, sup(), BH_CALL_EVTCHN_UNMASK, kPort);
    CHECK_REJECTS(Error::Dead, sup(), BH_CALL_EVTCHN_STATUS, kPort);
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_CLOSE, kPort);
    CHECK(call(sup(), BH_CALL_CAP_INFO, kPort).err == Error::EmptySlot);
}

TEST_CASE_METHOD(ChannelFixture, "EvtchnClose closes the port, deletes the cap and unbinds the peer") {
    uint64_t used = sup().quota.used();
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_CLOSE, kPort);
    CHECK(call(sup(), BH_CALL_CAP_INFO, kPort).err == Error::EmptySlot);
    CHECK(sup().quota.used() < used);
    CHECK(sup().evtchn->status(static_cast<bh_port_t>(ps)).value().state == bh::EvtchnState::Free);
    PortStatus peer = port_status(c, kPort);
    CHECK(peer.state == kStateUnbound);
    CHECK(peer.remote_dom == sup().id);
    // The peer's end can be bound again by the same domain.
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, kPort, c.id, pc);
}

TEST_CASE_METHOD(ChannelFixture, "EvtchnClose of one of two caps to a port leaves the port open") {
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kPort, 20, BH_R_ALL);
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_CLOSE, kPort);
    CHECK(port_status(sup(), 20).state == kStateInterdomain);
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_CLOSE, 20);
    CHECK(port_status(c, kPort).state == kStateUnbound);
}

TEST_CASE_METHOD(ChannelFixture, "EvtchnClose rejects bad slots and other object types") {
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_EVTCHN_CLOSE, kChild);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_EVTCHN_CLOSE, BH_SLOT_MACHINE);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_EVTCHN_CLOSE, 20);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_EVTCHN_CLOSE, 64);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_EVTCHN_CLOSE, kTooWide + kPort);
}

TEST_CASE_METHOD(ChannelFixture, "EvtchnUnmask clears the mask and delivers what is pending") {
    guest_mask(*this, c, pc);
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_SEND, kPort);
    CHECK(pending(c, pc));
    CHECK_FALSE(c.evtchn->upcall_pending());  // masked: no upcall
    REQUIRE_OK(c, BH_CALL_EVTCHN_UNMASK, kPort);
    CHECK_FALSE(c.evtchn->view().test_mask(static_cast<uint32_t>(pc)));
    CHECK(c.evtchn->upcall_pending());
}

TEST_CASE_METHOD(ChannelFixture, "EvtchnUnmask needs a port capability but no right") {
    REQUIRE_OK(c, BH_CALL_CAP_COPY, kPort, 20, 0);
    guest_mask(*this, c, pc);
    REQUIRE_OK(c, BH_CALL_EVTCHN_UNMASK, 20);
    CHECK_FALSE(c.evtchn->view().test_mask(static_cast<uint32_t>(pc)));
    CHECK_REJECTS(Error::WrongType, c, BH_CALL_EVTCHN_UNMASK, BH_SLOT_SELF);
    CHECK_REJECTS(Error::EmptySlot, c, BH_CALL_EVTCHN_UNMASK, 21);
    CHECK_REJECTS(Error::BadSlot, c, BH_CALL_EVTCHN_UNMASK, 64);
    CHECK_REJECTS(Error::BadArg, c, BH_CALL_EVTCHN_UNMASK, kTooWide);
}

TEST_CASE_METHOD(ChannelFixture, "EvtchnStatus reports state and remote end; needs the read right") {
    PortStatus s = port_status(sup(), kPort);
    CHECK(s.state == kStateInterdomain);
    CHECK(s.remote_dom == c.id);
    CHECK(s.remote_port == pc);
    CHECK(s.own_port == ps);
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kPort, 20, BH_R_SEND);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_EVTCHN_STATUS, 20);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_EVTCHN_STATUS, kChild);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_EVTCHN_STATUS, 21);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_EVTCHN_STATUS, 64);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_EVTCHN_STATUS, kTooWide);
}
