// One PCI function's configuration space (PCI Local Bus 3.0 ch. 6; PCIe base §7), read through
// an accessor over its 4 KiB of ECAM. Nothing the device reports is trusted as an offset: the
// capability list is walked with bounds and a step limit, so a hostile or broken device can
// only make the walk end early.
#pragma once

#include <stdint.h>

namespace bh::pci {

inline constexpr uint16_t kVendorNone = 0xffff;
inline constexpr uint8_t kCapVendor = 0x09;  // vendor-specific (virtio's transport capabilities)
inline constexpr uint8_t kCapMsiX = 0x11;

// Reads over one function's configuration space; `base` points at its 4 KiB (mapped MMIO).
struct Config {
    const volatile uint8_t* base;

    uint8_t r8(uint16_t off) const { return off < 4096 ? base[off] : 0xff; }
    uint16_t r16(uint16_t off) const {
        return off <= 4094 && off % 2 == 0 ? *reinterpret_cast<const volatile uint16_t*>(base + off) : 0xffff;
    }
    uint32_t r32(uint16_t off) const {
        return off <= 4092 && off % 4 == 0 ? *reinterpret_cast<const volatile uint32_t*>(base + off) : 0xffffffff;
    }

    uint16_t vendor() const { return r16(0x00); }
    uint16_t device() const { return r16(0x02); }
    uint32_t class_code() const { return r32(0x08) >> 8; }  // class, subclass, prog-if
    uint8_t header_type() const { return r8(0x0e) & 0x7f; }
    bool multifunction() const { return (r8(0x0e) & 0x80) != 0; }
    bool present() const { return vendor() != kVendorNone; }

    // Calls f(offset, id) for each capability, at most 48 of them (all a 256-byte space holds),
    // stopping at any pointer outside 0x40..0xfc or not dword-aligned.
    template <class F>
    void each_capability(F f) const {
        if (!(r16(0x06) & 0x10)) return;  // status: capability list
        uint8_t off = r8(0x34) & 0xfc;
        for (int steps = 0; steps < 48 && off >= 0x40; ++steps) {
            f(off, r8(off));
            off = r8(static_cast<uint16_t>(off + 1)) & 0xfc;
        }
    }
};

// A BAR's kind and address as the register holds it (sizing needs writes; the owner does that).
struct Bar {
    enum Kind : uint8_t { Unused, Io, Mem32, Mem64 } kind;
    bool prefetchable;
    uint64_t address;
};

// BAR i (0..5) of a type-0 header; a 64-bit BAR takes i and i+1 (then i+1 reads as Unused).
inline Bar read_bar(const Config& c, int i) {
    if (c.header_type() != 0 || i < 0 || i > 5) return {Bar::Unused, false, 0};
    uint32_t lo = c.r32(static_cast<uint16_t>(0x10 + 4 * i));
    if (lo == 0) return {Bar::Unused, false, 0};
    if (lo & 1) return {Bar::Io, false, lo & ~uint64_t{3}};
    bool pf = (lo & 8) != 0;
    if (((lo >> 1) & 3) == 2) {
        if (i == 5) return {Bar::Unused, false, 0};
        uint64_t hi = c.r32(static_cast<uint16_t>(0x10 + 4 * (i + 1)));
        return {Bar::Mem64, pf, (hi << 32) | (lo & ~uint64_t{0xf})};
    }
    return {Bar::Mem32, pf, lo & ~uint64_t{0xf}};
}

}  // namespace bh::pci
