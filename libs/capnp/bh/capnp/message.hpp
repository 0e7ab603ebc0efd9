// A received Cap'n Proto message: the stream framing split into bounds-known segments.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <span>

#include "bh/capnp/error.hpp"
#include "bh/capnp/layout.hpp"

namespace bh::wire {

// More segments than this are refused. libcapnp's builders double each new segment, so a
// message needs ~log2(size) segments; 32 covers anything the system exchanges and keeps a
// Message small enough for a service's stack (32 x 16 bytes).
inline constexpr uint32_t kMaxSegments = 32;

struct Segment {
    const uint8_t* base = nullptr;
    uint32_t words = 0;
};

// Validation limits, as libcapnp's ReaderOptions. traversal_words = 0 picks 8 x the message's
// size (+64): enough to read each word several times, far too little for an amplification
// attack built from overlapping pointers. depth bounds both recursion and pointer cycles.
struct Limits {
    uint64_t traversal_words = 0;
    uint32_t depth = 32;
};

// Framing (stream format): u32 segment count - 1, u32 size in words of each segment, padding to
// a word, then the segments back to back.
class Message {
public:
    Message() = default;
    Message(const Message&) = delete;  // readers point back at it
    Message& operator=(const Message&) = delete;

    // How many bytes the framed message at the start of `bytes` occupies. Truncated when
    // `bytes` does not yet hold the segment table or the segments (read more and ask again).
    [[nodiscard]] static Error frame_size(std::span<const uint8_t> bytes, size_t& size);

    // Splits `bytes`, which must hold exactly one framed message, into segments. `bytes` must
    // outlive the Message and every reader taken from it.
    [[nodiscard]] Error open(std::span<const uint8_t> bytes);

    // Reads and validates the root struct as `R` (a generated Reader): decodes every pointer the
    // schema reaches within `limits` and only then hands out `out`, so later getters never see
    // a malformed pointer along the schema's paths. Defined in walk.hpp.
    template <class R>
    [[nodiscard]] Error root(R& out, Limits limits = {});

    uint32_t segment_count() const { return count_; }
    const Segment& segment(uint32_t i) const { return segs_[i]; }
    uint64_t total_words() const { return total_words_; }
    // Where open() or root() last failed.
    const Fault& fault() const { return fault_; }

private:
    Error fail(Error e, uint32_t seg, uint32_t word) {
        fault_ = Fault{e, seg, word};
        return e;
    }

    Segment segs_[kMaxSegments];
    uint32_t count_ = 0;
    uint64_t total_words_ = 0;
    Fault fault_;
};

inline Error Message::frame_size(std::span<const uint8_t> bytes, size_t& size) {
    if (bytes.size() < 4) return Error::Truncated;
    uint64_t count = uint64_t{load<uint32_t>(bytes.data())} + 1;
    if (count > kMaxSegments) return Error::SegmentCount;
    uint64_t table_words = (count + 2) / 2;  // 4 bytes for the count + 4 per segment, rounded up
    if (bytes.size() < table_words * kWordBytes) return Error::Truncated;
    uint64_t words = table_words;
    for (uint64_t i = 0; i < count; ++i) words += load<uint32_t>(bytes.data() + 4 + 4 * i);
    if (bytes.size() < words * kWordBytes) return Error::Truncated;
    size = static_cast<size_t>(words * kWordBytes);
    return Error::None;
}

inline Error Message::open(std::span<const uint8_t> bytes) {
    count_ = 0;
    total_words_ = 0;
    fault_ = {};
    size_t size = 0;
    if (Error e = frame_size(bytes, size); e != Error::None) return fail(e, 0, 0);
    if (size != bytes.size()) return fail(Error::TrailingBytes, 0, static_cast<uint32_t>(size / 8));
    uint32_t count = load<uint32_t>(bytes.data()) + 1;
    const uint8_t* at = bytes.data() + (count + 2) / 2 * kWordBytes;
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t words = load<uint32_t>(bytes.data() + 4 + 4 * i);
        segs_[i] = Segment{at, words};
        at += uint64_t{words} * kWordBytes;
        total_words_ += words;
    }
    count_ = count;
    return Error::None;
}

}  // namespace bh::wire
