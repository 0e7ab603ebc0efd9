// Scheduler: Xen credit1-style proportional-share scheduling of SchedUnits on one CPU.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/result.hpp"
#include "sched/intrusive_list.hpp"
#include "sched/sched_unit.hpp"

namespace bh {

// Time is in ticks and the caller drives it (the timer interrupt calls tick()), so the whole
// policy runs on the host against a simulated CPU.
//
// Policy (Xen credit1): every kAccountTicks, kCreditsPerTick * kAccountTicks credits (one
// CPU's worth) are shared among the *active* units — runnable ones and ones that ran during
// the period — in proportion to weight; each tick run costs kCreditsPerTick. Credit >= 0 is
// UNDER, < 0 is OVER; UNDER runs before OVER, round robin within a priority, kSliceTicks per
// turn. A blocked unit that wakes with credit gets BOOST for one tick so it preempts hogs.
// A cap limits a unit to cap% of the CPU: once its budget is spent it is parked until the
// next period, even if the CPU would otherwise idle.
//
// Invariants: every attached unit is on all_; a unit is on queues_[pri] iff it is Runnable
// and not current_ (the unit pick() last returned, which is "on the CPU"); credit stays in
// [-kCreditClamp, kCreditClamp] after each accounting. Calls on units attached to another
// scheduler (or none) change nothing. No allocation: units carry their own links.
class Scheduler {
public:
    static constexpr uint32_t kSliceTicks = 3;
    static constexpr uint32_t kAccountTicks = 30;
    static constexpr int32_t kCreditsPerTick = 100;
    static constexpr int32_t kCreditsPerPeriod = kCreditsPerTick * int32_t{kAccountTicks};
    // Banked credit is bounded so a long-idle unit cannot monopolise the CPU when it wakes.
    static constexpr int32_t kCreditClamp = kCreditsPerPeriod;

    constexpr Scheduler() = default;
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Attaches `u`, Blocked, with zero credit and its weight/cap kept. BadState when `u` is
    // already attached (to this or another scheduler).
    Result<void> add(SchedUnit& u);
    // Detaches `u` whatever its state; if it was running, the caller must pick() again.
    void remove(SchedUnit& u);

    // Blocked -> runnable; BOOST when it has credit. A unit already awake is not boosted again.
    void wake(SchedUnit& u);
    void block(SchedUnit& u);
    // Nested: the unit runs again after as many unpauses as pauses.
    void pause(SchedUnit& u);
    void unpause(SchedUnit& u);

    // BadArg unless weight is 1..65535 and cap 0..100 (0 = uncapped). BadState when `u` is
    // attached to another scheduler. Allowed before add(). A new cap starts a full budget.
    Result<void> set_params(SchedUnit& u, uint32_t weight, uint32_t cap);

    // The unit to run next (it becomes current), or nullptr to idle. The previous current
    // goes to the tail of its priority's queue if still runnable, so equals take turns.
    SchedUnit* pick();
    // One timer tick elapsed with `running` on the CPU (nullptr = idle): charge it, and every
    // kAccountTicks redistribute credit. True when the caller should call pick(), which will
    // then choose another unit: the running one blocked, was parked or removed, a higher
    // priority unit waits, or its slice ran out while an equal waits.
    bool tick(SchedUnit* running);
    // True when `woken` should take the CPU from `running` now rather than at the next tick.
    bool should_preempt_on_wake(const SchedUnit& running, const SchedUnit& woken) const;

    SchedUnit* current() const { return current_; }
    uint64_t now() const { return ticks_; }
    size_t unit_count() const { return all_.size(); }
    size_t queued_count() const;

private:
    using RunQueue = IntrusiveList<SchedUnit, &SchedUnit::run_link_>;
    using AllList = IntrusiveList<SchedUnit, &SchedUnit::all_link_>;

    bool mine(const SchedUnit& u) const { return u.sched_ == this; }
    RunQueue& queue(SchedPri p) { return queues_[static_cast<unsigned>(p)]; }
    // Puts `u` on or off its run queue to match its state; current_ is never queued.
    void sync_queue(SchedUnit& u);
    void set_pri(SchedUnit& u, SchedPri p);
    // A priority from credit alone; boost is granted only by wake().
    static SchedPri credit_pri(const SchedUnit& u) {
        return u.credit_ < 0 ? SchedPri::Over : SchedPri::Under;
    }
    // True when a unit waits in a queue of priority index >= pri.
    bool waiting_from(unsigned pri) const;
    // Earns credit this period: wants the CPU or used it (a parked unit still wants it).
    static bool active(const SchedUnit& u) {
        return u.pauses_ == 0 && (!u.blocked_ || u.period_ticks_ != 0);
    }
    void account();

    RunQueue queues_[kSchedPriCount];
    AllList all_;
    SchedUnit* current_ = nullptr;
    uint64_t ticks_ = 0;
};

}  // namespace bh
