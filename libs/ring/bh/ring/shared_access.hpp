// The only ways ring code touches memory the peer can also write: ordered index accesses and
// copy-out of entries.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <type_traits>

namespace bh::ring {

using RingIndex = uint32_t;  // free-running, wraps modulo 2^32, masked by (size - 1) to a slot

// Load of the peer's producer index: later reads of the entries it covers must not be hoisted
// above it (pairs with publish/store_release on the other side). Any index width: Xen's rings
// use u32, virtio's u16.
template <class Index>
inline Index load_acquire(const Index& shared) {
    return __atomic_load_n(&shared, __ATOMIC_ACQUIRE);
}

// Publish our index after writing (producer) or after finishing reading (consumer) the entries it
// covers.
template <class Index>
inline void store_release(Index& shared, std::type_identity_t<Index> value) {
    __atomic_store_n(&shared, value, __ATOMIC_RELEASE);
}

// A full fence. On x86-64, Linux's mb(): a locked add of 0 just below the stack pointer. gcc's
// own seq_cst fence locks (%rsp) itself, the slot the code around it is using, which makes later
// stack accesses wait on the locked one (Linux moved to -4(%rsp) for that reason); bench-ring's
// round trip showed it. Adding 0 leaves the bytes as they were, so nothing there is disturbed.
inline void full_fence() {
#if defined(__x86_64__)
    __asm__ __volatile__("lock addl $0,-4(%%rsp)" ::: "memory", "cc");
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

// Store followed by a full fence: Xen's "store; mb()". The event-index protocol needs the store
// visible before the following load of the peer's index, which acquire/release alone does not
// give (x86 lets a load pass an earlier store). In bench-ring the fence was faster than an xchg
// on the index.
template <class Index>
inline void store_fenced(Index& shared, std::type_identity_t<Index> value) {
    __atomic_store_n(&shared, value, __ATOMIC_RELEASE);
    full_fence();
}

// The load after store_fenced: the fence already orders it, acquire is enough.
template <class Index>
inline Index load_fenced(const Index& shared) {
    return __atomic_load_n(&shared, __ATOMIC_ACQUIRE);
}

// Copy an entry out of shared memory once; callers validate only the copy, so the compiler
// must never read the slot again in the copy's place (a double fetch the peer could race). The
// empty asm after the copy claims to rewrite the slot: from then on the slot is not known to
// equal the copy, so every use has to come from the copy, which can stay in registers. (Claiming
// to rewrite the copy instead, "+m"(out), forces it through memory: bench-ring's round trip was
// 25 ns slower that way, behind Xen's volatile struct read; a "memory" clobber also works but
// makes the caller reload its own ring indexes.)
template <class T>
inline void copy_from_shared(T& out, const T& shared) {
    __builtin_memcpy(&out, &shared, sizeof(T));
    __asm__ __volatile__("" : "+m"(const_cast<T&>(shared)));
}

// Largest power of two <= n (0 for n == 0): Xen's __RD32.
constexpr RingIndex round_down_pow2(uint64_t n) {
    if (n == 0) return 0;
    uint64_t p = 1;
    while (p * 2 <= n) p *= 2;
    return static_cast<RingIndex>(p);
}

}  // namespace bh::ring
