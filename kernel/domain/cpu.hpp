// The CPU's scheduling state: the scheduler, the vCPU on the CPU, the tick count.
#pragma once

#include <stdint.h>

#include "domain/vcpu.hpp"
#include "sched/scheduler.hpp"

namespace bh {

struct Cpu {
    Scheduler sched;
    Vcpu* current = nullptr;
    bool need_resched = false;
    uint64_t ticks = 0;
};

Cpu& this_cpu();

// An event arrived for v: unblock it and, if it should run before the current vCPU, ask the
// exit path to switch.
void vcpu_wake(Vcpu& v);

}  // namespace bh
