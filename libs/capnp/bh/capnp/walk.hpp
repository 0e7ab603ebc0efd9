// The validation pass: follows every pointer a schema reaches, within a budget and a depth.
#pragma once

#include <stdint.h>

#include "bh/capnp/lists.hpp"

namespace bh::wire {

// One pass over a message, driven by the generated `S::check(walk, struct, depth)` functions.
// `depth` is libcapnp's nesting limit: following a struct or list pointer needs depth > 0 and
// hands depth - 1 to what it reaches (a struct list's elements cost one more level), so the
// pass recurses at most `Limits::depth` frames even through a pointer cycle. Every visited word
// is charged to the budget, so overlapping pointers cannot make a small message expensive.
// Invariant: after the first failure `fault` names it and the pass returns it unchanged.
class Walk {
public:
    explicit Walk(uint64_t budget_words) { budget_.words = budget_words; }

    Error text(const PointerRef& ref) { return blob(ref, true); }
    Error data(const PointerRef& ref) { return blob(ref, false); }

    template <class S>
    Error structure(const PointerRef& ref, uint32_t depth) {
        if (ref.is_null()) return Error::None;
        if (depth == 0) return fail(Error::DepthLimit, ref);
        StructReader s;
        if (Error e = read_struct(ref, &budget_, s); e != Error::None) return fail(e, ref);
        return S::check(*this, s, depth - 1);
    }

    // List of primitives (bool, integers, enums).
    Error list(const PointerRef& ref, ElementSize expected, uint32_t depth) {
        ListReader l;
        return open_list(ref, expected, depth, l);
    }

    template <class S>
    Error struct_list(const PointerRef& ref, uint32_t depth) {
        ListReader l;
        if (Error e = open_list(ref, ElementSize::InlineComposite, depth, l); e != Error::None) return e;
        if (l.size() != 0 && depth <= 1) return fail(Error::DepthLimit, ref);
        for (uint32_t i = 0; i < l.size(); ++i)
            if (Error e = S::check(*this, l.struct_at(i), depth - 2); e != Error::None) return e;
        return Error::None;
    }

    // List(Text) and List(Data).
    Error blob_list(const PointerRef& ref, bool text, uint32_t depth) {
        ListReader l;
        if (Error e = open_list(ref, ElementSize::Pointer, depth, l); e != Error::None) return e;
        for (uint32_t i = 0; i < l.size(); ++i)
            if (Error e = blob(l.pointer_at(i), text); e != Error::None) return e;
        return Error::None;
    }

    const Fault& fault() const { return fault_; }
    uint64_t budget_left() const { return budget_.words; }
    Budget* budget() { return &budget_; }

    Error fail(Error e, const PointerRef& ref) {
        fault_ = Fault{e, ref.seg, ref.at != nullptr ? ref.word() : 0};
        return e;
    }

private:
    Error blob(const PointerRef& ref, bool text) {
        if (ref.is_null()) return Error::None;
        const uint8_t* p = nullptr;
        uint32_t n = 0;
        if (Error e = read_blob(ref, text, &budget_, p, n); e != Error::None) return fail(e, ref);
        return Error::None;
    }

    Error open_list(const PointerRef& ref, ElementSize expected, uint32_t depth, ListReader& l) {
        if (ref.is_null()) return Error::None;
        if (depth == 0) return fail(Error::DepthLimit, ref);
        if (Error e = read_list(ref, expected, &budget_, l); e != Error::None) return fail(e, ref);
        return Error::None;
    }

    Budget budget_;
    Fault fault_;
};

template <class R>
Error Message::root(R& out, Limits limits) {
    out = R();
    if (count_ == 0 || segs_[0].words == 0) return fail(Error::NoRoot, 0, 0);
    uint64_t budget = limits.traversal_words != 0 ? limits.traversal_words : 8 * total_words_ + 64;
    Walk walk(budget);
    PointerRef ref{this, 0, segs_[0].base};
    if (!walk.budget()->charge(1)) return fail(Error::TraversalLimit, 0, 0);  // the root pointer
    if (ref.is_null()) return Error::None;  // an empty root: every field at its default
    StructReader s;
    Error e = limits.depth == 0 ? walk.fail(Error::DepthLimit, ref) : read_struct(ref, walk.budget(), s);
    if (e != Error::None) return fail(e, 0, 0);
    e = R::Schema::check(walk, s, limits.depth - 1);
    if (e != Error::None) {
        fault_ = walk.fault();
        return e;
    }
    out = R(s);
    return Error::None;
}

}  // namespace bh::wire
