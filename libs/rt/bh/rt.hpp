// The service runtime: console, exit, events — what every domain needs beside raw calls.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bh/syscall.hpp"

// Each domain defines this; it runs on the domain's own stack with the two start arguments.
int bh_main(uint64_t arg0, uint64_t arg1);

namespace bh::rt {

// Formats one line (printf subset of kernel/lib/format.hpp) and writes it to the console.
void print(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void exit(uint64_t code);
const char* error_name(uint64_t err);

uint64_t rdtsc();
bh_domid_t self_id();
// TSC cycles per microsecond, measured against the kernel's tick (spins about 100 ms).
uint64_t cycles_per_us();
// Sorts n values ascending (insertion sort: benchmark samples, a few thousand at most).
void sort_u64(uint64_t* v, uint32_t n);

// Events. Ports pending for this domain are consumed (pending bit cleared) and returned.
// wait_event blocks until at least one is pending; poll_event never blocks (0 = none).
bh_port_t poll_event();
bh_port_t wait_event();
// Blocks until `port` fires; other ports that fire meanwhile are dropped into `others`
// (a small set the caller may check with take()).
void mask(bh_port_t port, bool masked);

// Raw shared_info access for tests that inspect the pending bits themselves.
volatile uint8_t* shared_info();

// Signals the supervisor that this domain finished initialising.
void report_ready();

// A linked pair's first start argument: the peer's domid | the port (in side a's table) << 16.
struct PeerLink {
    bh_domid_t peer;
    bh_port_t port;
};
inline PeerLink peer_link(uint64_t arg0) {
    return {static_cast<bh_domid_t>(arg0 & 0xffff), static_cast<bh_port_t>(arg0 >> 16)};
}

}  // namespace bh::rt
