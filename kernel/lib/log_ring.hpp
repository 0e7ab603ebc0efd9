// LogRing: the last N bytes written, addressed by a free-running 32-bit offset.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bit>
#include <span>

namespace bh {

// Writers append; readers never consume, each keeps its own offset into the stream of every
// byte ever written (the kernel log, a domain's console). Offsets count modulo 2^32.
//
// Invariants: size is 0 (no storage: writes are dropped, reads find nothing) or a power of
// two, so `offset & (size - 1)` names the same byte before and after the counter wraps;
// held <= size; the bytes held are exactly [end - held, end).
//
// A read at `offset` is classified by how far it lies behind end, modulo 2^32 (serial-number
// arithmetic): within `held` it is in the ring; up to 2^31 behind it is older than the ring
// and starts at the oldest byte still held; anything else is in the future and finds nothing
// (its window starts at end). A reader sees bytes it lost as window.start != offset.
class LogRing {
public:
    static constexpr bool size_ok(uint32_t size) { return size == 0 || std::has_single_bit(size); }

    // A window: `count` bytes held from offset `start`; the next read starts at start + count.
    struct Window {
        uint32_t start;
        uint32_t count;
        uint32_t next() const { return start + count; }
    };

    constexpr LogRing() = default;
    // `first` is the offset of the first byte written (tests start near 2^32 to cross the wrap).
    constexpr LogRing(uint8_t* storage, uint32_t size, uint32_t first = 0)
        : buf_(size_ok(size) ? storage : nullptr), size_(size_ok(size) ? size : 0), end_(first) {}

    void write(const void* bytes, size_t n);
    // The bytes a read of up to `len` at `offset` returns (see the class comment).
    Window window(uint32_t offset, uint32_t len) const;
    // A window's bytes as at most two contiguous pieces (0: up to the ring's end, 1: the rest).
    std::span<const uint8_t> piece(const Window& w, unsigned i) const;

    uint32_t end() const { return end_; }
    uint32_t oldest() const { return end_ - held_; }
    uint32_t held() const { return held_; }
    uint32_t size() const { return size_; }
    uint8_t* storage() const { return buf_; }

private:
    uint8_t* buf_ = nullptr;
    uint32_t size_ = 0;
    uint32_t end_ = 0;
    uint32_t held_ = 0;
};

}  // namespace bh
