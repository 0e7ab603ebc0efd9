// One CPU for now; SMP gives each CPU its own Cpu.
#include "domain/cpu.hpp"

#include "domain/platform.hpp"

namespace bh {
namespace {
Cpu g_cpu;
}

Cpu& this_cpu() { return g_cpu; }

void vcpu_wake(Vcpu& v) {
    Cpu& c = this_cpu();
    if (v.sched.state() != SchedState::Blocked) return;
    c.sched.wake(v.sched);
    v.wake_tsc = platform::cycles();
    v.wake_tick = c.ticks;
    if (!c.current || c.sched.should_preempt_on_wake(c.current->sched, v.sched))
        c.need_resched = true;
}

}  // namespace bh
