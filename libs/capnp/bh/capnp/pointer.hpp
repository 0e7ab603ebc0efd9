// Following one pointer: far-pointer resolution and the bounds check of its target.
#pragma once

#include <stdint.h>

#include "bh/capnp/message.hpp"

namespace bh::wire {

// Where a pointer word lives. `at == nullptr` stands for a pointer slot beyond what the sender
// wrote (an older schema): it reads as null, as the spec requires.
struct PointerRef {
    const Message* msg = nullptr;
    uint32_t seg = 0;
    const uint8_t* at = nullptr;

    bool is_null() const { return at == nullptr || load<uint64_t>(at) == 0; }
    uint32_t word() const {
        return static_cast<uint32_t>((at - msg->segment(seg).base) / kWordBytes);
    }
};

// Words a validation pass may still visit. Getters pass no budget: they only run after
// Message::root validated every path they can take.
struct Budget {
    uint64_t words = 0;

    bool charge(uint64_t n) {
        if (n > words) return false;
        words -= n;
        return true;
    }
};

inline bool charge(Budget* b, uint64_t n) { return b == nullptr || b->charge(n); }

// A resolved pointer: the word describing the object (the pointer itself, a far landing pad or
// a double-far tag) and where the object's content starts.
struct Target {
    Pointer tag{0};
    uint32_t seg = 0;
    uint64_t word = 0;  // <= the segment's size; the object's own size is checked by the caller
};

// Object position of a struct/list pointer stored at word `at` of `seg`.
inline Error positional_target(const Segment& seg, uint64_t at, Pointer p, uint64_t& word) {
    int64_t w = static_cast<int64_t>(at) + 1 + p.offset();
    if (w < 0 || static_cast<uint64_t>(w) > seg.words) return Error::OutOfBounds;
    word = static_cast<uint64_t>(w);
    return Error::None;
}

// Follows a non-null pointer through at most one far hop (single far: the landing pad is the
// object's pointer; double far: the pad is a far pointer to the content plus a tag word).
inline Error resolve(const PointerRef& ref, Budget* budget, Target& t) {
    const Message& m = *ref.msg;
    Pointer p{load<uint64_t>(ref.at)};
    if (p.kind() != PointerKind::Far) {
        t.tag = p;
        t.seg = ref.seg;
        return positional_target(m.segment(ref.seg), ref.word(), p, t.word);
    }
    if (p.far_segment() >= m.segment_count()) return Error::FarSegment;
    const Segment& pad_seg = m.segment(p.far_segment());
    uint32_t pad_words = p.double_far() ? 2 : 1;
    if (uint64_t{p.far_word()} + pad_words > pad_seg.words) return Error::OutOfBounds;
    if (!charge(budget, pad_words)) return Error::TraversalLimit;
    Pointer pad{load<uint64_t>(pad_seg.base + uint64_t{p.far_word()} * kWordBytes)};
    if (!p.double_far()) {
        t.tag = pad;
        t.seg = p.far_segment();
        if (pad.kind() == PointerKind::Far) return Error::FarPad;  // no chains of far hops
        return positional_target(pad_seg, p.far_word(), pad, t.word);
    }
    if (pad.far_segment() >= m.segment_count()) return Error::FarSegment;
    if (pad.kind() != PointerKind::Far) return Error::FarPad;
    t.tag = Pointer{load<uint64_t>(pad_seg.base + (uint64_t{p.far_word()} + 1) * kWordBytes)};
    t.seg = pad.far_segment();
    t.word = pad.far_word();
    if (t.word > m.segment(t.seg).words) return Error::OutOfBounds;
    return Error::None;
}

// Whether `words` words from `t` lie inside t's segment, charging them to the budget.
inline Error claim(const Message& m, const Target& t, uint64_t words, Budget* budget) {
    if (t.word + words > m.segment(t.seg).words) return Error::OutOfBounds;
    if (!charge(budget, words)) return Error::TraversalLimit;
    return Error::None;
}

}  // namespace bh::wire
