// operator new/delete for services, over the service-wide Heap. A service that needs dynamic
// memory hands the heap an arena (usually a .bss array) with heap().init() before its first new.
#include <new>

#include "bh/heap.hpp"
#include "bh/rt.hpp"

namespace bh::rt {

Heap& heap() {
    static constinit Heap h;  // constant-initialised: no global constructor runs for it
    return h;
}

}  // namespace bh::rt

namespace {

constexpr uint64_t kExitOutOfMemory = 12;  // ENOMEM's number, for whoever reads the exit code

// Plain new must not return nullptr; a service out of heap stops itself, hurting nobody else.
void* must_alloc(size_t n) {
    void* p = bh::rt::heap().alloc(n);
    if (!p) {
        bh::rt::print("rt: out of heap (%lu bytes asked, %lu free)", n, bh::rt::heap().bytes_free());
        bh::rt::exit(kExitOutOfMemory);
    }
    return p;
}

}  // namespace

void* operator new(size_t n) { return must_alloc(n); }
void* operator new[](size_t n) { return must_alloc(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { return bh::rt::heap().alloc(n); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return bh::rt::heap().alloc(n); }
void operator delete(void* p) noexcept { bh::rt::heap().free(p); }
void operator delete[](void* p) noexcept { bh::rt::heap().free(p); }
void operator delete(void* p, size_t) noexcept { bh::rt::heap().free(p); }
void operator delete[](void* p, size_t) noexcept { bh::rt::heap().free(p); }
