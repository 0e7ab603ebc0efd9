// Raw native hypercalls (kernel/include/bulkhead/abi.h has the contract).
#pragma once

#include <bulkhead/abi.h>
#include <stdint.h>

namespace bh::rt {

struct Ret {
    uint64_t err;  // bh_error
    uint64_t r1;
    uint64_t r2;
    bool ok() const { return err == BH_OK; }
};

inline Ret call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                uint64_t a4 = 0, uint64_t a5 = 0) {
    Ret r;
    register uint64_t r10 asm("r10") = a3;
    register uint64_t r8 asm("r8") = a4;
    register uint64_t r9 asm("r9") = a5;
    asm volatile("syscall"
                 : "=a"(r.err), "=d"(r.r1), "+r"(r8), "+r"(r10), "+r"(r9)
                 : "a"(nr), "D"(a0), "S"(a1), "d"(a2)
                 : "rcx", "r11", "memory");
    r.r2 = r8;
    return r;
}

}  // namespace bh::rt
