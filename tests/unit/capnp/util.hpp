// Helpers shared by the capnp tests: libcapnp messages as bytes, hand-built segments, framing.
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "bh/capnp/wire.hpp"

namespace bh::capnp_test {

// libcapnp's stream framing of a built message.
inline std::vector<uint8_t> to_bytes(::capnp::MessageBuilder& mb) {
    auto words = ::capnp::messageToFlatArray(mb);
    auto b = words.asBytes();
    return std::vector<uint8_t>(b.begin(), b.end());
}

// Frames hand-written segments (each a list of 64-bit words) in the stream format.
inline std::vector<uint8_t> frame(std::initializer_list<std::vector<uint64_t>> segments) {
    std::vector<uint32_t> table{static_cast<uint32_t>(segments.size() - 1)};
    for (auto& s : segments) table.push_back(static_cast<uint32_t>(s.size()));
    if (table.size() % 2) table.push_back(0);
    std::vector<uint8_t> out(table.size() * 4);
    std::memcpy(out.data(), table.data(), out.size());
    for (auto& s : segments) {
        size_t at = out.size();
        out.resize(at + s.size() * 8);
        if (!s.empty()) std::memcpy(out.data() + at, s.data(), s.size() * 8);
    }
    return out;
}

inline uint64_t struct_ptr(int32_t offset, uint16_t data_words, uint16_t ptrs) {
    return wire::Pointer::make_struct(offset, wire::StructSize{data_words, ptrs});
}
inline uint64_t list_ptr(int32_t offset, wire::ElementSize es, uint32_t count) {
    return wire::Pointer::make_list(offset, es, count);
}
inline uint64_t far_ptr(bool double_far, uint32_t word, uint32_t segment) {
    return wire::Pointer::make_far(double_far, word, segment);
}
// Up to 8 bytes of text packed into one little-endian word.
inline uint64_t chars(const char* s) {
    uint64_t w = 0;
    std::memcpy(&w, s, std::min<size_t>(std::strlen(s), 8));
    return w;
}

// Opens and validates `bytes` as root type R; returns the error (None on success).
template <class R>
wire::Error read(wire::Message& msg, const std::vector<uint8_t>& bytes, R& out, wire::Limits lim = {}) {
    if (wire::Error e = msg.open(bytes); e != wire::Error::None) return e;
    return msg.root(out, lim);
}

}  // namespace bh::capnp_test
