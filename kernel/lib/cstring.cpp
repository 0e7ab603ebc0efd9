// memcpy and friends for freestanding builds (kernel and service domains; not host tests,
// which use the C library's).
#include <stddef.h>

extern "C" {

void* memcpy(void* d, const void* s, size_t n) {
    void* r = d;  // rep movs advances rdi: return the destination as it was
    // Eight bytes a step, then the tail: QEMU's TCG runs string instructions one element per
    // step, so this is 8x faster there (page copies through persistent grants), and no slower
    // on hardware.
    size_t q = n / 8, tail = n % 8;
    asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(q)::"memory");
    asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(tail)::"memory");
    return r;
}

void* memset(void* d, int c, size_t n) {
    void* r = d;
    asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return r;
}

void* memmove(void* d, const void* s, size_t n) {
    auto* dp = static_cast<unsigned char*>(d);
    auto* sp = static_cast<const unsigned char*>(s);
    if (dp < sp) {
        for (size_t i = 0; i < n; ++i) dp[i] = sp[i];
    } else {
        for (size_t i = n; i > 0; --i) dp[i - 1] = sp[i - 1];
    }
    return d;
}

void* memchr(const void* p, int c, size_t n) {
    auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i)
        if (b[i] == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(b + i);
    return nullptr;
}

int memcmp(const void* a, const void* b, size_t n) {
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; ++i)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char* s) {
    size_t n = 0;
    while (s[n]) ++n;
    return n;
}

}  // extern "C"
