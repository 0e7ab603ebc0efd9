// Conformance: EVTCHN_BIND_IRQ (33) — device lines routed to one live owner's port.
#include "domain/irq_routing.hpp"
#include "evtchn_helpers.hpp"

using namespace bhtest;

namespace {
constexpr uint64_t kChild = 8;
constexpr uint64_t kIrq = 9;   // the supervisor's Irq cap for line 5
constexpr uint64_t kDst = 10;
constexpr uint32_t kLine = 5;

struct IrqFixture : Fixture {
    IrqFixture() : c(child(kChild)) {
        REQUIRE_OK(sup(), BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, kLine, kIrq);
    }
    Domain& c;
};
}  // namespace

TEST_CASE_METHOD(IrqFixture, "EvtchnBindIrq routes the interrupt line to the caller's new port") {
    uint64_t port = REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_IRQ, kIrq, kDst).r1;
    CHECK(port_status(sup(), kDst).state == kStateIrq);
    REQUIRE_FALSE(platform_log().irq_lines.empty());
    IrqLineCall last = platform_log().irq_lines.back();
    CHECK(last.line == kLine);
    CHECK(last.routed);
    CHECK_FALSE(last.masked);
    // The line fires: masked until acknowledged, raised as an event on the port.
    bh::irq_fired(kLine);
    CHECK(pending(sup(), port));
    CHECK(platform_log().irq_lines.back().masked);
}

TEST_CASE_METHOD(IrqFixture, "EvtchnBindIrq needs an Irq capability with the control right") {
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kIrq, 20, BH_R_READ | BH_R_GRANT);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_EVTCHN_BIND_IRQ, 20, kDst);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_EVTCHN_BIND_IRQ, BH_SLOT_MACHINE, kDst);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_EVTCHN_BIND_IRQ, 21, kDst);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_EVTCHN_BIND_IRQ, 64, kDst);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_EVTCHN_BIND_IRQ, kTooWide + kIrq, kDst);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_EVTCHN_BIND_IRQ, kIrq, kTooWide);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_EVTCHN_BIND_IRQ, kIrq, 64);
    CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_EVTCHN_BIND_IRQ, kIrq, kChild);
}

TEST_CASE_METHOD(IrqFixture, "EvtchnBindIrq of a line another live domain holds fails with Busy") {
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, kIrq, kIrq, BH_R_ALL);
    REQUIRE_OK(c, BH_CALL_EVTCHN_BIND_IRQ, kIrq, kDst);
    CHECK_REJECTS(Error::Busy, sup(), BH_CALL_EVTCHN_BIND_IRQ, kIrq, kDst);
}

TEST_CASE_METHOD(IrqFixture, "EvtchnBindIrq of a line the caller already bound fails and keeps the binding") {
    uint64_t port = REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_IRQ, kIrq, kDst).r1;
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kIrq, 20, BH_R_ALL);
    CHECK_REJECTS(Error::Busy, sup(), BH_CALL_EVTCHN_BIND_IRQ, 20, kDst + 1);
    bh::irq_fired(kLine);
    CHECK(pending(sup(), port));  // still routed to the first port
}

TEST_CASE_METHOD(IrqFixture, "A line whose owner died can be bound by another domain") {
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, kIrq, kIrq, BH_R_ALL);
    REQUIRE_OK(c, BH_CALL_EVTCHN_BIND_IRQ, kIrq, kDst);
    fault(c);
    IrqLineCall last = platform_log().irq_lines.back();
    CHECK(last.line == kLine);
    CHECK_FALSE(last.routed);  // detached at the owner's death
    uint64_t port = REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_IRQ, kIrq, kDst).r1;
    bh::irq_fired(kLine);
    CHECK(pending(sup(), port));
}

TEST_CASE_METHOD(IrqFixture, "Closing an irq port detaches the line and frees it for rebinding") {
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_IRQ, kIrq, kDst);
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_CLOSE, kDst);
    CHECK_FALSE(platform_log().irq_lines.back().routed);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, kIrq, kIrq, BH_R_ALL);
    uint64_t port = REQUIRE_OK(c, BH_CALL_EVTCHN_BIND_IRQ, kIrq, kDst).r1;
    bh::irq_fired(kLine);
    CHECK(pending(c, port));
}

TEST_CASE_METHOD(Fixture, "A message-signalled line comes with its message, and raises its port without masking") {
    bh::SysOut first = REQUIRE_OK(sup(), BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, 24, kIrq);
    CHECK(first.r1 == 0xFEE00000);
    CHECK(first.r2 == 0x60);
    bh::SysOut last = REQUIRE_OK(sup(), BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, 55, 20);
    CHECK(last.r2 == 0x7f);
    bh::SysOut pin = REQUIRE_OK(sup(), BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, 23, 21);
    CHECK(pin.r1 == 0);  // an I/O APIC pin has no message
    uint64_t port = REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_IRQ, kIrq, kDst).r1;
    platform_log().irq_lines.clear();
    bh::irq_fired(24);
    CHECK(pending(sup(), port));
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_UNMASK, kDst);
    REQUIRE_OK(sup(), BH_CALL_IRQ_ACK, kIrq);  // accepted, and nothing to do
    bh::irq_fired(24);
    CHECK(pending(sup(), port));
    CHECK(platform_log().irq_lines.empty());  // no I/O APIC pin touched
    bh::irq_fired(25);                        // nobody's line: nothing happens
}
