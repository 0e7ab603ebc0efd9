// Kernel object memory. Every allocation is charged to a domain's Quota by the caller.
#pragma once

#include <stddef.h>

namespace bh {

// Returns zeroed memory of `size` bytes (size <= 4096; 4096 is a whole frame), or nullptr when the machine is out of
// frames. The kernel build uses size-class slabs on frames; the host build uses calloc.
void* kalloc(size_t size);
void kfree(void* p, size_t size);

// Construct / destroy a kernel object in kalloc'd memory.
template <class T, class... A>
T* knew(A&&... a) {
    void* p = kalloc(sizeof(T));
    return p ? new (p) T(static_cast<A&&>(a)...) : nullptr;
}
template <class T>
void kdelete(T* p) {
    if (!p) return;
    p->~T();
    kfree(p, sizeof(T));
}

}  // namespace bh
