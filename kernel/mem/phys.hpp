// Physical addresses and the kernel's direct map of physical memory.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace bh {

using paddr_t = uint64_t;
using vaddr_t = uint64_t;

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kPageShift = 12;

constexpr bool page_aligned(uint64_t a) { return (a & (kPageSize - 1)) == 0; }
constexpr uint64_t page_round_up(uint64_t a) { return (a + kPageSize - 1) & ~(kPageSize - 1); }

// Base of the direct map: physical address p is visible at physmap_base + p. The kernel sets it
// once at boot; host tests point it at a buffer that stands in for physical memory.
extern uintptr_t g_physmap_base;

inline void* phys_to_virt(paddr_t p) { return reinterpret_cast<void*>(g_physmap_base + p); }
template <class T>
inline T* phys_as(paddr_t p) { return static_cast<T*>(phys_to_virt(p)); }
inline paddr_t virt_to_phys(const void* v) {
    return reinterpret_cast<uintptr_t>(v) - g_physmap_base;
}

}  // namespace bh
