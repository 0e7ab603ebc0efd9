// Sizing a type-0 function's BARs (PCI Local Bus 3.0 §6.2.5.1): with decoding off, write all
// ones, read back the writable bits, restore. Done once by whoever owns configuration space
// before handing regions out. Generic over the register access, so host tests can drive a
// model of a device and the supervisor its mapped ECAM page.
#pragma once

#include <stdint.h>

namespace bh::pci {

struct BarRegion {
    enum Kind : uint8_t { None, Io, Mem } kind = None;
    bool is64 = false, prefetchable = false;
    uint64_t base = 0, size = 0;
};

// Access: uint32_t r32(uint16_t off); void w32(uint16_t off, uint32_t v); (dword-aligned).
template <class Access>
void size_bars(Access& a, BarRegion out[6]) {
    for (int i = 0; i < 6; ++i) out[i] = BarRegion{};
    if ((a.r32(0x0c) >> 16 & 0x7f) != 0) return;  // not a type-0 header: no BARs to size here
    uint32_t cmd = a.r32(0x04);
    a.w32(0x04, cmd & ~uint32_t{3} & 0xffff);  // I/O and memory decoding off while probing
    for (int i = 0; i < 6; ++i) {
        auto off = static_cast<uint16_t>(0x10 + 4 * i);
        uint32_t orig = a.r32(off);
        a.w32(off, 0xffffffff);
        uint32_t probe = a.r32(off);
        a.w32(off, orig);
        if (probe == 0 || probe == 0xffffffff) continue;  // unimplemented (or absent device)
        BarRegion& b = out[i];
        if (orig & 1) {
            uint32_t mask = probe & ~uint32_t{3} & 0xffff;
            if (mask == 0) continue;
            b.kind = BarRegion::Io;
            b.base = orig & ~uint32_t{3};
            b.size = (~mask & 0xffff) + 1;
            continue;
        }
        b.kind = BarRegion::Mem;
        b.prefetchable = (orig & 8) != 0;
        uint64_t mask = probe & ~uint32_t{0xf}, base = orig & ~uint32_t{0xf};
        if (((orig >> 1) & 3) == 2 && i < 5) {
            auto hoff = static_cast<uint16_t>(off + 4);
            uint32_t horig = a.r32(hoff);
            a.w32(hoff, 0xffffffff);
            uint32_t hprobe = a.r32(hoff);
            a.w32(hoff, horig);
            b.is64 = true;
            mask |= uint64_t{hprobe} << 32;
            base |= uint64_t{horig} << 32;
            ++i;  // the high half is not a BAR of its own
        } else {
            mask |= 0xffffffff00000000ull;
        }
        b.base = base;
        b.size = ~mask + 1;
        if (b.size == 0 || (b.size & (b.size - 1)) != 0) b = BarRegion{};  // not a power of two: ignore
    }
    a.w32(0x04, cmd & 0xffff);
}

}  // namespace bh::pci
