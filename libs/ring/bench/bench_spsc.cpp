// bench-ring: the baseline, two plain single-producer/single-consumer queues (requests one way,
// responses the other) with the same 32 slots as a one-page ring of 64-byte entries. No event
// indexes: final_check() always says "maybe work", so both sides poll.
#include <stdint.h>

#include <atomic>

#include "loops.hpp"

namespace bench {
namespace {

constexpr uint32_t kSlots = 32;

// Invariant: head <= tail <= head + kSlots; the producer owns tail, the consumer head; each on
// its own cache line so the two sides do not write the same line.
struct Queue {
    alignas(64) std::atomic<uint32_t> head{0};
    alignas(64) std::atomic<uint32_t> tail{0};
    alignas(64) Msg slots[kSlots];
};

// Producer end: slots claimed privately, published by push().
struct Producer {
    Queue* q;
    uint32_t tail = 0;
    Msg* claim() {
        if (tail - q->head.load(std::memory_order_acquire) == kSlots) return nullptr;
        return &q->slots[tail++ % kSlots];
    }
    void publish() { q->tail.store(tail, std::memory_order_release); }
};

struct Consumer {
    Queue* q;
    uint32_t head = 0;
    bool take(Msg& m) {
        if (head == q->tail.load(std::memory_order_acquire)) return false;
        m = q->slots[head % kSlots];
        q->head.store(++head, std::memory_order_release);
        return true;
    }
};

struct alignas(64) Front {  // own cache line: the two ends run on different CPUs
    Producer req;
    Consumer rsp;
    uint64_t sent = 0, got = 0;  // at most kSlots in flight, as on a ring
    Msg* next_request() {
        if (sent - got == kSlots) return nullptr;
        Msg* m = req.claim();
        if (m != nullptr) ++sent;
        return m;
    }
    bool push() {
        req.publish();
        return false;
    }
    bool take_response(Msg& m) {
        if (!rsp.take(m)) return false;
        ++got;
        return true;
    }
    bool final_check() { return true; }
};

struct alignas(64) Back {
    Consumer req;
    Producer rsp;
    bool take_request(Msg& m) { return req.take(m); }
    Msg* next_response() { return rsp.claim(); }
    bool push() {
        rsp.publish();
        return false;
    }
    bool final_check() { return true; }
};

struct Rig {
    template <class F>
    static auto run(F f) {
        auto* reqs = new Queue;
        auto* rsps = new Queue;
        Front front{{reqs}, {rsps}};
        Back back{{reqs}, {rsps}};
        auto result = f(front, back);
        delete reqs;
        delete rsps;
        return result;
    }
};

}  // namespace

Variant spsc_variant() { return make_variant<Rig>("spsc"); }

}  // namespace bench
