// Scheduler: run queues, wake/block, tick charging and credit accounting.
#include "sched/scheduler.hpp"

namespace bh {

namespace {

// A full period's cap budget, in percent-ticks.
constexpr int32_t full_budget(uint32_t cap) {
    return static_cast<int32_t>(cap * Scheduler::kAccountTicks);
}

}  // namespace

Result<void> Scheduler::add(SchedUnit& u) {
    if (u.sched_) return Error::BadState;
    u.sched_ = this;
    u.credit_ = 0;
    u.cap_budget_ = full_budget(u.cap_);
    u.period_ticks_ = 0;
    u.slice_ticks_ = 0;
    u.pauses_ = 0;
    u.pri_ = SchedPri::Under;
    u.blocked_ = true;
    u.parked_ = false;
    all_.push_back(u);
    return success();
}

void Scheduler::remove(SchedUnit& u) {
    if (!mine(u)) return;
    if (RunQueue::linked(u)) queue(u.pri_).remove(u);
    all_.remove(u);
    if (current_ == &u) current_ = nullptr;
    u.sched_ = nullptr;
    u.blocked_ = true;
    u.parked_ = false;
}

void Scheduler::sync_queue(SchedUnit& u) {
    bool want = u.runnable() && current_ != &u;
    if (want && !RunQueue::linked(u)) queue(u.pri_).push_back(u);
    if (!want && RunQueue::linked(u)) queue(u.pri_).remove(u);
}

// A priority change moves a queued unit to the tail of its new queue.
void Scheduler::set_pri(SchedUnit& u, SchedPri p) {
    if (u.pri_ == p) return;
    bool was_queued = RunQueue::linked(u);
    if (was_queued) queue(u.pri_).remove(u);
    u.pri_ = p;
    if (was_queued) queue(p).push_back(u);
}

void Scheduler::wake(SchedUnit& u) {
    if (!mine(u) || !u.blocked_) return;
    u.blocked_ = false;
    // Boost only a unit that becomes runnable now and has not used up its share (Xen's
    // boost): it is then an event-driven unit, and it keeps boost for one tick at most.
    if (u.runnable() && u.pri_ == SchedPri::Under) set_pri(u, SchedPri::Boost);
    sync_queue(u);
}

void Scheduler::block(SchedUnit& u) {
    if (!mine(u) || u.blocked_) return;
    u.blocked_ = true;
    sync_queue(u);
    // Boost does not survive blocking, so waking often cannot pile it up.
    set_pri(u, credit_pri(u));
}

void Scheduler::pause(SchedUnit& u) {
    if (!mine(u) || u.pauses_ == UINT16_MAX) return;
    u.pauses_++;
    sync_queue(u);
}

void Scheduler::unpause(SchedUnit& u) {
    if (!mine(u) || u.pauses_ == 0) return;
    u.pauses_--;
    sync_queue(u);
}

Result<void> Scheduler::set_params(SchedUnit& u, uint32_t weight, uint32_t cap) {
    if (weight == 0 || weight > SchedUnit::kMaxWeight || cap > SchedUnit::kMaxCap)
        return Error::BadArg;
    if (u.sched_ && !mine(u)) return Error::BadState;
    u.weight_ = weight;
    if (cap != u.cap_) {  // only a changed cap restarts the budget, so re-setting cannot evade it
        u.cap_ = cap;
        u.cap_budget_ = full_budget(cap);
        u.parked_ = false;
    }
    if (mine(u)) sync_queue(u);
    return success();
}

SchedUnit* Scheduler::pick() {
    SchedUnit* prev = current_;
    current_ = nullptr;
    if (prev) sync_queue(*prev);  // back to the tail of its queue if still runnable
    for (unsigned p = kSchedPriCount; p-- > 0;) {
        SchedUnit* u = queues_[p].pop_front();
        if (!u) continue;
        u->slice_ticks_ = 0;
        current_ = u;
        return u;
    }
    return nullptr;
}

bool Scheduler::waiting_from(unsigned pri) const {
    for (unsigned q = pri; q < kSchedPriCount; q++)
        if (!queues_[q].empty()) return true;
    return false;
}

bool Scheduler::tick(SchedUnit* running) {
    ticks_++;
    bool charged = running && mine(*running);
    if (charged) {
        SchedUnit& u = *running;
        u.credit_ -= kCreditsPerTick;
        u.ticks_run_++;
        u.period_ticks_++;
        u.slice_ticks_++;
        if (u.cap_ != 0) {
            // Bounded below so a caller that ignores preemption cannot overflow it.
            if (u.cap_budget_ > -full_budget(SchedUnit::kMaxCap)) u.cap_budget_ -= 100;
            if (u.cap_budget_ <= 0) u.parked_ = true;
        }
        // Boost lasts one tick; an UNDER unit that spent its credit drops to OVER at once.
        set_pri(u, credit_pri(u));
        sync_queue(u);
    }
    if (ticks_ % kAccountTicks == 0) account();

    if (!running) return current_ != nullptr || waiting_from(0);
    if (!charged || running != current_) return true;  // caller out of step: re-pick
    SchedUnit& u = *running;
    unsigned pri = static_cast<unsigned>(u.pri_);
    if (!u.runnable() || waiting_from(pri + 1)) return true;
    if (u.slice_ticks_ < kSliceTicks) return false;
    if (waiting_from(pri)) return true;
    u.slice_ticks_ = 0;  // alone at its priority: a fresh slice, no pointless switch
    return false;
}

bool Scheduler::should_preempt_on_wake(const SchedUnit& running, const SchedUnit& woken) const {
    if (!mine(woken) || !woken.runnable()) return false;
    if (!mine(running) || !running.runnable()) return true;
    return woken.pri_ > running.pri_;
}

size_t Scheduler::queued_count() const {
    size_t n = 0;
    for (const RunQueue& q : queues_) n += q.size();
    return n;
}

// Credit1 accounting: share one period's credit among active units by weight, clamp, reset
// priorities, refill cap budgets. A unit that stayed blocked all period is not active: it
// neither dilutes the others' share nor banks credit it does not use.
void Scheduler::account() {
    int64_t weight_sum = 0;
    for (SchedUnit* u = all_.front(); u; u = AllList::next(*u))
        if (active(*u)) weight_sum += u->weight_;

    for (SchedUnit* u = all_.front(); u; u = AllList::next(*u)) {
        int64_t credit = u->credit_;
        if (active(*u)) credit += int64_t{kCreditsPerPeriod} * u->weight_ / weight_sum;
        if (credit > kCreditClamp) credit = kCreditClamp;
        if (credit < -kCreditClamp) credit = -kCreditClamp;
        u->credit_ = static_cast<int32_t>(credit);
        u->period_ticks_ = 0;
        if (u->credit_ < 0 || u->pri_ == SchedPri::Over) set_pri(*u, credit_pri(*u));
        if (u->cap_ != 0) {
            int32_t full = full_budget(u->cap_);
            u->cap_budget_ += full;
            if (u->cap_budget_ > full) u->cap_budget_ = full;  // no banking across periods
            if (u->cap_budget_ > 0) u->parked_ = false;
        }
        sync_queue(*u);
    }
}

}  // namespace bh
