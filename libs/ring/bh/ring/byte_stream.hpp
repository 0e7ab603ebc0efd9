// ByteStream: one direction of a Xen byte-stream ring (xenstore, console): a buffer plus a
// consumer and a producer index in shared memory.
#pragma once

// PROTOCOL (xs_wire.h / console.h; docs/misc/xenstore-ring.txt)
// `Capacity` bytes (a power of two), indexes free-running u32 masked by Capacity - 1. The writer
// alone advances prod, the reader alone advances cons; prod - cons is the number of unread bytes,
// so 0 <= prod - cons <= Capacity. Writer: read cons (acquire: the reader is done with those
// bytes), copy bytes in, publish prod (release). Reader: read prod (acquire), copy bytes out,
// publish cons (release). Each side signals its event channel after publishing; there are no
// event indexes. The views keep no private state: both indexes are read from the page once per
// call, so a restarted service picks up where the page says. The peer can write anything, so a
// claim of more than Capacity unread bytes is reported (RingError::StreamIndex) and no byte moves;
// Linux resets such a ring, which the owner may do too (reset()).

#include <stdint.h>

#include "bh/ring/ring_error.hpp"
#include "bh/ring/shared_access.hpp"

namespace bh::ring {

// Bytes moved by one call, or the protocol error that stopped it (then bytes == 0).
struct StreamResult {
    uint32_t bytes;
    RingError error;
};

// Invariant: buf_ has Capacity bytes; cons_/prod_ point into the same shared page.
template <uint32_t Capacity>
class ByteStream {
    static_assert(Capacity != 0 && (Capacity & (Capacity - 1)) == 0, "mask needs a power of two");

public:
    ByteStream(char* buf, RingIndex& cons, RingIndex& prod) : buf_(buf), cons_(&cons), prod_(&prod) {}

    // Writer side: copy as much of data[0, len) as fits, publish it.
    StreamResult write(const void* data, uint32_t len) {
        RingIndex cons = load_acquire(*cons_);
        RingIndex prod = __atomic_load_n(prod_, __ATOMIC_RELAXED);
        RingIndex used = prod - cons;
        if (used > Capacity) return {0, RingError::StreamIndex};
        uint32_t n = min(len, Capacity - used);
        copy_in(prod, static_cast<const uint8_t*>(data), n);
        store_release(*prod_, prod + n);
        return {n, RingError::None};
    }

    // Reader side: copy up to `len` unread bytes to out, release their space.
    StreamResult read(void* out, uint32_t len) {
        RingIndex prod = load_acquire(*prod_);
        RingIndex cons = __atomic_load_n(cons_, __ATOMIC_RELAXED);
        RingIndex avail = prod - cons;
        if (avail > Capacity) return {0, RingError::StreamIndex};
        uint32_t n = min(len, avail);
        copy_out(cons, static_cast<uint8_t*>(out), n);
        store_release(*cons_, cons + n);
        return {n, RingError::None};
    }

    // Unread bytes as the page claims them (may exceed Capacity if the peer is hostile).
    RingIndex unread() const { return load_acquire(*prod_) - load_acquire(*cons_); }

    // Both indexes to 0: what Linux does with a ring whose indexes are out of range.
    void reset() {
        store_release(*cons_, 0);
        store_release(*prod_, 0);
    }

private:
    static uint32_t min(uint32_t a, uint32_t b) { return a < b ? a : b; }

    // At most two pieces: up to the end of the buffer, then from its start.
    void copy_in(RingIndex at, const uint8_t* src, uint32_t n) {
        uint32_t off = at & (Capacity - 1);
        uint32_t first = min(n, Capacity - off);
        __builtin_memcpy(buf_ + off, src, first);
        __builtin_memcpy(buf_, src + first, n - first);
    }

    void copy_out(RingIndex at, uint8_t* dst, uint32_t n) {
        uint32_t off = at & (Capacity - 1);
        uint32_t first = min(n, Capacity - off);
        __builtin_memcpy(dst, buf_ + off, first);
        __builtin_memcpy(dst + first, buf_, n - first);
        __asm__ __volatile__("" ::: "memory");  // only the copy is looked at afterwards
    }

    char* buf_;
    RingIndex* cons_;
    RingIndex* prod_;
};

}  // namespace bh::ring
