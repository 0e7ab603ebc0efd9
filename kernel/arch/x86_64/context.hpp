// TrapFrame: the register state saved on every entry from a domain (interrupt, exception or
// syscall) and restored by the one exit path (iretq). A native vCPU's whole context.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace bh::x86 {

// Order is fixed by entry.S: general registers pushed last-first, then vector/error, then the
// hardware iret frame (AMD APM vol 2 §8.9.3).
struct TrapFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(TrapFrame) == 22 * 8);
static_assert(offsetof(TrapFrame, rax) == 14 * 8);
static_assert(offsetof(TrapFrame, vector) == 15 * 8);
static_assert(offsetof(TrapFrame, rip) == 17 * 8);

// Selectors: the order STAR requires for sysret (user data = base+8, user code64 = base+16).
inline constexpr uint16_t kKernelCode = 0x08;
inline constexpr uint16_t kKernelData = 0x10;
inline constexpr uint16_t kUserBase = 0x18;
inline constexpr uint16_t kUserData = 0x20 | 3;
inline constexpr uint16_t kUserCode = 0x28 | 3;
inline constexpr uint16_t kTss = 0x30;

inline constexpr uint64_t kVectorSyscall = 0x100;
inline constexpr uint64_t kVectorTimer = 0x20;
inline constexpr uint64_t kVectorSpurious = 0xFF;

inline constexpr uint64_t kRflagsIf = 1u << 9;
inline constexpr uint64_t kRflagsReserved = 1u << 1;

// A fresh user context: entry point, stack, interrupts on.
inline TrapFrame user_context(uint64_t rip, uint64_t rsp) {
    TrapFrame f{};
    f.rip = rip;
    f.rsp = rsp;
    f.cs = kUserCode;
    f.ss = kUserData;
    f.rflags = kRflagsIf | kRflagsReserved;
    return f;
}

}  // namespace bh::x86
