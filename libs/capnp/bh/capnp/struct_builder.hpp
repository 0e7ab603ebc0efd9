// Struct builders and the typed list builders the generated setters return.
#pragma once

#include <stdint.h>

#include <span>
#include <type_traits>

#include "bh/capnp/builder.hpp"

namespace bh::wire {

// A struct being written. Invariant: either data_/ptrs_ point at its allocated, zero-initialised
// sections inside the Builder's buffer, or data_ is null (allocation failed) and writes vanish.
class StructBuilder {
public:
    StructBuilder() = default;
    StructBuilder(Builder* b, uint8_t* data, uint16_t data_words, uint8_t* ptrs, uint16_t ptr_count)
        : b_(b), data_(data), data_words_(data_words), ptrs_(ptrs), ptr_count_(ptr_count) {}

    template <class T>
    void set(uint32_t index, T v) {
        if (data_ != nullptr && (uint64_t{index} + 1) * sizeof(T) <= uint64_t{data_words_} * kWordBytes)
            store<T>(data_ + uint64_t{index} * sizeof(T), v);
    }
    void set_bool(uint32_t bit, bool v) {
        if (data_ == nullptr || bit >= uint32_t{data_words_} * 64) return;
        uint8_t& byte = data_[bit / 8];
        byte = static_cast<uint8_t>(v ? byte | (1u << (bit % 8)) : byte & ~(1u << (bit % 8)));
    }
    uint8_t* pointer(uint16_t i) const {
        if (data_ == nullptr || i >= ptr_count_) return nullptr;
        return ptrs_ + uint32_t{i} * kWordBytes;
    }

    void set_text(uint16_t i, Text t) { write_blob(b_, pointer(i), t.data(), t.size(), true); }
    void set_data(uint16_t i, std::span<const uint8_t> d) {
        write_blob(b_, pointer(i), d.data(), static_cast<uint32_t>(d.size()), false);
    }
    // Room for `n` bytes of Data to be filled in place (e.g. copied out of a log ring).
    std::span<uint8_t> init_data(uint16_t i, uint32_t n) {
        uint8_t* p = write_blob(b_, pointer(i), nullptr, n, false);
        return p != nullptr ? std::span<uint8_t>(p, n) : std::span<uint8_t>();
    }
    StructBuilder init_struct(uint16_t i, StructSize size) { return make(b_, pointer(i), size); }
    ListBuilder init_list(uint16_t i, ElementSize es, uint32_t n) { return write_list(b_, pointer(i), es, n); }
    ListBuilder init_struct_list(uint16_t i, StructSize size, uint32_t n) {
        return write_struct_list(b_, pointer(i), size, n);
    }

    // Allocates a struct and points `at` to it (an empty struct gets offset -1, so that its
    // pointer is not mistaken for null).
    static StructBuilder make(Builder* b, uint8_t* at, StructSize size) {
        if (at == nullptr) return {};
        uint8_t* p = b->allocate(size.words());
        if (p == nullptr) return {};
        if (size.words() == 0) store<uint64_t>(at, Pointer::make_struct(-1, size));
        else Builder::point(at, p, Pointer::make_struct(0, size));
        return StructBuilder(b, p, size.data_words, p + uint32_t{size.data_words} * kWordBytes, size.pointers);
    }

private:
    Builder* b_ = nullptr;
    uint8_t* data_ = nullptr;
    uint16_t data_words_ = 0;
    uint8_t* ptrs_ = nullptr;
    uint16_t ptr_count_ = 0;
};

inline StructBuilder ListBuilder::struct_at(uint32_t i) const {
    if (i >= size()) return {};
    uint8_t* d = base_ + uint64_t{i} * step_bits_ / 8;
    return StructBuilder(b_, d, static_cast<uint16_t>(data_bits_ / 64), d + data_bits_ / 8, ptr_count_);
}

template <class S>
typename S::Builder Builder::init_root() {
    return typename S::Builder(StructBuilder::make(this, buf_ + kWordBytes, S::kSize));
}

// List(Bool), List(IntN), List(UIntN), List(Enum) being written.
template <class T>
class PrimitiveListBuilder {
public:
    PrimitiveListBuilder() = default;
    explicit PrimitiveListBuilder(ListBuilder l) : l_(l) {}
    uint32_t size() const { return l_.size(); }
    void set(uint32_t i, T v) {
        if constexpr (std::is_same_v<T, bool>) l_.set_bool(i, v);
        else if constexpr (std::is_enum_v<T>) l_.set<uint16_t>(i, static_cast<uint16_t>(v));
        else l_.set<T>(i, v);
    }
    static constexpr ElementSize kElementSize =
        std::is_enum_v<T> ? ElementSize::TwoBytes : element_size_of<T>();

private:
    ListBuilder l_;
};

// List(SomeStruct) being written: element i is B (the struct's generated Builder).
template <class B>
class StructListBuilder {
public:
    StructListBuilder() = default;
    explicit StructListBuilder(ListBuilder l) : l_(l) {}
    uint32_t size() const { return l_.size(); }
    B operator[](uint32_t i) const { return B(l_.struct_at(i)); }

private:
    ListBuilder l_;
};

// List(Text) and List(Data) being written.
class BlobListBuilder {
public:
    BlobListBuilder() = default;
    explicit BlobListBuilder(ListBuilder l) : l_(l) {}
    uint32_t size() const { return l_.size(); }
    void set(uint32_t i, Text t) { write_blob(l_.builder(), l_.pointer_at(i), t.data(), t.size(), true); }
    void set(uint32_t i, std::span<const uint8_t> d) {
        write_blob(l_.builder(), l_.pointer_at(i), d.data(), static_cast<uint32_t>(d.size()), false);
    }

private:
    ListBuilder l_;
};
using TextListBuilder = BlobListBuilder;
using DataListBuilder = BlobListBuilder;

}  // namespace bh::wire
