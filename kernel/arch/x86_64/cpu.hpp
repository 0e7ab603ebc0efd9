// Thin wrappers over privileged x86-64 instructions and the MSRs the kernel uses.
#pragma once

#include <stdint.h>

namespace bh::x86 {

// MSR numbers: AMD APM vol 2, appendix A.
enum class Msr : uint32_t {
    Efer = 0xC0000080,
    Star = 0xC0000081,
    Lstar = 0xC0000082,
    Sfmask = 0xC0000084,
    FsBase = 0xC0000100,
    GsBase = 0xC0000101,
    KernelGsBase = 0xC0000102,
    ApicBase = 0x1B,
};

inline uint64_t rdmsr(Msr m) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(static_cast<uint32_t>(m)));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}
inline void wrmsr(Msr m, uint64_t v) {
    asm volatile("wrmsr" ::"c"(static_cast<uint32_t>(m)), "a"(static_cast<uint32_t>(v)),
                 "d"(static_cast<uint32_t>(v >> 32)));
}
inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
inline uint8_t inb(uint16_t port) {
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline uint16_t inw(uint16_t port) {
    uint16_t v;
    asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline uint32_t inl(uint16_t port) {
    uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}
inline uint64_t read_cr2() {
    uint64_t v;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr3() {
    uint64_t v;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
inline void invlpg(uint64_t va) { asm volatile("invlpg (%0)" ::"r"(va) : "memory"); }
inline void cli() { asm volatile("cli" ::: "memory"); }
inline void sti() { asm volatile("sti" ::: "memory"); }
inline void sti_hlt() { asm volatile("sti; hlt; cli" ::: "memory"); }
[[noreturn]] inline void halt_forever() {
    for (;;) asm volatile("cli; hlt");
}

}  // namespace bh::x86
