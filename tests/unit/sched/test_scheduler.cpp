// Tests of Scheduler's operations one by one: states, queues, preemption decisions, accounting.
#include <catch2/catch.hpp>

#include "sched/scheduler.hpp"

using namespace bh;

namespace {

// Runs `n` ticks with `u` on the CPU, ignoring the preemption hint.
void run_ticks(Scheduler& s, SchedUnit* u, unsigned n) {
    for (unsigned i = 0; i < n; i++) (void)s.tick(u);
}

SchedUnit& woken(Scheduler& s, SchedUnit& u) {
    REQUIRE(s.add(u).ok());
    s.wake(u);
    return u;
}

}  // namespace

TEST_CASE("Scheduler: an added unit starts blocked and an empty CPU idles", "[sched]") {
    Scheduler s;
    SchedUnit u;
    CHECK(u.state() == SchedState::Detached);
    CHECK(s.pick() == nullptr);
    REQUIRE(s.add(u).ok());
    CHECK(u.state() == SchedState::Blocked);
    CHECK(u.scheduler() == &s);
    CHECK(s.unit_count() == 1);
    CHECK(s.pick() == nullptr);
    CHECK_FALSE(s.tick(nullptr));
    CHECK(s.now() == 1);
}

TEST_CASE("Scheduler rejects adding a unit that is already attached", "[sched]") {
    Scheduler s, other;
    SchedUnit u;
    REQUIRE(s.add(u).ok());
    CHECK(s.add(u).error() == Error::BadState);
    CHECK(other.add(u).error() == Error::BadState);
    CHECK(s.unit_count() == 1);
    CHECK(other.unit_count() == 0);
    CHECK(u.scheduler() == &s);
}

TEST_CASE("Scheduler: wake makes a unit runnable with BOOST, and it is picked", "[sched]") {
    Scheduler s;
    SchedUnit u;
    woken(s, u);
    CHECK(u.state() == SchedState::Runnable);
    CHECK(u.priority() == SchedPri::Boost);
    CHECK(s.queued_count() == 1);
    CHECK(s.pick() == &u);
    CHECK(s.current() == &u);
    CHECK(s.queued_count() == 0);  // the running unit is off the queues
}

TEST_CASE("Scheduler: BOOST ends after one tick and a second wake does not renew it", "[sched]") {
    Scheduler s;
    SchedUnit u;
    woken(s, u);
    REQUIRE(s.pick() == &u);
    CHECK_FALSE(s.tick(&u));
    CHECK(u.priority() == SchedPri::Over);  // credit 0 - one tick < 0
    CHECK(u.ticks_run() == 1);
    CHECK(u.credit() == -Scheduler::kCreditsPerTick);
    s.wake(u);  // already awake: nothing happens
    CHECK(u.priority() == SchedPri::Over);
}

TEST_CASE("Scheduler: a unit woken without credit gets no BOOST", "[sched]") {
    Scheduler s;
    SchedUnit u;
    woken(s, u);
    REQUIRE(s.pick() == &u);
    run_ticks(s, &u, 2);
    s.block(u);
    CHECK(u.priority() == SchedPri::Over);
    s.wake(u);
    CHECK(u.priority() == SchedPri::Over);
}

TEST_CASE("Scheduler: blocked units are never picked and block drops BOOST", "[sched]") {
    Scheduler s;
    SchedUnit a, b;
    woken(s, a);
    woken(s, b);
    s.block(a);
    CHECK(a.state() == SchedState::Blocked);
    CHECK(a.priority() == SchedPri::Under);
    CHECK(s.pick() == &b);
    s.block(b);
    CHECK(s.pick() == nullptr);
    CHECK(s.current() == nullptr);
    s.block(b);  // blocking twice is harmless
    CHECK(s.queued_count() == 0);
}

TEST_CASE("Scheduler: remove while runnable or running takes the unit out for good", "[sched]") {
    Scheduler s;
    SchedUnit a, b;
    woken(s, a);
    woken(s, b);
    s.remove(b);  // queued
    CHECK(b.state() == SchedState::Detached);
    CHECK(s.unit_count() == 1);
    CHECK(s.queued_count() == 1);
    REQUIRE(s.pick() == &a);
    s.remove(a);  // running
    CHECK(s.current() == nullptr);
    CHECK(s.tick(&a));  // the caller must re-pick
    CHECK(a.ticks_run() == 0);  // a removed unit is not charged
    CHECK(s.pick() == nullptr);
    s.remove(a);  // twice: ignored
    CHECK(s.unit_count() == 0);
    REQUIRE(s.add(a).ok());  // and it can join again
    CHECK(a.state() == SchedState::Blocked);
}

