// trap_dispatch: every entry from a domain or an interrupt ends here, and leaves through the
// scheduler with the frame of whichever vCPU runs next.
#include "arch/x86_64/context.hpp"
#include "arch/x86_64/cpu.hpp"
#include "arch/x86_64/ioapic.hpp"
#include "domain/irq_routing.hpp"
#include "arch/x86_64/lapic.hpp"
#include "arch/x86_64/vtd.hpp"
#include "domain/cpu.hpp"
#include "domain/lifecycle.hpp"
#include "domain/registry.hpp"
#include "evtchn/evtchn_table.hpp"
#include "lib/log.hpp"
#include "syscall/syscall.hpp"

namespace bh {
namespace {

using x86::TrapFrame;

[[noreturn]] void kernel_panic(const TrapFrame& f) {
    klog("KERNEL PANIC: vector %lu error 0x%lx rip 0x%lx rsp 0x%lx cr2 0x%lx", f.vector, f.error,
         f.rip, f.rsp, x86::read_cr2());
    klog("BH-SHUTDOWN code=1");
    x86::outb(0xf4, 0x11);
    x86::halt_forever();
}

bh_fault fault_kind(uint64_t vector) {
    switch (vector) {
    case 0: return BH_FAULT_DE;
    case 6: return BH_FAULT_UD;
    case 13: return BH_FAULT_GP;
    case 14: return BH_FAULT_PAGE;
    default: return BH_FAULT_OTHER;
    }
}

void timer_tick(Vcpu* running) {
    Cpu& cpu = this_cpu();
    ++cpu.ticks;
    // Periodic VIRQ_TIMER for domains that asked for it (Xen's periodic vCPU timer).
    for_each_domain([&](Domain& d) {
        Vcpu& v = d.vcpu;
        if (v.timer_period && d.alive() && d.evtchn && cpu.ticks >= v.timer_next) {
            v.timer_next = cpu.ticks + v.timer_period;
            d.evtchn->raise_virq(BH_VIRQ_TIMER);
        }
    });
    if (cpu.sched.tick(running ? &running->sched : nullptr)) cpu.need_resched = true;
}

void do_syscall(Vcpu& v) {
    TrapFrame& c = v.ctx;
    SysArgs a{c.rax, c.rdi, c.rsi, c.rdx, c.r10, c.r8, c.r9};
    SysOut out;
    Result<void> r = syscall_dispatch(*v.dom, a, out);
    if (this_cpu().current != &v) return;  // the caller exited, faulted or was destroyed
    c.rax = abi_error(r.error());
    c.rdx = out.r1;
    c.r8 = out.r2;
}

void do_fault(Vcpu& v, const TrapFrame& f) {
    uint64_t addr = f.vector == 14 ? x86::read_cr2() : 0;
    Domain& d = *v.dom;
    domain_fault(d, fault_kind(f.vector), f.rip, addr, f.vector);
    if (d.id == 0) {  // nobody above the supervisor to tell
        klog("supervisor faulted: stopping the machine");
        kernel_panic(f);
    }
}

void device_interrupt(uint64_t vector) {
    x86::lapic_eoi();
    if (vector >= x86::kIrqVectorBase && vector < x86::kIrqVectorBase + x86::kNrIoapicPins)
        irq_fired(static_cast<uint32_t>(vector - x86::kIrqVectorBase));
    else if (vector >= x86::kMsiVectorBase && vector < x86::kMsiVectorBase + x86::kNrMsiVectors)
        irq_fired(kNrIoapicLines + static_cast<uint32_t>(vector - x86::kMsiVectorBase));
    else if (vector == x86::kVectorIommuFault)
        x86::vtd_fault_interrupt();
}

// Picks the next vCPU (idling with interrupts on until one is runnable) and loads it.
TrapFrame* resume(TrapFrame* f) {
    Cpu& cpu = this_cpu();
    Vcpu* cur = cpu.current;
    Vcpu* next = cur;
    if (!cur || cpu.need_resched || !cur->sched.runnable()) {
        cpu.need_resched = false;
        SchedUnit* u = cpu.sched.pick();
        while (!u) {
            cpu.current = nullptr;
            x86::sti_hlt();  // interrupts taken here run the kernel-mode path below
            cpu.need_resched = false;
            u = cpu.sched.pick();
        }
        next = static_cast<Vcpu*>(u->owner);
    }
    if (next->dom->as.root() != x86::read_cr3()) x86::write_cr3(next->dom->as.root());
    cpu.current = next;
    *f = next->ctx;
    return f;
}

}  // namespace

extern "C" TrapFrame* trap_dispatch(TrapFrame* f) {
    Cpu& cpu = this_cpu();
    if ((f->cs & 3) != 3) {  // interrupted the kernel (only the idle loop runs interruptible)
        if (f->vector == x86::kVectorTimer) {
            x86::lapic_eoi();
            timer_tick(nullptr);
        } else if (f->vector < 32) {
            kernel_panic(*f);
        } else if (f->vector != x86::kVectorSpurious) {
            device_interrupt(f->vector);
        }
        return f;
    }
    Vcpu& v = *cpu.current;
    v.ctx = *f;
    if (f->vector == x86::kVectorSyscall) {
        do_syscall(v);
    } else if (f->vector == x86::kVectorTimer) {
        x86::lapic_eoi();
        timer_tick(&v);
    } else if (f->vector < 32) {
        do_fault(v, *f);
    } else if (f->vector != x86::kVectorSpurious) {
        device_interrupt(f->vector);
    }
    return resume(f);
}

}  // namespace bh
