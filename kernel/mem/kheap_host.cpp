// Host build of the kernel heap: calloc, so ASan sees every object.
#include <stdlib.h>

#include "mem/kheap.hpp"

namespace bh {
void* kalloc(size_t size) { return calloc(1, size); }
void kfree(void* p, size_t) { free(p); }
}  // namespace bh