TEST_CASE("Scheduler ignores calls on units attached elsewhere", "[sched]") {
    Scheduler s, other;
    SchedUnit u, v;
    woken(other, u);
    s.block(u);
    s.remove(u);
    s.pause(u);
    CHECK(u.state() == SchedState::Runnable);
    CHECK(u.scheduler() == &other);
    s.wake(v);  // detached
    CHECK(v.state() == SchedState::Detached);
    CHECK(s.pick() == nullptr);
    CHECK_FALSE(s.should_preempt_on_wake(v, u));
}

TEST_CASE("Scheduler: pauses nest and a paused unit is never picked", "[sched]") {
    Scheduler s;
    SchedUnit u;
    woken(s, u);
    s.pause(u);
    s.pause(u);
    CHECK(u.state() == SchedState::Paused);
    CHECK(s.pick() == nullptr);
    s.unpause(u);
    CHECK(s.pick() == nullptr);
    s.unpause(u);
    CHECK(u.state() == SchedState::Runnable);
    CHECK(s.pick() == &u);
    s.unpause(u);  // unbalanced: ignored
    CHECK(u.state() == SchedState::Runnable);
}

TEST_CASE("Scheduler: a paused unit woken stays off the CPU until unpaused", "[sched]") {
    Scheduler s;
    SchedUnit u;
    REQUIRE(s.add(u).ok());
    s.pause(u);
    s.wake(u);
    CHECK(u.state() == SchedState::Paused);
    CHECK(u.priority() == SchedPri::Under);  // no boost banked for later
    CHECK(s.pick() == nullptr);
    s.unpause(u);
    CHECK(s.pick() == &u);
}

TEST_CASE("Scheduler::set_params validates weight and cap before changing anything", "[sched]") {
    Scheduler s, other;
    SchedUnit u, foreign;
    CHECK(u.weight() == SchedUnit::kDefaultWeight);
    CHECK(u.cap() == 0);
    CHECK(s.set_params(u, 0, 0).error() == Error::BadArg);
    CHECK(s.set_params(u, 65536, 0).error() == Error::BadArg);
    CHECK(s.set_params(u, 100, 101).error() == Error::BadArg);
    CHECK(u.weight() == SchedUnit::kDefaultWeight);
    CHECK(u.cap() == 0);
    REQUIRE(s.set_params(u, 1, 100).ok());  // allowed before add
    CHECK(u.weight() == 1);
    CHECK(u.cap() == 100);
    REQUIRE(s.set_params(u, 65535, 0).ok());
    CHECK(u.weight() == 65535);
    REQUIRE(other.add(foreign).ok());
    CHECK(s.set_params(foreign, 512, 0).error() == Error::BadState);
    CHECK(foreign.weight() == SchedUnit::kDefaultWeight);
}

TEST_CASE("Scheduler: a lone unit keeps the CPU when its slice ends", "[sched]") {
    Scheduler s;
    SchedUnit u;
    woken(s, u);
    REQUIRE(s.pick() == &u);
    for (unsigned i = 0; i < 3 * Scheduler::kSliceTicks; i++) CHECK_FALSE(s.tick(&u));
}

TEST_CASE("Scheduler: the slice ends after kSliceTicks when an equal waits", "[sched]") {
    Scheduler s;
    SchedUnit a, b;
    woken(s, a);
    woken(s, b);
    REQUIRE(s.pick() == &a);
    CHECK(s.tick(&a));  // a lost boost; b still boosted waits above it
    REQUIRE(s.pick() == &b);
    CHECK_FALSE(s.tick(&b));  // both OVER now: equals
    CHECK_FALSE(s.tick(&b));
    CHECK(s.tick(&b));  // third tick: slice over
    CHECK(s.pick() == &a);
}

