// SchedUnit: the scheduler's view of one vCPU, embedded in it.
#pragma once

#include <stdint.h>

#include "sched/intrusive_list.hpp"

namespace bh {

class Scheduler;

// Credit1 priorities, highest first in the order the scheduler serves them.
enum class SchedPri : uint8_t {
    Over = 0,   // credit < 0: runs only when no UNDER/BOOST unit wants the CPU
    Under = 1,  // credit >= 0
    Boost = 2,  // woke with credit: runs next, for one tick, so event-driven domains respond fast
};
inline constexpr unsigned kSchedPriCount = 3;

// What a unit is doing, derived from its flags (see SchedUnit::state()).
enum class SchedState : uint8_t {
    Detached,  // not added to a scheduler (or removed: the domain is dead)
    Blocked,   // waiting for an event; wake() makes it runnable
    Paused,    // paused by its controller; outranks Blocked
    Parked,    // runnable but over its cap until the next accounting period
    Runnable,  // in a run queue or running
};

// Scheduling parameters and state of one vCPU. Only the Scheduler it was added to changes it;
// everything but `owner` is read-only from outside.
// Invariants while attached: weight in 1..65535, cap in 0..100; the unit is on its
// scheduler's run queue for `pri` iff it is Runnable and not the unit last picked.
class SchedUnit {
public:
    static constexpr uint32_t kDefaultWeight = 256;
    static constexpr uint32_t kMaxWeight = 65535;
    static constexpr uint32_t kMaxCap = 100;  // percent of one CPU; single CPU for now

    explicit SchedUnit(void* owner_ = nullptr) : owner(owner_) {}
    SchedUnit(const SchedUnit&) = delete;
    SchedUnit& operator=(const SchedUnit&) = delete;

    void* owner;  // the vCPU this unit schedules; the scheduler never touches it

    uint32_t weight() const { return weight_; }
    uint32_t cap() const { return cap_; }
    int32_t credit() const { return credit_; }
    SchedPri priority() const { return pri_; }
    uint64_t ticks_run() const { return ticks_run_; }
    const Scheduler* scheduler() const { return sched_; }

    SchedState state() const {
        if (!sched_) return SchedState::Detached;
        if (pauses_ != 0) return SchedState::Paused;
        if (blocked_) return SchedState::Blocked;
        if (parked_) return SchedState::Parked;
        return SchedState::Runnable;
    }
    bool runnable() const { return state() == SchedState::Runnable; }

private:
    friend class Scheduler;

    Scheduler* sched_ = nullptr;
    uint32_t weight_ = kDefaultWeight;
    uint32_t cap_ = 0;
    int32_t credit_ = 0;
    // Percent-ticks this unit may still run in the period: +cap*kAccountTicks per period,
    // -100 per tick run. Parked at <= 0; the overshoot carries over so caps hold exactly.
    int32_t cap_budget_ = 0;
    uint32_t period_ticks_ = 0;  // ticks run since the last accounting
    uint32_t slice_ticks_ = 0;   // ticks run since last picked
    uint64_t ticks_run_ = 0;
    uint16_t pauses_ = 0;  // nested pause reasons
    SchedPri pri_ = SchedPri::Under;
    bool blocked_ = true;
    bool parked_ = false;
    ListLink<SchedUnit> run_link_;
    ListLink<SchedUnit> all_link_;
};

}  // namespace bh
