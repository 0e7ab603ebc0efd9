// bench: cycles per null hypercall, event round trip, grant map+unmap and 4 KiB grant copy.
#include <bh/grant.hpp>
#include <bh/rt.hpp>

using namespace bh::rt;

namespace {

constexpr bh_slot_t kBoundSlot = 8;  // b's end of the link
constexpr bh_slot_t kFrameSlot = 9;
constexpr bh_slot_t kTimerSlot = 10;     // b's watchdog timer
constexpr uint64_t kWatchTicks = 100;    // b checks every 200 ms that a is still there
constexpr uint64_t kStatInterdomain = 2; // EVTCHN_STATUS state (Xen's EVTCHNSTAT_interdomain)
constexpr bh_grant_ref_t kRef = 8;   // refs 0..7 are reserved by convention
constexpr uint64_t kGnttabVa = 0x10000000;  // b's grant table
constexpr uint64_t kGrantedVa = 0x20000000; // b's granted page
constexpr uint64_t kMapVa = 0x30000000;     // where a maps b's grant
constexpr uint64_t kCopyVa = 0x40000000;    // a's copy destination
constexpr uint64_t kDone = 0xd0d0d0d0d0d0d0d0ull;  // a's "finished" word in the granted page
constexpr uint16_t kGtfPermitAccess = bh::gtf::kPermitAccess;
using GrantEntry = bh::GrantEntryV1;  // the kernel's definition of Xen's v1 entry

// Every call is checked: a failure ends the domain with the call's name and error.
Ret must(Ret r, const char* what) {
    if (!r.ok()) {
        print("bench: FAIL %s: %s", what, error_name(r.err));
        exit(1);
    }
    return r;
}

// The granted page's contents: distinct in every 8-byte word, so a short or shifted copy shows.
uint64_t pattern(uint64_t i) { return 0x9e3779b97f4a7c15ull * (i + 1); }

// Word 0 of the granted page doubles as a's "finished" flag: a writes kDone there through a
// writable mapping only after every check of the pattern, and b looks at it on every wake.
volatile uint64_t* granted_page() { return reinterpret_cast<volatile uint64_t*>(kGrantedVa); }

void report(const char* name, uint64_t cycles, uint64_t n) {
    print("BH-BENCH name=%s value=%lu unit=cycles", name, cycles / n);
}

void wait_port(bh_port_t port) {
    for (bh_port_t p; (p = wait_event()) != port;) print("bench: unexpected event on port %u", p);
}

void bench_null() {
    constexpr uint64_t kN = 20000, kWarm = 1000;
    for (uint64_t i = 0; i < kWarm; ++i) must(call(BH_CALL_NULL), "null (warm-up)");
    uint64_t t0 = rdtsc();
    for (uint64_t i = 0; i < kN; ++i) must(call(BH_CALL_NULL), "null");
    report("null_hypercall", rdtsc() - t0, kN);
}

void bench_evtchn(bh_port_t port) {
    constexpr uint64_t kN = 10000, kWarm = 200;
    auto round = [port] {
        must(call(BH_CALL_EVTCHN_SEND, BH_SLOT_PEER), "evtchn send");
        wait_port(port);
    };
    for (uint64_t i = 0; i < kWarm; ++i) round();
    uint64_t t0 = rdtsc();
    for (uint64_t i = 0; i < kN; ++i) round();
    report("evtchn_roundtrip", rdtsc() - t0, kN);
}

void bench_map(bh_domid_t peer) {
    constexpr uint64_t kN = 2000, kWarm = 50;
    auto pair = [peer] {
        Ret m = must(call(BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, peer, kRef, kMapVa, 1), "grant map");
        must(call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, m.r1), "grant unmap");
    };
    // Once, outside the timing: the mapping must show b's page.
    Ret m = must(call(BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, peer, kRef, kMapVa, 1), "grant map");
    uint64_t w = *reinterpret_cast<volatile uint64_t*>(kMapVa + 8);
    must(call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, m.r1), "grant unmap");
    if (w != pattern(1)) {
        print("bench: FAIL mapped grant reads %lx, expected %lx", w, pattern(1));
        exit(1);
    }
    for (uint64_t i = 0; i < kWarm; ++i) pair();
    uint64_t t0 = rdtsc();
    for (uint64_t i = 0; i < kN; ++i) pair();
    report("grant_map_unmap", rdtsc() - t0, kN);
}

