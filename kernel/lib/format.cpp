// Minimal printf formatting for the kernel log and domain info lines.
#include "lib/format.hpp"

#include <stdint.h>

namespace bh {
namespace {

struct Out {
    char* buf;
    size_t n;
    size_t len = 0;
    void put(char c) {
        if (len + 1 < n) buf[len] = c;
        ++len;
    }
};

void put_number(Out& o, uint64_t v, unsigned base, bool neg, unsigned width, char pad, bool left) {
    char tmp[24];
    unsigned i = 0;
    do {
        unsigned d = static_cast<unsigned>(v % base);
        tmp[i++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    if (neg) tmp[i++] = '-';
    unsigned total = i;
    if (!left)
        for (; total < width; ++total) o.put(pad);
    while (i) o.put(tmp[--i]);
    if (left)
        for (; total < width; ++total) o.put(' ');
}

}  // namespace

size_t vformat(char* buf, size_t n, const char* fmt, va_list ap) {
    Out o{buf, n};
    for (const char* p = fmt; *p; ++p) {
        if (*p != '%') {
            o.put(*p);
            continue;
        }
        ++p;
        char pad = ' ';
        bool left = false;
        for (;; ++p) {
            if (*p == '0') pad = '0';
            else if (*p == '-') left = true;
            else break;
        }
        unsigned width = 0;
        while (*p >= '0' && *p <= '9') width = width * 10 + static_cast<unsigned>(*p++ - '0');
        int longs = 0;
        while (*p == 'l' || *p == 'z') {
            ++longs;
            ++p;
        }
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
            put_number(o, mag, 10, v < 0, width, pad, left);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            put_number(o, v, *p == 'u' ? 10 : 16, false, width, pad, left);
            break;
        }
        case 'p':
            o.put('0');
            o.put('x');
            put_number(o, reinterpret_cast<uintptr_t>(va_arg(ap, void*)), 16, false, width, pad, left);
            break;
        case 'c': o.put(static_cast<char>(va_arg(ap, int))); break;
        case 's': {
            const char* s = va_arg(ap, const char*);
            if (!s) s = "(null)";
            unsigned l = 0;
            while (s[l]) ++l;
            if (!left)
                for (unsigned k = l; k < width; ++k) o.put(' ');
            for (unsigned k = 0; k < l; ++k) o.put(s[k]);
            if (left)
                for (unsigned k = l; k < width; ++k) o.put(' ');
            break;
        }
        case '%': o.put('%'); break;
        case '\0': --p; break;
        default: o.put('%'); o.put(*p); break;
        }
    }
    if (n) buf[o.len < n ? o.len : n - 1] = '\0';
    return o.len < n ? o.len : (n ? n - 1 : 0);
}

size_t format(char* buf, size_t n, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t r = vformat(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

}  // namespace bh
