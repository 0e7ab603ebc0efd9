// Shared pieces of bench-ring: the 64-byte message, the doorbell standing in for an event
// channel, and the figures one variant reports.
#pragma once

#include <stdint.h>

#include <atomic>

namespace bench {

// 64 bytes: a sequence number, payload derived from it, and a checksum both ends verify.
struct Msg {
    uint64_t seq;
    uint64_t words[6];
    uint64_t sum;
};
static_assert(sizeof(Msg) == 64);

inline void fill(Msg& m, uint64_t seq) {
    m.seq = seq;
    uint64_t x = seq * 0x9e3779b97f4a7c15ull, sum = seq;
    for (uint64_t& w : m.words) {
        x ^= x >> 29;
        w = x;
        sum += x;
    }
    m.sum = sum;
}

inline bool valid(const Msg& m, uint64_t seq) {
    uint64_t sum = m.seq;
    for (uint64_t w : m.words) sum += w;
    return m.seq == seq && sum == m.sum;
}

inline void cpu_relax() { __builtin_ia32_pause(); }

// An event channel between two threads: ring() is EVTCHNOP_send, wait(seen) blocks until a
// ring() after the value `seen` was read (a futex, through std::atomic::wait).
class Doorbell {
public:
    uint32_t value() const { return count_.load(std::memory_order_acquire); }
    void ring() {
        count_.fetch_add(1, std::memory_order_release);
        count_.notify_one();
    }
    void wait(uint32_t seen) const { count_.wait(seen, std::memory_order_acquire); }

private:
    std::atomic<uint32_t> count_{0};
};

// One streaming run: elapsed time, notifications sent both ways, messages that failed checks.
struct StreamFigures {
    double seconds;
    uint64_t notifies;
    uint64_t bad;
};

struct Variant {
    const char* name;
    StreamFigures (*stream)(uint64_t n);
    double (*rtt_seconds)(uint64_t n);  // total time for n round trips
};

Variant ours_variant();
Variant xen_variant();
Variant spsc_variant();

// Pin the calling thread to one CPU (best effort: fine if it fails).
void pin_to_cpu(int cpu);

}  // namespace bench