void bench_copy(bh_domid_t peer, bh_domid_t self) {
    constexpr uint64_t kN = 2000, kWarm = 50;
    must(call(BH_CALL_FRAME_ALLOC, kFrameSlot), "frame alloc");
    must(call(BH_CALL_FRAME_MAP, kFrameSlot, kCopyVa, 1), "frame map");
    bh_grant_copy op{};
    auto copy = [&op, peer, self] {
        op = {};
        op.source = {kRef, peer, 0, 0};
        op.dest = {kCopyVa, self, 0, 0};
        op.len = 4096;
        op.flags = BH_GNTCOPY_SOURCE_GREF;
        must(call(BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB, reinterpret_cast<uint64_t>(&op), 1),
             "grant copy");
        if (op.status != BH_OK) {
            print("bench: FAIL grant copy status %d: %s", op.status,
                  error_name(static_cast<uint64_t>(op.status)));
            exit(1);
        }
    };
    // Once, outside the timing: a cleared page must receive b's whole pattern.
    auto* dst = reinterpret_cast<volatile uint64_t*>(kCopyVa);
    for (uint64_t i = 0; i < 512; ++i) dst[i] = 0;
    copy();
    for (uint64_t i = 0; i < 512; ++i)
        if (dst[i] != pattern(i)) {
            print("bench: FAIL copied word %lu is %lx, expected %lx", i, dst[i], pattern(i));
            exit(1);
        }
    for (uint64_t i = 0; i < kWarm; ++i) copy();
    uint64_t t0 = rdtsc();
    for (uint64_t i = 0; i < kN; ++i) copy();
    report("grant_copy_4k", rdtsc() - t0, kN);
}

// Role a: measures, then tells b to stop.
int run_a(bh_domid_t peer, bh_port_t port) {
    report_ready();
    wait_port(port);  // b's hello: it is bound and its grant ref is ready
    bh_domid_t self = self_id();
    bench_null();
    bench_evtchn(port);
    bench_map(peer);
    bench_copy(peer, self);

    Ret m = must(call(BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, peer, kRef, kMapVa, 0), "grant map rw");
    __atomic_store_n(reinterpret_cast<uint64_t*>(kMapVa), kDone, __ATOMIC_RELEASE);
    must(call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, m.r1), "grant unmap rw");
    must(call(BH_CALL_EVTCHN_SEND, BH_SLOT_PEER), "evtchn send (done)");
    print("bench: a done");
    return 0;
}

// Role b: grants a page to a, then echoes every notification until a marks the page done.
int run_b(bh_domid_t peer, bh_port_t remote_port) {
    Ret b = must(call(BH_CALL_EVTCHN_BIND_INTERDOMAIN, kBoundSlot, peer, remote_port), "bind");
    auto port = static_cast<bh_port_t>(b.r1);
    must(call(BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kGnttabVa, 1), "gnttab setup");
    must(call(BH_CALL_FRAME_ALLOC, kFrameSlot), "frame alloc");
    must(call(BH_CALL_FRAME_MAP, kFrameSlot, kGrantedVa, 1), "frame map");
    // If a fails it exits without telling us; its port then closes and ours falls back to
    // unbound. A slow timer lets us notice that instead of waiting forever.
    auto timer_port = static_cast<bh_port_t>(
        must(call(BH_CALL_EVTCHN_BIND_VIRQ, kTimerSlot, BH_VIRQ_TIMER), "bind timer").r1);
    must(call(BH_CALL_SET_TIMER, kWatchTicks), "set timer");
    report_ready();

    volatile uint64_t* page = granted_page();
    for (uint64_t i = 0; i < 512; ++i) page[i] = pattern(i);
    // Linux's order: domid and frame first, then (after a barrier) the flags that publish them.
    auto* e = reinterpret_cast<GrantEntry*>(kGnttabVa) + kRef;
    e->domid = peer;
    e->frame = static_cast<uint32_t>(kGrantedVa >> 12);
    __atomic_store_n(&e->flags, kGtfPermitAccess, __ATOMIC_RELEASE);
    must(call(BH_CALL_EVTCHN_SEND, kBoundSlot), "hello");

    uint64_t echoes = 0;
    for (;;) {
        bh_port_t p = wait_event();
        if (p == timer_port) {
            Ret st = must(call(BH_CALL_EVTCHN_STATUS, kBoundSlot), "evtchn status");
            if (st.r1 != kStatInterdomain) {
                print("bench: FAIL peer closed the channel (state %lu) after %lu echoes", st.r1,
                      echoes);
                return 1;
            }
            continue;
        }
        if (p != port) {
            print("bench: unexpected event on port %u", p);
            continue;
        }
        if (page[0] == kDone) break;
        must(call(BH_CALL_EVTCHN_SEND, kBoundSlot), "echo");
        ++echoes;
    }
    must(call(BH_CALL_SET_TIMER, 0), "stop timer");
    // Revoke like Linux: only possible once a holds no mapping and no copy is in flight.
    uint16_t expect = kGtfPermitAccess;
    if (!__atomic_compare_exchange_n(&e->flags, &expect, 0, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        print("bench: FAIL revoke of ref %u: flags %x still set", kRef, expect);
        return 1;
    }
    print("bench: b echoed %lu notifications, grant revoked", echoes);
    return 0;
}

}  // namespace

int bh_main(uint64_t arg0, uint64_t role) {
    auto [peer, port] = peer_link(arg0);
    if (role == 0) return run_a(peer, port);
    if (role == 1) return run_b(peer, port);
    print("bench: FAIL unknown role %lu", role);
    return 1;
}
