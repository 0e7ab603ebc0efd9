// sched: a CPU hog that never blocks and a timer-driven sleeper that must still wake promptly.
#include <bh/rt.hpp>

using namespace bh::rt;

namespace {

constexpr bh_slot_t kTimerSlot = 8;
constexpr uint64_t kTimerPeriod = 5;  // ticks (2 ms each)
constexpr uint32_t kSamples = 500;
constexpr uint64_t kBoundTicks = 2;   // p99 wake latency allowed
constexpr uint64_t kPollEvery = 4096; // hog iterations between event polls

// Role 0: spins until the supervisor says everyone else finished (its only bound port is the
// control channel, so any event is that message).
int hog() {
    report_ready();
    uint64_t iterations = 0;
    for (;;) {
        ++iterations;
        asm volatile("" ::: "memory");  // keep the loop from being folded away
        if (iterations % kPollEvery != 0) continue;
        if (bh_port_t p = poll_event()) {
            bh_domain_info me{};
            Ret r = call(BH_CALL_DOMAIN_INFO, BH_SLOT_SELF, reinterpret_cast<uint64_t>(&me));
            print("hog: event on port %u after %lu iterations, %lu cpu ticks%s", p, iterations,
                  me.cpu_ticks, r.ok() ? "" : " (info failed)");
            return 0;
        }
    }
}

uint64_t percentile(const uint64_t* sorted, uint32_t n, uint32_t pct) {
    uint32_t i = n * pct / 100;
    return sorted[i < n ? i : n - 1];
}

bool self_ticks(uint64_t& out) {
    bh_domain_info me{};
    Ret r = call(BH_CALL_DOMAIN_INFO, BH_SLOT_SELF, reinterpret_cast<uint64_t>(&me));
    if (!r.ok()) {
        print("sleeper: FAIL domain_info: %s", error_name(r.err));
        return false;
    }
    out = me.cpu_ticks;
    return true;
}

uint64_t g_ticks[kSamples], g_cycles[kSamples];

// Role 1: blocks on a periodic VIRQ_TIMER and measures how late each wake-up runs.
int sleeper() {
    Ret b = call(BH_CALL_EVTCHN_BIND_VIRQ, kTimerSlot, BH_VIRQ_TIMER);
    if (!b.ok()) {
        print("sleeper: FAIL bind VIRQ_TIMER: %s", error_name(b.err));
        return 1;
    }
    auto timer_port = static_cast<bh_port_t>(b.r1);
    Ret t = call(BH_CALL_SET_TIMER, kTimerPeriod);
    if (!t.ok()) {
        print("sleeper: FAIL set_timer: %s", error_name(t.err));
        return 1;
    }
    report_ready();

    uint64_t cpu0, cpu1;
    if (!self_ticks(cpu0)) return 1;
    uint64_t now0 = call(BH_CALL_TIME).r1;
    uint32_t strays = 0;
    for (uint32_t i = 0; i < kSamples;) {
        if (wait_event() != timer_port) {  // nothing else is bound, but never count it as a tick
            ++strays;
            continue;
        }
        Ret l = call(BH_CALL_WAKE_LATENCY);
        if (!l.ok()) {
            print("sleeper: FAIL wake_latency: %s", error_name(l.err));
            return 1;
        }
        g_ticks[i] = l.r1;
        g_cycles[i] = l.r2;
        ++i;
    }
    uint64_t now1 = call(BH_CALL_TIME).r1;
    if (!self_ticks(cpu1)) return 1;
    call(BH_CALL_SET_TIMER, 0);

    sort_u64(g_ticks, kSamples);
    sort_u64(g_cycles, kSamples);
    uint64_t p99 = percentile(g_ticks, kSamples, 99);
    print("sleeper: %u wakes (%u stray events), latency ticks p50 %lu p99 %lu max %lu", kSamples,
          strays, percentile(g_ticks, kSamples, 50), p99, g_ticks[kSamples - 1]);
    uint32_t hist[4] = {};  // wakes that ran 0, 1, 2 and 3+ ticks late
    for (uint32_t i = 0; i < kSamples; ++i) ++hist[g_ticks[i] < 3 ? g_ticks[i] : 3];
    print("sleeper: wakes by ticks late: 0:%u 1:%u 2:%u 3+:%u", hist[0], hist[1], hist[2], hist[3]);
    print("sleeper: latency cycles p50 %lu p99 %lu max %lu", percentile(g_cycles, kSamples, 50),
          percentile(g_cycles, kSamples, 99), g_cycles[kSamples - 1]);
    uint64_t used = cpu1 - cpu0, elapsed = now1 - now0;
    print("sleeper: used %lu of %lu ticks (the hog had the rest)", used, elapsed);

    int rc = 0;
    if (p99 > kBoundTicks) {
        print("sleeper: FAIL wake latency p99 %lu ticks (bound %lu)", p99, kBoundTicks);
        rc = 1;
    } else {
        print("sleeper: wake latency p99 %lu ticks (bound %lu) ok", p99, kBoundTicks);
    }
    // Expected elapsed time is kSamples * kTimerPeriod ticks; far less means the timer misfired.
    if (elapsed < kSamples * kTimerPeriod / 2 || used * 2 >= elapsed) {
        print("sleeper: FAIL cpu share %lu of %lu ticks (want < 50%%, elapsed >= %lu)", used,
              elapsed, kSamples * kTimerPeriod / 2);
        rc = 1;
    }
    return rc;
}

}  // namespace

int bh_main(uint64_t, uint64_t role) {
    if (role == 0) return hog();
    if (role == 1) return sleeper();
    print("sched: FAIL unknown role %lu", role);
    return 1;
}
