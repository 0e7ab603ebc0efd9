// Bytes: an owned, growable byte string (may hold NULs) whose growth reports failure.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string_view>

#include "bh/ds/vec.hpp"

namespace bh::ds {

// Invariant: the bytes are exactly buf_[0, size()); no terminator is kept, so a value may
// contain NULs. Compared and printed through view().
class Bytes {
public:
    Bytes() = default;
    Bytes(Bytes&&) noexcept = default;
    Bytes& operator=(Bytes&&) noexcept = default;

    size_t size() const { return buf_.size(); }
    bool empty() const { return buf_.empty(); }
    char* data() { return buf_.data(); }
    const char* data() const { return buf_.data(); }
    const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(buf_.data()); }
    std::string_view view() const { return {buf_.data(), buf_.size()}; }
    char operator[](size_t i) const { return buf_[i]; }
    bool operator==(std::string_view s) const { return view() == s; }

    [[nodiscard]] bool reserve(size_t n) { return buf_.reserve(n); }
    // Room for n bytes in total, growing geometrically (for queues that keep appending).
    [[nodiscard]] bool grow_for(size_t n) { return buf_.grow_for(n); }
    [[nodiscard]] bool append(const void* p, size_t n) {
        if (n == 0) return true;
        size_t old = buf_.size();
        if (old + n < old || !buf_.grow_for(old + n) || !buf_.resize(old + n)) return false;
        __builtin_memcpy(buf_.data() + old, p, n);
        return true;
    }
    [[nodiscard]] bool append(std::string_view s) { return append(s.data(), s.size()); }
    [[nodiscard]] bool push_back(char c) { return buf_.push_back(c); }
    // Appends the decimal digits of v.
    [[nodiscard]] bool append_uint(uint64_t v) {
        char tmp[20];
        size_t n = 0;
        do {
            tmp[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        char out[20];
        for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
        return append(out, n);
    }
    // Replaces the contents; on failure the old contents stay.
    [[nodiscard]] bool assign(std::string_view s) {
        Bytes fresh;
        if (!fresh.append(s)) return false;
        *this = static_cast<Bytes&&>(fresh);
        return true;
    }
    [[nodiscard]] bool copy_from(const Bytes& o) { return assign(o.view()); }
    void clear() { buf_.clear(); }
    void truncate(size_t n) {
        if (n < buf_.size()) buf_.erase(n, buf_.size());
    }
    // Removes [first, first + n).
    void erase(size_t first, size_t n) { buf_.erase(first, first + n); }

private:
    Vec<char> buf_;
};

}  // namespace bh::ds
