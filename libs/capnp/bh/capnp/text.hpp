// Text and Data as the readers hand them out: bounded views into the message, never copies.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <span>
#include <string_view>

namespace bh::wire {

// A bounded character view (the NUL terminator is checked, then excluded from size()).
// Invariant: [data(), data() + size()) is readable for as long as the message is.
class Text {
public:
    constexpr Text() = default;
    constexpr Text(const char* p, uint32_t n) : p_(p), n_(n) {}
    // A NUL-terminated string (literals, describe()): measured here, without libc's strlen.
    constexpr Text(const char* cstr) : p_(cstr) {  // NOLINT: implicit, like std::string_view
        while (p_[n_] != '\0') ++n_;
    }
    constexpr Text(std::string_view v) : p_(v.data()), n_(static_cast<uint32_t>(v.size())) {}

    constexpr const char* data() const { return p_; }
    constexpr uint32_t size() const { return n_; }
    constexpr bool empty() const { return n_ == 0; }
    constexpr const char* begin() const { return p_; }
    constexpr const char* end() const { return p_ + n_; }
    // Out-of-range reads give '\0' rather than reading past the view.
    constexpr char operator[](uint32_t i) const { return i < n_ ? p_[i] : '\0'; }
    constexpr std::string_view view() const { return {p_, n_}; }

    friend constexpr bool operator==(Text a, Text b) {
        if (a.n_ != b.n_) return false;
        for (uint32_t i = 0; i < a.n_; ++i)
            if (a.p_[i] != b.p_[i]) return false;
        return true;
    }

private:
    const char* p_ = "";
    uint32_t n_ = 0;
};

using Data = std::span<const uint8_t>;

}  // namespace bh::wire
