// Text for xenstore paths and values (decimal numbers, fixed buffers, no allocation), and
// reading a node as text or as a number: what every xenbus party (toolstack, backends,
// frontends) does.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bh/xenbus/xs_client.hpp"

namespace bh::xenbus {

struct Text {
    char s[128] = {};
    size_t n = 0;  // an index, not a pointer: a Text may be copied
    Text& operator<<(const char* t) {
        while (*t && n < sizeof s - 1) s[n++] = *t++;
        s[n] = '\0';
        return *this;
    }
    Text& operator<<(uint64_t v) {
        char tmp[24];
        int k = 0;
        do tmp[k++] = static_cast<char>('0' + v % 10);
        while ((v /= 10) && k < 24);
        while (k && n < sizeof s - 1) s[n++] = tmp[--k];
        s[n] = '\0';
        return *this;
    }
};

inline void copy(char* dst, size_t cap, const char* src) {
    size_t i = 0;
    for (; src[i] && i + 1 < cap; ++i) dst[i] = src[i];
    dst[i] = '\0';
}

inline bool text_is(const char* a, const char* b) {
    for (; *a && *a == *b; ++a, ++b) {}
    return *a == *b;
}

inline bool parse_u64(const char* s, uint64_t* out) {
    uint64_t v = 0;
    if (!*s) return false;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9' || v > (~0ull - 9) / 10) return false;
        v = v * 10 + static_cast<uint64_t>(*s - '0');
    }
    *out = v;
    return true;
}

// dir/key's value into out (NUL-terminated); false if absent or too long.
inline bool read_text(XsClient& xs, const char* dir, const char* key, char* out, size_t cap) {
    size_t n = 0;
    if (xs.read(0, (Text() << dir << "/" << key).s, out, cap - 1, &n)) return false;
    out[n] = '\0';
    return true;
}

inline bool read_u64(XsClient& xs, const char* dir, const char* key, uint64_t* out) {
    char v[32];
    return read_text(xs, dir, key, v, sizeof v) && parse_u64(v, out);
}

}  // namespace bh::xenbus
