// isolation: roles 0-5 each make one forbidden access and must be stopped; role 9 must survive intact.
#include <bh/rt.hpp>

using namespace bh::rt;

namespace {

constexpr uint64_t kCanary = 0x50000000;  // mapped by the survivor only
constexpr uint64_t kKernelAddr = 0xffffffff80100000ull;
constexpr bh_slot_t kCanarySlot = 8;

uint8_t canary_byte(uint64_t i) { return static_cast<uint8_t>((i * 31) ^ (i >> 7) ^ 0x5a); }

// The forbidden access of each faulting role. Each must never return.
void misbehave(uint64_t role) {
    switch (role) {
    case 0: {
        // Give the survivor (started last) ~50 ms of yields to map its canary, so the address
        // is really in use elsewhere; then read it from this address space.
        uint64_t until = call(BH_CALL_TIME).r1 + 25;
        while (call(BH_CALL_TIME).r1 < until) call(BH_CALL_YIELD);
        print("iso-other: reading 0x%lx (mapped only by the survivor)", kCanary);
        (void)*reinterpret_cast<volatile uint64_t*>(kCanary);
        break;
    }
    case 1:
        print("iso-kernel: reading kernel address 0x%lx", kKernelAddr);
        (void)*reinterpret_cast<volatile uint64_t*>(kKernelAddr);
        break;
    case 2: {
        print("iso-null: reading address 0");
        volatile uint64_t* null = nullptr;
        asm volatile("" : "+r"(null));  // hide the null from the compiler (it would emit ud2)
        (void)*null;
        break;
    }
    case 3:
        print("iso-priv: executing hlt in ring 3");
        asm volatile("hlt");
        break;
    case 4: {
        auto* code = reinterpret_cast<volatile uint8_t*>(&bh_main);
        print("iso-rocode: writing own code at %p", code);
        *code = 0xcc;
        break;
    }
    case 5: {
        volatile uint64_t num = 1, den = 0;
        print("iso-div: dividing by zero");
        volatile uint64_t q = num / den;
        (void)q;
        break;
    }
    default: print("isolation: FAIL unknown role %lu", role); return;
    }
    print("isolation: role %lu was not stopped", role);
}

// Sum of i*i for i in [1, n], checked against n(n+1)(2n+1)/6 at the end: proof that the
// survivor kept computing correctly while the others faulted around it. n stays below 2^20,
// so the closed form cannot overflow.
constexpr uint64_t kMaxN = 1u << 20, kStep = 128;
struct Work {
    uint64_t n = 0, sum = 0;
    void step(uint64_t k) {
        for (uint64_t j = 0; j < k; ++j) {
            ++n;
            sum += n * n;
        }
    }
    bool consistent() const { return sum == n * (n + 1) * (2 * n + 1) / 6; }
};

int survivor() {
    Ret r = call(BH_CALL_FRAME_ALLOC, kCanarySlot);
    if (r.ok()) r = call(BH_CALL_FRAME_MAP, kCanarySlot, kCanary, 1);
    if (!r.ok()) {
        report_ready();
        print("iso-survivor: FAIL cannot map the canary: %s", error_name(r.err));
        return 1;
    }
    auto* canary = reinterpret_cast<volatile uint8_t*>(kCanary);
    for (uint64_t i = 0; i < 4096; ++i) canary[i] = canary_byte(i);
    print("iso-survivor: canary at 0x%lx filled; computing until told to stop", kCanary);
    report_ready();

    // Keep running: compute a little, yield to the others, until the supervisor says
    // everyone else has finished (our control channel is the only port we have).
    Work w;
    uint64_t rounds = 0, t0 = rdtsc();
    do {
        if (w.n < kMaxN) w.step(kStep);
        ++rounds;
        call(BH_CALL_YIELD);
    } while (!poll_event());
    uint64_t cycles = rdtsc() - t0;
    uint64_t bad = 4096;
    for (uint64_t i = 0; i < 4096 && bad == 4096; ++i)
        if (canary[i] != canary_byte(i)) bad = i;
    print("iso-survivor: %lu rounds (%lu squares, %lu cycles), sum %s, canary %s", rounds, w.n,
          cycles, w.consistent() ? "correct" : "WRONG", bad == 4096 ? "intact" : "CHANGED");
    if (bad != 4096) print("iso-survivor: canary byte %lu is 0x%x", bad, canary[bad]);
    uint64_t expect_n = rounds * kStep < kMaxN ? rounds * kStep : kMaxN;
    if (w.n != expect_n || !w.consistent() || bad != 4096) {
        print("iso-survivor: FAIL");
        return 1;
    }
    print("iso-survivor: PASS kept running and canary intact");
    return 0;
}

}  // namespace

int bh_main(uint64_t, uint64_t role) {
    if (role == 9) return survivor();
    report_ready();  // before the fault, so the supervisor sees us initialised
    misbehave(role);
    return 1;
}
