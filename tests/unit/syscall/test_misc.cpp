// Conformance: calls every domain makes on itself (0-9) and the router's unknown numbers.
#include <string.h>

#include <set>
#include <string>

#include "domain/cpu.hpp"
#include "evtchn/evtchn_table.hpp"
#include "fixture.hpp"

using namespace bhtest;
using bh::this_cpu;

namespace {

bool known_call(uint64_t nr) {
    static const std::set<uint64_t> known = {
        BH_CALL_NULL, BH_CALL_CONSOLE_WRITE, BH_CALL_YIELD, BH_CALL_BLOCK, BH_CALL_SELF_INFO,
        BH_CALL_TIME, BH_CALL_EXIT, BH_CALL_WAKE_LATENCY, BH_CALL_SET_TIMER,
        BH_CALL_CAP_COPY, BH_CALL_CAP_MINT, BH_CALL_CAP_MOVE, BH_CALL_CAP_DELETE,
        BH_CALL_CAP_REVOKE, BH_CALL_CAP_INFO, BH_CALL_FRAME_ALLOC, BH_CALL_FRAME_MAP,
        BH_CALL_FRAME_UNMAP, BH_CALL_EVTCHN_ALLOC_UNBOUND, BH_CALL_EVTCHN_BIND_INTERDOMAIN,
        BH_CALL_EVTCHN_BIND_VIRQ, BH_CALL_EVTCHN_BIND_IRQ, BH_CALL_EVTCHN_SEND,
        BH_CALL_EVTCHN_CLOSE, BH_CALL_EVTCHN_UNMASK, BH_CALL_EVTCHN_STATUS,
        BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, BH_CALL_GNTTAB_SETUP, BH_CALL_GNTTAB_MAP,
        BH_CALL_GNTTAB_UNMAP, BH_CALL_GNTTAB_COPY, BH_CALL_GNTTAB_MAP_BATCH, BH_CALL_GNTTAB_UNMAP_BATCH,
        BH_CALL_DOMAIN_CREATE, BH_CALL_DOMAIN_START,
        BH_CALL_DOMAIN_PAUSE, BH_CALL_DOMAIN_UNPAUSE, BH_CALL_DOMAIN_DESTROY,
        BH_CALL_DOMAIN_INFO, BH_CALL_DOMAIN_GIVE_CAP, BH_CALL_DOMAIN_SET_SCHED,
        BH_CALL_DOMAIN_CONSOLE_READ,
        BH_CALL_MACHINE_MODULES, BH_CALL_MACHINE_SHUTDOWN, BH_CALL_MACHINE_CMDLINE,
        BH_CALL_MACHINE_DEVICE_CAP, BH_CALL_MACHINE_IRQ_CAP, BH_CALL_MACHINE_MMIO_CAP,
        BH_CALL_MACHINE_CONSOLE_READ, BH_CALL_MACHINE_DMESG, BH_CALL_MACHINE_MODULE_READ,
        BH_CALL_MACHINE_FIRMWARE,
        BH_CALL_IO_OUT, BH_CALL_IO_IN, BH_CALL_IRQ_ACK, BH_CALL_DEVICE_MAP,
        BH_CALL_MACHINE_IOMMU, BH_CALL_DMA_ASSIGN};
    return known.count(nr) != 0;
}

}  // namespace

TEST_CASE_METHOD(Fixture, "Unknown call numbers fail with BadCall whatever the arguments") {
    std::set<uint64_t> numbers = {BH_CALL_COUNT, 100, 0xffff, 0x100000000ull,
                                  0x8000000000000000ull, ~0ull};
    for (uint64_t nr = 0; nr < BH_CALL_COUNT + 8; ++nr)
        if (!known_call(nr)) numbers.insert(nr);
    // Argument shapes that make a known call of the same range fail some other way first.
    const uint64_t shapes[][3] = {{0, 0, 0}, {BH_SLOT_GNTTAB, 0, 0}, {BH_SLOT_MACHINE, 0, 0},
                                  {kTooWide, kTooWide, kTooWide}, {~0ull, ~0ull, ~0ull}};
    for (uint64_t nr : numbers) {
        for (const auto& s : shapes) {
            INFO("call " << nr << " args " << s[0]);
            CHECK_REJECTS(Error::BadCall, sup(), nr, s[0], s[1], s[2]);
        }
    }
}

