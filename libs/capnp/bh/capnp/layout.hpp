// Cap'n Proto pointer words and element sizes (capnproto.org/encoding.html), decode and encode.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bit>
#include <type_traits>

namespace bh::wire {

static_assert(std::endian::native == std::endian::little,
              "the wire format is little-endian; loads below assume the host is too");

// Messages may sit at any byte alignment (a chardev buffer, an initrd member), so every access
// goes through memcpy, which the compiler turns into a plain load.
template <class T>
inline T load(const uint8_t* p) {
    T v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
template <class T>
inline void store(uint8_t* p, T v) {
    __builtin_memcpy(p, &v, sizeof v);
}

inline constexpr uint32_t kWordBytes = 8;

// List element size, bits 32..34 of a list pointer.
enum class ElementSize : uint8_t {
    Void = 0,
    Bit = 1,
    Byte = 2,
    TwoBytes = 3,
    FourBytes = 4,
    EightBytes = 5,
    Pointer = 6,
    InlineComposite = 7,
};

constexpr uint32_t data_bits(ElementSize s) {
    constexpr uint32_t bits[8] = {0, 1, 8, 16, 32, 64, 0, 0};
    return bits[static_cast<uint8_t>(s)];
}
constexpr uint32_t pointer_count(ElementSize s) { return s == ElementSize::Pointer ? 1 : 0; }

// The element size a list of primitive T is written with.
template <class T>
constexpr ElementSize element_size_of() {
    if constexpr (std::is_same_v<T, bool>) return ElementSize::Bit;
    else if constexpr (sizeof(T) == 1) return ElementSize::Byte;
    else if constexpr (sizeof(T) == 2) return ElementSize::TwoBytes;
    else if constexpr (sizeof(T) == 4) return ElementSize::FourBytes;
    else return ElementSize::EightBytes;
}

// A struct's size as its pointers encode it.
struct StructSize {
    uint16_t data_words;
    uint16_t pointers;
    constexpr uint32_t words() const { return uint32_t{data_words} + pointers; }
};

enum class PointerKind : uint8_t { Struct = 0, List = 1, Far = 2, Other = 3 };

// One 64-bit pointer word. Field names follow the encoding spec: A = kind (bits 0-1),
// B = offset or far landing pad (bits 2-31 / 3-31), C and D the upper half.
struct Pointer {
    uint64_t w;

    constexpr bool is_null() const { return w == 0; }
    constexpr PointerKind kind() const { return static_cast<PointerKind>(w & 3); }
    // Signed word offset from the end of the pointer to the object (struct and list).
    constexpr int32_t offset() const { return static_cast<int32_t>(static_cast<uint32_t>(w)) >> 2; }
    constexpr uint16_t data_words() const { return static_cast<uint16_t>(w >> 32); }
    constexpr uint16_t pointers() const { return static_cast<uint16_t>(w >> 48); }
    constexpr ElementSize element_size() const { return static_cast<ElementSize>((w >> 32) & 7); }
    // Elements, or for inline-composite lists the words after the tag.
    constexpr uint32_t element_count() const { return static_cast<uint32_t>(w >> 35); }
    // An inline-composite tag keeps its element count where a struct keeps its offset.
    constexpr uint32_t tag_count() const { return static_cast<uint32_t>(w) >> 2; }
    constexpr bool double_far() const { return (w >> 2) & 1; }
    constexpr uint32_t far_word() const { return static_cast<uint32_t>(w) >> 3; }
    constexpr uint32_t far_segment() const { return static_cast<uint32_t>(w >> 32); }

    static constexpr uint64_t make_struct(int32_t off, StructSize s) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(off) << 2)) |
               (static_cast<uint64_t>(s.data_words) << 32) | (static_cast<uint64_t>(s.pointers) << 48);
    }
    static constexpr uint64_t make_list(int32_t off, ElementSize es, uint32_t count) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(off) << 2)) | 1u |
               (static_cast<uint64_t>(static_cast<uint8_t>(es)) << 32) |
               (static_cast<uint64_t>(count) << 35);
    }
    static constexpr uint64_t make_far(bool double_far, uint32_t word, uint32_t segment) {
        return 2u | (double_far ? 4u : 0u) | (static_cast<uint64_t>(word) << 3) |
               (static_cast<uint64_t>(segment) << 32);
    }
};

// Largest element count (29 bits) and struct-list word count a list pointer can carry.
inline constexpr uint32_t kMaxListElements = (1u << 29) - 1;
// Offsets are 30-bit signed words, so one segment this builder writes is at most 2^29 words.
inline constexpr uint64_t kMaxSegmentWords = 1u << 29;

}  // namespace bh::wire
