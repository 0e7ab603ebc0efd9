// Kernel build of kalloc: power-of-two size classes carved from frames, whole frames for 4 KiB.
// Freed objects return to their class's free list; slab frames stay with the heap (bounded by
// the peak object count, which quotas bound in turn).
#include <stdint.h>

#include "mem/kheap.hpp"
#include "mem/machine_frames.hpp"
#include "mem/phys.hpp"

namespace bh {
namespace {

constexpr unsigned kMinShift = 5;  // 32 bytes
constexpr unsigned kClasses = 7;   // 32 .. 2048
struct FreeObj {
    FreeObj* next;
};
FreeObj* g_free[kClasses];

unsigned class_of(size_t size) {
    unsigned c = 0;
    while ((size_t{1} << (c + kMinShift)) < size) ++c;
    return c;
}

}  // namespace

void* kalloc(size_t size) {
    if (size == 0 || size > kPageSize) return nullptr;
    if (size > (size_t{1} << (kMinShift + kClasses - 1))) {
        auto f = machine_frames().alloc();
        return f.ok() ? phys_to_virt(f.value()) : nullptr;
    }
    unsigned c = class_of(size);
    size_t obj = size_t{1} << (c + kMinShift);
    if (!g_free[c]) {
        auto f = machine_frames().alloc();
        if (!f.ok()) return nullptr;
        auto* base = static_cast<char*>(phys_to_virt(f.value()));
        for (size_t off = 0; off < kPageSize; off += obj) {
            auto* o = reinterpret_cast<FreeObj*>(base + off);
            o->next = g_free[c];
            g_free[c] = o;
        }
    }
    FreeObj* o = g_free[c];
    g_free[c] = o->next;
    __builtin_memset(o, 0, obj);
    return o;
}

void kfree(void* p, size_t size) {
    if (!p || size == 0 || size > kPageSize) return;
    if (size > (size_t{1} << (kMinShift + kClasses - 1))) {
        machine_frames().unref(virt_to_phys(p));
        return;
    }
    unsigned c = class_of(size);
    auto* o = static_cast<FreeObj*>(p);
    o->next = g_free[c];
    g_free[c] = o;
}

}  // namespace bh
