// Struct and list readers: typed field access over a validated, bounds-checked region.
#pragma once

#include <stdint.h>

#include "bh/capnp/pointer.hpp"
#include "bh/capnp/text.hpp"

namespace bh::wire {

// A struct's data and pointer sections. Invariant: [data, data + data_bits/8) and
// [ptrs, ptrs + 8 * ptr_count) lie inside segment `seg` (checked when decoded). A default
// StructReader is the empty struct: every field reads as its default.
class StructReader {
public:
    StructReader() = default;
    StructReader(const Message* m, uint32_t seg, const uint8_t* data, uint32_t data_bits,
                 const uint8_t* ptrs, uint16_t ptr_count)
        : msg_(m), seg_(seg), data_(data), data_bits_(data_bits), ptrs_(ptrs), ptr_count_(ptr_count) {}

    // Field `index` counted in units of sizeof(T) (the schema's slot offset). Fields beyond the
    // sender's data section read as 0 (before the caller's XOR with the default).
    template <class T>
    T get(uint32_t index) const {
        if ((uint64_t{index} + 1) * sizeof(T) * 8 > data_bits_) return T{0};
        return load<T>(data_ + uint64_t{index} * sizeof(T));
    }
    bool get_bool(uint32_t bit) const {
        if (bit >= data_bits_) return false;
        return (data_[bit / 8] >> (bit % 8)) & 1;
    }
    PointerRef pointer(uint16_t i) const {
        if (i >= ptr_count_) return PointerRef{msg_, seg_, nullptr};
        return PointerRef{msg_, seg_, ptrs_ + uint32_t{i} * kWordBytes};
    }
    uint32_t data_bits() const { return data_bits_; }
    uint16_t pointer_count() const { return ptr_count_; }

private:
    const Message* msg_ = nullptr;
    uint32_t seg_ = 0;
    const uint8_t* data_ = nullptr;
    uint32_t data_bits_ = 0;
    const uint8_t* ptrs_ = nullptr;
    uint16_t ptr_count_ = 0;
};

// A list as libcapnp's ListReader sees it: `count` elements `step_bits` apart, each with a
// data part of `data_bits` followed by `ptr_count` pointers. Primitive, pointer and struct
// lists share this shape, which is what lets a List(UInt32) be read from a struct list after a
// schema upgrade. Invariant: count * step_bits bits from `base` lie inside segment `seg`.
class ListReader {
public:
    ListReader() = default;
    ListReader(const Message* m, uint32_t seg, const uint8_t* base, uint32_t count,
               uint32_t step_bits, uint32_t data_bits, uint16_t ptr_count)
        : msg_(m), seg_(seg), base_(base), count_(count), step_bits_(step_bits),
          data_bits_(data_bits), ptr_count_(ptr_count) {}

    uint32_t size() const { return count_; }

