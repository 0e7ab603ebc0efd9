// Writing a single-segment message into a caller-provided buffer, with no allocation.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <span>
#include <type_traits>

#include "bh/capnp/error.hpp"
#include "bh/capnp/layout.hpp"
#include "bh/capnp/text.hpp"

namespace bh::wire {

class StructBuilder;

// Owns the bump allocation of one message in `buffer`. Word 0 is the stream segment table (one
// segment), word 1 the root pointer, objects follow. Invariant: words [0, used_) are allocated
// and were zeroed when allocated; once error_ is set it stays set, allocation returns nullptr
// and every builder holding that nullptr ignores writes, so a caller checks once, at finish().
class Builder {
public:
    explicit Builder(std::span<uint8_t> buffer)
        : buf_(buffer.data()), cap_words_(buffer.size() / kWordBytes) {
        if (cap_words_ > kMaxSegmentWords) cap_words_ = kMaxSegmentWords;
        if (allocate(2) == nullptr) error_ = Error::BufferTooSmall;
    }
    Builder(const Builder&) = delete;
    Builder& operator=(const Builder&) = delete;

    // The root struct (generated: `auto r = b.init_root<bh::control::Reply>();`).
    template <class S>
    typename S::Builder init_root();

    // The framed message: buffer bytes [0, 8 * used words). Fails with the first error met.
    [[nodiscard]] Error finish(std::span<const uint8_t>& out) {
        out = {};
        if (error_ != Error::None) return error_;
        store<uint32_t>(buf_, 0);  // segment count - 1
        store<uint32_t>(buf_ + 4, static_cast<uint32_t>(used_ - 1));
        out = std::span<const uint8_t>(buf_, used_ * kWordBytes);
        return Error::None;
    }

    Error error() const { return error_; }
    size_t used_bytes() const { return used_ * kWordBytes; }

    // `words` zeroed words, or nullptr (and a sticky error) when the buffer is full.
    uint8_t* allocate(uint64_t words) {
        if (error_ != Error::None) return nullptr;
        if (words > cap_words_ - used_) {
            error_ = Error::BufferTooSmall;
            return nullptr;
        }
        uint8_t* p = buf_ + used_ * kWordBytes;
        __builtin_memset(p, 0, words * kWordBytes);
        used_ += words;
        return p;
    }
    void fail(Error e) {
        if (error_ == Error::None) error_ = e;
    }

    // Points the pointer word at `at` to an object starting at `target` (same segment).
    static void point(uint8_t* at, const uint8_t* target, uint64_t tail) {
        int32_t off = static_cast<int32_t>((target - at) / static_cast<ptrdiff_t>(kWordBytes) - 1);
        store<uint64_t>(at, tail | (static_cast<uint64_t>(static_cast<uint32_t>(off)) << 2));
    }

private:
    uint8_t* buf_;
    uint64_t cap_words_;
    uint64_t used_ = 0;
    Error error_ = Error::None;
};

// A list being written: like ListReader, but `base` is null after a failed allocation.
class ListBuilder {
public:
    ListBuilder() = default;
    ListBuilder(Builder* b, uint8_t* base, uint32_t count, uint32_t step_bits, uint32_t data_bits,
                uint16_t ptr_count)
        : b_(b), base_(base), count_(count), step_bits_(step_bits), data_bits_(data_bits),
          ptr_count_(ptr_count) {}

    uint32_t size() const { return base_ != nullptr ? count_ : 0; }
    template <class T>
    void set(uint32_t i, T v) {
        if (i < size() && sizeof(T) * 8 <= data_bits_) store<T>(base_ + uint64_t{i} * step_bits_ / 8, v);
    }
    void set_bool(uint32_t i, bool v) {
        if (i >= size()) return;
        uint8_t& byte = base_[uint64_t{i} / 8];
        byte = static_cast<uint8_t>(v ? byte | (1u << (i % 8)) : byte & ~(1u << (i % 8)));
    }
    StructBuilder struct_at(uint32_t i) const;
    uint8_t* pointer_at(uint32_t i) const {
        if (i >= size() || ptr_count_ == 0) return nullptr;
        return base_ + uint64_t{i} * step_bits_ / 8 + data_bits_ / 8;
    }
    Builder* builder() const { return b_; }

private:
    Builder* b_ = nullptr;
    uint8_t* base_ = nullptr;
    uint32_t count_ = 0;
    uint32_t step_bits_ = 0;
    uint32_t data_bits_ = 0;
    uint16_t ptr_count_ = 0;
};

// Writes a blob (Text adds the NUL the wire format requires) and points `at` to it.
inline uint8_t* write_blob(Builder* b, uint8_t* at, const void* src, uint32_t n, bool text) {
    if (at == nullptr) return nullptr;
    uint64_t bytes = uint64_t{n} + (text ? 1 : 0);
    if (bytes > kMaxListElements) {
        b->fail(Error::TooLarge);
        return nullptr;
    }
    uint8_t* p = b->allocate((bytes + 7) / 8);
    if (p == nullptr) return nullptr;
    if (n != 0 && src != nullptr) __builtin_memcpy(p, src, n);
    Builder::point(at, p, Pointer::make_list(0, ElementSize::Byte, static_cast<uint32_t>(bytes)));
    return p;
}

// Allocates a list of `count` elements of size `es` (not InlineComposite) and points `at` to it.
inline ListBuilder write_list(Builder* b, uint8_t* at, ElementSize es, uint32_t count) {
    if (at == nullptr) return {};
    if (count > kMaxListElements) {
        b->fail(Error::TooLarge);
        return {};
    }
    uint32_t step = data_bits(es) + 64 * pointer_count(es);
    uint8_t* p = b->allocate((uint64_t{count} * step + 63) / 64);
    if (p == nullptr) return {};
    Builder::point(at, p, Pointer::make_list(0, es, count));
    return ListBuilder(b, p, count, step, data_bits(es), static_cast<uint16_t>(pointer_count(es)));
}

// Allocates an inline-composite list: tag word, then `count` structs of `size`.
inline ListBuilder write_struct_list(Builder* b, uint8_t* at, StructSize size, uint32_t count) {
    if (at == nullptr) return {};
    uint64_t words = uint64_t{count} * size.words();
    if (words > kMaxListElements || count > kMaxListElements) {
        b->fail(Error::TooLarge);
        return {};
    }
    uint8_t* p = b->allocate(words + 1);
    if (p == nullptr) return {};
    store<uint64_t>(p, Pointer::make_struct(static_cast<int32_t>(count), size));
    Builder::point(at, p, Pointer::make_list(0, ElementSize::InlineComposite, static_cast<uint32_t>(words)));
    return ListBuilder(b, p + kWordBytes, count, size.words() * 64, uint32_t{size.data_words} * 64,
                       size.pointers);
}

}  // namespace bh::wire