TEST_CASE_METHOD(Fixture, "Null succeeds, returns nothing and changes nothing") {
    World before = world();
    auto out = REQUIRE_OK(sup(), BH_CALL_NULL, 1, 2, 3, 4, 5, 6);
    CHECK(out.r1 == 0);
    CHECK(out.r2 == 0);
    CHECK(diff(before, world()) == "");
}

TEST_CASE_METHOD(Fixture, "ConsoleWrite logs one line prefixed with the caller's name") {
    map_page(sup(), kScratch);
    const char text[] = "hello, world\n";
    poke(sup(), kScratch, text, strlen(text));
    REQUIRE_OK(sup(), BH_CALL_CONSOLE_WRITE, kScratch, strlen(text));
    CHECK(platform_log().klog.find("[supervisor] hello, world\n") != std::string::npos);
}

TEST_CASE_METHOD(Fixture, "ConsoleWrite replaces control characters and strips line ends") {
    map_page(sup(), kScratch);
    const char text[] = "a\tb\x7f" "c\r\n\n";
    poke(sup(), kScratch, text, strlen(text));
    REQUIRE_OK(sup(), BH_CALL_CONSOLE_WRITE, kScratch, strlen(text));
    CHECK(platform_log().klog.find("[supervisor] a?b?c\n") != std::string::npos);
}

TEST_CASE_METHOD(Fixture, "ConsoleWrite reads a read-only page and a range spanning two pages") {
    map_page(sup(), kScratch, true);
    map_page(sup(), kScratch + 4096, false);
    std::string text(256, 'x');
    poke(sup(), kScratch + 4096 - 100, text.data(), 100);
    REQUIRE_OK(sup(), BH_CALL_CONSOLE_WRITE, kScratch + 4096 - 100, 256);
    REQUIRE_OK(sup(), BH_CALL_CONSOLE_WRITE, kScratch + 4096, 256);
}

TEST_CASE_METHOD(Fixture, "ConsoleWrite accepts 256 bytes and rejects 257 with BadArg") {
    map_page(sup(), kScratch);
    REQUIRE_OK(sup(), BH_CALL_CONSOLE_WRITE, kScratch, 256);
    std::string log = platform_log().klog;
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_CONSOLE_WRITE, kScratch, 257);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_CONSOLE_WRITE, kScratch, ~0ull);
    CHECK(platform_log().klog == log);
}

TEST_CASE_METHOD(Fixture, "ConsoleWrite rejects kernel, non-canonical and unmapped pointers") {
    map_page(sup(), kScratch);
    std::string log = platform_log().klog;
    for (vaddr_t p : std::initializer_list<vaddr_t>{kKernelPtr, kNonCanonical, kHighNonCanonical, kUserTop - 8, kUnmapped,
                      kScratch + 4096 - 8 /* runs into an unmapped page */, ~0ull}) {
        INFO("pointer " << std::hex << p);
        CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_CONSOLE_WRITE, p, 16);
    }
    CHECK(platform_log().klog == log);
}

TEST_CASE_METHOD(Fixture, "Yield succeeds and asks the exit path to reschedule") {
    REQUIRE_OK(sup(), BH_CALL_YIELD);
    CHECK(this_cpu().need_resched);
}

