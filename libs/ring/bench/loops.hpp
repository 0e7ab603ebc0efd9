// The two measured loops, generic over a ring adapter so every variant runs the same code.
//
// Adapter Front: Msg* next_request(); bool push(); bool take_response(Msg&); bool final_check();
// Adapter Back:  bool take_request(Msg&); Msg* next_response(); bool push(); bool final_check();
// push() returns "notify the peer"; final_check() returns "there may be work, do not sleep".
#pragma once

#include <chrono>
#include <thread>

#include "bench.hpp"

namespace bench {

inline constexpr int kSpinBeforeSleep = 2000;  // polls of an empty ring before the final check

// Spin a while, then final-check and sleep on the doorbell: what a backend's event loop does.
template <class Side>
void idle(Side& side, Doorbell& bell, int& polls, uint64_t& sleeps) {
    if (++polls < kSpinBeforeSleep) {
        cpu_relax();
        return;
    }
    polls = 0;
    uint32_t seen = bell.value();  // read before the check: a later ring() ends the wait
    if (!side.final_check()) {
        ++sleeps;
        bell.wait(seen);
    }
}

// Front streams n requests, back answers each; both verify checksums.
template <class Front, class Back>
StreamFigures stream(Front& front, Back& back, uint64_t n) {
    Doorbell to_back, to_front;
    uint64_t back_notifies = 0, back_bad = 0, sleeps = 0;
    std::thread backend([&] {
        pin_to_cpu(1);
        int polls = 0;
        uint64_t sleeps_b = 0;
        for (uint64_t done = 0; done < n;) {
            Msg m;
            bool any = false;
            while (back.take_request(m)) {
                if (!valid(m, done)) ++back_bad;
                fill(*back.next_response(), m.seq);
                ++done;
                any = true;
            }
            if (any) {
                if (back.push()) {
                    ++back_notifies;
                    to_front.ring();
                }
                polls = 0;
            } else {
                idle(back, to_back, polls, sleeps_b);
            }
        }
    });
    pin_to_cpu(0);
    uint64_t notifies = 0, bad = 0;
    int polls = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t sent = 0, got = 0; got < n;) {
        bool progress = false;
        Msg* slot;
        while (sent < n && (slot = front.next_request()) != nullptr) fill(*slot, sent++), progress = true;
        if (progress && front.push()) {
            ++notifies;
            to_back.ring();
        }
        Msg r;
        while (front.take_response(r)) {
            if (!valid(r, got)) ++bad;
            ++got;
            progress = true;
        }
        if (progress)
            polls = 0;
        else
            idle(front, to_front, polls, sleeps);
    }
    auto t1 = std::chrono::steady_clock::now();
    backend.join();
    return {std::chrono::duration<double>(t1 - t0).count(), notifies + back_notifies, bad + back_bad};
}

// One request in flight at a time, both sides polling: the round-trip latency.
template <class Front, class Back>
double ping_pong(Front& front, Back& back, uint64_t n) {
    std::thread backend([&] {
        pin_to_cpu(1);
        Msg m;
        for (uint64_t i = 0; i < n; ++i) {
            while (!back.take_request(m)) cpu_relax();
            *back.next_response() = m;
            (void)back.push();
        }
    });
    pin_to_cpu(0);
    auto t0 = std::chrono::steady_clock::now();
    Msg r;
    for (uint64_t i = 0; i < n; ++i) {
        fill(*front.next_request(), i);
        (void)front.push();
        while (!front.take_response(r)) cpu_relax();
    }
    auto t1 = std::chrono::steady_clock::now();
    backend.join();
    return std::chrono::duration<double>(t1 - t0).count();
}

// A variant's two measurements from its Rig: a type whose static run(f) sets up a front/back
// pair, returns f(front, back) and tears the pair down.
template <class Rig>
Variant make_variant(const char* name) {
    return {name,
            [](uint64_t n) { return Rig::run([n](auto& f, auto& b) { return stream(f, b, n); }); },
            [](uint64_t n) { return Rig::run([n](auto& f, auto& b) { return ping_pong(f, b, n); }); }};
}

}  // namespace bench
