// ConsoleRingPage: the PV console page (console.h `struct xencons_interface`) and its two stream
// views. Reference: xen-pvh-guest-abi.md §7.3.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bh/ring/byte_stream.hpp"

namespace bh::ring {

inline constexpr uint32_t kConsoleInSize = 1024;
inline constexpr uint32_t kConsoleOutSize = 2048;

// in[] carries keyboard input to the guest, out[] the guest's output to the console server.
struct ConsoleRingPage {
    char in[kConsoleInSize];
    char out[kConsoleOutSize];
    RingIndex in_cons;
    RingIndex in_prod;
    RingIndex out_cons;
    RingIndex out_prod;
    uint8_t connection;  // newer Xen; ignored by Linux 6.1, absent from older headers
};
static_assert(offsetof(ConsoleRingPage, in) == 0);
static_assert(offsetof(ConsoleRingPage, out) == 1024);
static_assert(offsetof(ConsoleRingPage, in_cons) == 3072);
static_assert(offsetof(ConsoleRingPage, in_prod) == 3076);
static_assert(offsetof(ConsoleRingPage, out_cons) == 3080);
static_assert(offsetof(ConsoleRingPage, out_prod) == 3084);
static_assert(offsetof(ConsoleRingPage, connection) == 3088);

// Server writes / guest reads input; guest writes / server reads output.
inline ByteStream<kConsoleInSize> console_input(ConsoleRingPage& p) {
    return ByteStream<kConsoleInSize>(p.in, p.in_cons, p.in_prod);
}
inline ByteStream<kConsoleOutSize> console_output(ConsoleRingPage& p) {
    return ByteStream<kConsoleOutSize>(p.out, p.out_cons, p.out_prod);
}

}  // namespace bh::ring