TEST_CASE_METHOD(Fixture, "Block with nothing pending blocks the caller's vCPU") {
    REQUIRE(sup().vcpu.sched.state() == bh::SchedState::Runnable);
    REQUIRE_OK(sup(), BH_CALL_BLOCK);
    CHECK(sup().vcpu.sched.state() == bh::SchedState::Blocked);
    CHECK(this_cpu().need_resched);
}

TEST_CASE_METHOD(Fixture, "Block returns at once when an event is already pending") {
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_VIRQ, 8, BH_VIRQ_TIMER);
    REQUIRE(sup().evtchn->raise_virq(BH_VIRQ_TIMER));
    REQUIRE_OK(sup(), BH_CALL_BLOCK);
    CHECK(sup().vcpu.sched.state() == bh::SchedState::Runnable);
    CHECK_FALSE(this_cpu().need_resched);
}

TEST_CASE_METHOD(Fixture, "SelfInfo returns the caller's id and its shared_info address") {
    auto out = REQUIRE_OK(sup(), BH_CALL_SELF_INFO);
    CHECK(out.r1 == 0);
    CHECK(out.r2 == BH_USER_SHARED_INFO);
    Domain& c = child(8);
    out = REQUIRE_OK(c, BH_CALL_SELF_INFO);
    CHECK(out.r1 == c.id);
    CHECK(out.r1 == 1);
}

TEST_CASE_METHOD(Fixture, "Time returns the kernel tick count and the cycle counter") {
    this_cpu().ticks = 42;
    auto out = REQUIRE_OK(sup(), BH_CALL_TIME);
    CHECK(out.r1 == 42);
    CHECK(out.r2 == platform_log().cycles);
}

TEST_CASE_METHOD(Fixture, "WakeLatency reports the ticks and cycles since the caller's last wake") {
    Domain& c = child(8);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, 8, 0, 0);
    REQUIRE_OK(c, BH_CALL_EVTCHN_BIND_VIRQ, 8, BH_VIRQ_TIMER);
    REQUIRE_OK(c, BH_CALL_BLOCK);
    this_cpu().ticks = 10;
    REQUIRE(c.evtchn->raise_virq(BH_VIRQ_TIMER));
    REQUIRE(c.vcpu.sched.state() == bh::SchedState::Runnable);
    this_cpu().ticks = 15;
    auto out = REQUIRE_OK(c, BH_CALL_WAKE_LATENCY);
    CHECK(out.r1 == 5);
    CHECK(out.r2 == 7);  // the fake counter advances 7 per read
}

TEST_CASE_METHOD(Fixture, "SetTimer sets the period, 0 turns it off, above 100000 is BadArg") {
    this_cpu().ticks = 100;
    REQUIRE_OK(sup(), BH_CALL_SET_TIMER, 25);
    CHECK(sup().vcpu.timer_period == 25);
    CHECK(sup().vcpu.timer_next == 125);
    REQUIRE_OK(sup(), BH_CALL_SET_TIMER, 100000);
    CHECK(sup().vcpu.timer_period == 100000);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_SET_TIMER, 100001);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_SET_TIMER, ~0ull);
    REQUIRE_OK(sup(), BH_CALL_SET_TIMER, 0);
    CHECK(sup().vcpu.timer_period == 0);
}

TEST_CASE_METHOD(Fixture, "Exit stops the caller with its code and raises the controller's DOM_EXC") {
    Domain& c = child(8);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, 8, 0, 0);
    auto port = REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_VIRQ, 9, BH_VIRQ_DOM_EXC).r1;
    REQUIRE_OK(c, BH_CALL_EXIT, 7);
    CHECK(c.state == BH_DOM_EXITED);
    CHECK(c.exit_code == 7);
    CHECK(c.cspace == nullptr);
    CHECK(c.vcpu.sched.state() == bh::SchedState::Detached);
    CHECK(sup().evtchn->view().test_pending(static_cast<uint32_t>(port)));
    CHECK(this_cpu().need_resched);
    CHECK(platform_log().klog.find("exited with code 7") != std::string::npos);
}
