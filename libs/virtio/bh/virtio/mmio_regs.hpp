// Register access over mapped device memory (a BAR a driver domain maps), in the shape
// ModernTransport and friends take.
#pragma once

#include <stdint.h>

namespace bh::virtio {

struct MmioRegs {
    volatile uint8_t* p;
    uint8_t r8(uint16_t o) { return p[o]; }
    uint16_t r16(uint16_t o) { return *reinterpret_cast<volatile uint16_t*>(p + o); }
    uint32_t r32(uint16_t o) { return *reinterpret_cast<volatile uint32_t*>(p + o); }
    void w8(uint16_t o, uint8_t v) { p[o] = v; }
    void w16(uint16_t o, uint16_t v) { *reinterpret_cast<volatile uint16_t*>(p + o) = v; }
    void w32(uint16_t o, uint32_t v) { *reinterpret_cast<volatile uint32_t*>(p + o) = v; }
};

}  // namespace bh::virtio
