// make<T>/destroy: object allocation that reports failure as nullptr instead of throwing.
#pragma once

#include <stddef.h>

#include <new>
#include <utility>

namespace bh::ds {

// Allocates and constructs a T; nullptr when memory is exhausted. The service runtime supplies
// ::operator new(size, nothrow) in the system; the host uses libstdc++'s.
template <class T, class... Args>
T* make(Args&&... args) {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "over-aligned type");
    void* p = ::operator new(sizeof(T), std::nothrow);
    if (p == nullptr) return nullptr;
    return new (p) T(std::forward<Args>(args)...);
}

// Destroys and frees what make<T> returned; nullptr is ignored.
template <class T>
void destroy(T* p) {
    if (p == nullptr) return;
    p->~T();
    ::operator delete(p);
}

}  // namespace bh::ds