TEST_CASE("Scheduler: tick asks for a re-pick when the running unit blocks or is parked",
          "[sched]") {
    Scheduler s;
    SchedUnit u;
    REQUIRE(s.set_params(u, 256, 10).ok());  // 3 ticks a period
    woken(s, u);
    REQUIRE(s.pick() == &u);
    CHECK_FALSE(s.tick(&u));
    CHECK_FALSE(s.tick(&u));
    CHECK(s.tick(&u));  // budget spent
    CHECK(u.state() == SchedState::Parked);
    CHECK(s.pick() == nullptr);
    SchedUnit v;
    woken(s, v);
    REQUIRE(s.pick() == &v);
    s.block(v);
    CHECK(s.tick(&v));
}

TEST_CASE("Scheduler: an idle CPU is told to pick once a unit is queued", "[sched]") {
    Scheduler s;
    SchedUnit u;
    REQUIRE(s.add(u).ok());
    CHECK_FALSE(s.tick(nullptr));
    s.wake(u);
    CHECK(s.tick(nullptr));
    CHECK(s.pick() == &u);
    CHECK(s.tick(nullptr));  // out of step: the scheduler thinks u runs
}

TEST_CASE("Scheduler::should_preempt_on_wake compares priorities", "[sched]") {
    Scheduler s;
    SchedUnit hog, ev, late;
    woken(s, hog);
    REQUIRE(s.pick() == &hog);
    REQUIRE(s.add(ev).ok());
    CHECK_FALSE(s.should_preempt_on_wake(hog, ev));  // ev is still blocked
    // hog is BOOST: an UNDER or BOOST wakee does not outrank it.
    s.wake(ev);
    CHECK(ev.priority() == SchedPri::Boost);
    CHECK_FALSE(s.should_preempt_on_wake(hog, ev));
    (void)s.tick(&hog);  // hog now OVER
    CHECK(s.should_preempt_on_wake(hog, ev));
    REQUIRE(s.pick() == &ev);
    (void)s.tick(&ev);
    // A wakee that is OVER does not preempt an OVER runner.
    woken(s, late);
    REQUIRE(s.pick() == &late);
    run_ticks(s, &late, 2);
    s.block(late);
    s.wake(late);
    CHECK(late.priority() == SchedPri::Over);
    CHECK(hog.priority() == SchedPri::Over);
    CHECK_FALSE(s.should_preempt_on_wake(hog, late));
    // Anything runnable preempts a runner that blocked.
    s.block(hog);
    CHECK(s.should_preempt_on_wake(hog, late));
}

TEST_CASE("Scheduler accounting shares credit by weight among active units only", "[sched]") {
    Scheduler s;
    SchedUnit a, b, sleeper;
    REQUIRE(s.set_params(a, 100, 0).ok());
    REQUIRE(s.set_params(b, 300, 0).ok());
    woken(s, a);
    woken(s, b);
    REQUIRE(s.add(sleeper).ok());  // blocked all period: not active
    SchedUnit* cur = s.pick();
    for (unsigned t = 0; t < Scheduler::kAccountTicks; t++)
        if (s.tick(cur)) cur = s.pick();
    // Each tick ran cost kCreditsPerTick; the period's credit was added back 1:3.
    int64_t spent_a = static_cast<int64_t>(a.ticks_run()) * Scheduler::kCreditsPerTick;
    int64_t spent_b = static_cast<int64_t>(b.ticks_run()) * Scheduler::kCreditsPerTick;
    CHECK(a.ticks_run() + b.ticks_run() == Scheduler::kAccountTicks);
    CHECK(a.credit() == Scheduler::kCreditsPerPeriod / 4 - spent_a);
    CHECK(b.credit() == Scheduler::kCreditsPerPeriod * 3 / 4 - spent_b);
    CHECK(sleeper.credit() == 0);
}

TEST_CASE("Scheduler clamps banked credit and debt", "[sched]") {
    Scheduler s;
    SchedUnit idle_rich, hog;
    woken(s, idle_rich);
    woken(s, hog);
    // hog runs every tick for many periods; idle_rich waits but is active (runnable).
    for (unsigned t = 0; t < 20 * Scheduler::kAccountTicks; t++) (void)s.tick(&hog);
    CHECK(idle_rich.credit() == Scheduler::kCreditClamp);
    CHECK(hog.credit() >= -Scheduler::kCreditClamp);
    CHECK(hog.priority() == SchedPri::Over);
    CHECK(idle_rich.priority() != SchedPri::Over);
}
