// The only ways ring code touches memory the peer can also write: ordered index accesses and
// copy-out of entries.
#pragma once

#include <stdint.h>

namespace bh::ring {

using RingIndex = uint32_t;  // free-running, wraps modulo 2^32, masked by (size - 1) to a slot

// Load of the peer's producer index: later reads of the entries it covers must not be hoisted
// above it (pairs with publish/store_release on the other side).
inline RingIndex load_acquire(const RingIndex& shared) {
    return __atomic_load_n(&shared, __ATOMIC_ACQUIRE);
}

// Publish our index after writing (producer) or after finishing reading (consumer) the entries it
// covers.
inline void store_release(RingIndex& shared, RingIndex value) {
    __atomic_store_n(&shared, value, __ATOMIC_RELEASE);
}

// Store followed by a full fence: Xen's "store; mb()". The event-index protocol needs the store
// visible before the following load of the peer's index, which acquire/release alone does not
// give (x86 lets a load pass an earlier store). gcc makes the fence a locked add to the stack,
// as Linux's mb(); in bench-ring it was faster than an xchg on the index.
inline void store_fenced(RingIndex& shared, RingIndex value) {
    __atomic_store_n(&shared, value, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

// The load after store_fenced: the fence already orders it, acquire is enough.
inline RingIndex load_fenced(const RingIndex& shared) {
    return __atomic_load_n(&shared, __ATOMIC_ACQUIRE);
}

// Copy an entry out of shared memory once; callers validate only the copy. The empty asm claims
// to rewrite `out`, so the compiler can no longer treat it as equal to the shared slot and read
// the slot again in its place (a double fetch the peer could race) - and, unlike a "memory"
// clobber, it does not force every other value out of registers.
template <class T>
inline void copy_from_shared(T& out, const T& shared) {
    __builtin_memcpy(&out, &shared, sizeof(T));
    __asm__ __volatile__("" : "+m"(out));
}

// Largest power of two <= n (0 for n == 0): Xen's __RD32.
constexpr RingIndex round_down_pow2(uint64_t n) {
    if (n == 0) return 0;
    uint64_t p = 1;
    while (p * 2 <= n) p *= 2;
    return static_cast<RingIndex>(p);
}

}  // namespace bh::ring