    template <class T>
    T get(uint32_t i) const {
        if (i >= count_ || data_bits_ < sizeof(T) * 8) return T{0};
        return load<T>(base_ + uint64_t{i} * step_bits_ / 8);
    }
    bool get_bool(uint32_t i) const {
        if (i >= count_ || data_bits_ < 1) return false;
        uint64_t bit = uint64_t{i} * step_bits_;
        return (base_[bit / 8] >> (bit % 8)) & 1;
    }
    StructReader struct_at(uint32_t i) const {
        if (i >= count_) return {};
        const uint8_t* d = base_ + uint64_t{i} * step_bits_ / 8;
        return StructReader(msg_, seg_, d, data_bits_, d + data_bits_ / 8, ptr_count_);
    }
    PointerRef pointer_at(uint32_t i) const {
        if (i >= count_ || ptr_count_ == 0) return PointerRef{msg_, seg_, nullptr};
        return PointerRef{msg_, seg_, base_ + uint64_t{i} * step_bits_ / 8 + data_bits_ / 8};
    }

private:
    const Message* msg_ = nullptr;
    uint32_t seg_ = 0;
    const uint8_t* base_ = nullptr;
    uint32_t count_ = 0;
    uint32_t step_bits_ = 0;
    uint32_t data_bits_ = 0;
    uint16_t ptr_count_ = 0;
};

// Decodes a non-null struct pointer.
inline Error read_struct(const PointerRef& ref, Budget* budget, StructReader& out) {
    Target t;
    if (Error e = resolve(ref, budget, t); e != Error::None) return e;
    if (t.tag.kind() != PointerKind::Struct) return Error::NotStruct;
    uint16_t dw = t.tag.data_words(), pc = t.tag.pointers();
    if (Error e = claim(*ref.msg, t, uint64_t{dw} + pc, budget); e != Error::None) return e;
    const uint8_t* data = ref.msg->segment(t.seg).base + t.word * kWordBytes;
    out = StructReader(ref.msg, t.seg, data, uint32_t{dw} * 64, data + uint32_t{dw} * kWordBytes, pc);
    return Error::None;
}

// Decodes a non-null Text (`text`) or Data pointer: a byte list, Text ending in NUL.
inline Error read_blob(const PointerRef& ref, bool text, Budget* budget, const uint8_t*& p,
                       uint32_t& n) {
    Target t;
    if (Error e = resolve(ref, budget, t); e != Error::None) return e;
    if (t.tag.kind() != PointerKind::List) return Error::NotList;
    if (t.tag.element_size() != ElementSize::Byte) return Error::NotBytes;
    uint32_t count = t.tag.element_count();
    if (Error e = claim(*ref.msg, t, (uint64_t{count} + 7) / 8, budget); e != Error::None) return e;
    p = ref.msg->segment(t.seg).base + t.word * kWordBytes;
    n = count;
    if (text) {
        if (count == 0 || p[count - 1] != 0) return Error::TextUnterminated;
        n = count - 1;
    }
    return Error::None;
}

// Decodes a non-null list pointer to be read as elements of size `expected` (InlineComposite
// for struct lists). The compatibility rules are libcapnp's, except that a bool list must be
// a bit list (libcapnp also reads a byte list's low bits).

inline Error read_list(const PointerRef& ref, ElementSize expected, Budget* budget,
                       ListReader& out) {
    Target t;
    if (Error e = resolve(ref, budget, t); e != Error::None) return e;
    if (t.tag.kind() != PointerKind::List) return Error::NotList;
    const Message& m = *ref.msg;
    const uint8_t* seg_base = m.segment(t.seg).base;
    ElementSize es = t.tag.element_size();
    if (es == ElementSize::InlineComposite) {
        uint32_t words = t.tag.element_count();
        if (Error e = claim(m, t, uint64_t{words} + 1, budget); e != Error::None) return e;
        Pointer tag{load<uint64_t>(seg_base + t.word * kWordBytes)};
        if (tag.kind() != PointerKind::Struct) return Error::CompositeTag;
        uint32_t count = tag.tag_count();
        uint64_t per = uint64_t{tag.data_words()} + tag.pointers();
        if (uint64_t{count} * per > words) return Error::CompositeTag;
        // Zero-sized elements cost nothing on the wire but time to walk: charge each one.
        if (per == 0 && !charge(budget, count)) return Error::TraversalLimit;
        bool fits = expected == ElementSize::InlineComposite || expected == ElementSize::Void ||
                    (expected == ElementSize::Pointer ? tag.pointers() > 0
                                                      : expected != ElementSize::Bit && tag.data_words() > 0);
        if (!fits) return Error::ElementSize;
        out = ListReader(&m, t.seg, seg_base + (t.word + 1) * kWordBytes, count,
                         static_cast<uint32_t>(per * 64), uint32_t{tag.data_words()} * 64, tag.pointers());
        return Error::None;
    }
    uint32_t bits = data_bits(es), ptrs = pointer_count(es), step = bits + 64 * ptrs;
    uint32_t count = t.tag.element_count();
    if (Error e = claim(m, t, (uint64_t{count} * step + 63) / 64, budget); e != Error::None) return e;
    if (es == ElementSize::Void && !charge(budget, count)) return Error::TraversalLimit;
    if ((es == ElementSize::Bit) != (expected == ElementSize::Bit)) return Error::ElementSize;
    if (data_bits(expected) > bits || pointer_count(expected) > ptrs) return Error::ElementSize;
    out = ListReader(&m, t.seg, seg_base + t.word * kWordBytes, count, step, bits,
                     static_cast<uint16_t>(ptrs));
    return Error::None;
}

}  // namespace bh::wire
