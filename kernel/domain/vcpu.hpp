// Vcpu: one virtual CPU of a domain — its scheduling state and its saved register context.
// A native vCPU's context is a ring-3 TrapFrame; an SVM guest's will be a VMCB-backed context
// filling the same role (kind tells the exit path which one to resume).
#pragma once

#include "arch/x86_64/context.hpp"
#include "sched/sched_unit.hpp"

namespace bh {

struct Domain;

enum class VcpuKind : uint8_t { Native, Svm };

struct Vcpu {
    explicit Vcpu(Domain* d) : sched(this), dom(d) {}
    SchedUnit sched;
    Domain* dom;
    VcpuKind kind = VcpuKind::Native;
    x86::TrapFrame ctx{};
    uint64_t wake_tsc = 0;   // when the last event woke it, for latency figures
    uint64_t wake_tick = 0;
    uint32_t timer_period = 0;  // VIRQ_TIMER every this many ticks (0 = off)
    uint64_t timer_next = 0;
};

}  // namespace bh
