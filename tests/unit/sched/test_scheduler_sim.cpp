// Scheduler policy under a simulated CPU: the test plays timer interrupt and event source.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "sched/scheduler.hpp"

using namespace bh;

namespace {

// One CPU driven tick by tick. Records who ran each tick and checks the scheduler's
// invariants after every decision, so any policy step that breaks them fails the test.
class SimCpu {
public:
    SimCpu(Scheduler& s, std::vector<SchedUnit*> units) : s_(s), units_(std::move(units)) {}

    SchedUnit* current() const { return cur_; }
    const std::vector<SchedUnit*>& history() const { return history_; }

    // `cur_` runs for one tick, then the timer interrupt.
    void step() {
        if (cur_) REQUIRE(cur_->state() == SchedState::Runnable);  // never run a blocked unit
        history_.push_back(cur_);
        if (s_.tick(cur_)) repick();
        check();
    }
    void run(unsigned ticks) {
        for (unsigned i = 0; i < ticks; i++) step();
    }
    void wake(SchedUnit& u) {
        s_.wake(u);
        if (!cur_ || s_.should_preempt_on_wake(*cur_, u)) repick();
        check();
    }
    void block(SchedUnit& u) {
        s_.block(u);
        if (cur_ == &u) repick();
        check();
    }
    void remove(SchedUnit& u) {
        s_.remove(u);
        if (cur_ == &u) repick();
        check();
    }

    uint64_t ran(const SchedUnit* u, size_t from = 0) const {
        return static_cast<uint64_t>(std::count(history_.begin() + static_cast<long>(from),
                                                history_.end(), u));
    }

private:
    void repick() { cur_ = s_.pick(); }

    // Work conserving (idle only when nothing is queued) and strict priority (nothing queued
    // outranks the running unit).
    void check() {
        REQUIRE(s_.current() == cur_);
        if (!cur_) {
            REQUIRE(s_.queued_count() == 0);
            return;
        }
        REQUIRE(cur_->runnable());
        for (SchedUnit* u : units_)
            if (u != cur_ && u->runnable()) REQUIRE(u->priority() <= cur_->priority());
    }

    Scheduler& s_;
    std::vector<SchedUnit*> units_;
    SchedUnit* cur_ = nullptr;
    std::vector<SchedUnit*> history_;
};

void start(Scheduler& s, SimCpu& cpu, std::initializer_list<SchedUnit*> units) {
    for (SchedUnit* u : units) {
        REQUIRE(s.add(*u).ok());
        cpu.wake(*u);
    }
}

}  // namespace

TEST_CASE("Two hogs with weights 2:1 get the CPU 2:1 within 10% over 3000 ticks", "[sched][sim]") {
    Scheduler s;
    SchedUnit heavy, light;
    REQUIRE(s.set_params(heavy, 512, 0).ok());
    REQUIRE(s.set_params(light, 256, 0).ok());
    SimCpu cpu(s, {&heavy, &light});
    start(s, cpu, {&heavy, &light});
    cpu.run(3000);
    double ratio = double(cpu.ran(&heavy)) / double(cpu.ran(&light));
    INFO("heavy " << cpu.ran(&heavy) << " light " << cpu.ran(&light));
    CHECK(ratio >= 1.8);
    CHECK(ratio <= 2.2);
    CHECK(cpu.ran(nullptr) == 0);
    CHECK(heavy.ticks_run() == cpu.ran(&heavy));
}

TEST_CASE("Three hogs with weights 1:2:4 share the CPU in proportion", "[sched][sim]") {
    Scheduler s;
    SchedUnit a, b, c;
    REQUIRE(s.set_params(a, 100, 0).ok());
    REQUIRE(s.set_params(b, 200, 0).ok());
    REQUIRE(s.set_params(c, 400, 0).ok());
    SimCpu cpu(s, {&a, &b, &c});
    start(s, cpu, {&a, &b, &c});
    cpu.run(7000);
    INFO("a " << cpu.ran(&a) << " b " << cpu.ran(&b) << " c " << cpu.ran(&c));
    CHECK(cpu.ran(&a) == Approx(1000).epsilon(0.1));
    CHECK(cpu.ran(&b) == Approx(2000).epsilon(0.1));
    CHECK(cpu.ran(&c) == Approx(4000).epsilon(0.1));
}

TEST_CASE("Equal hogs take turns round robin, one slice each", "[sched][sim]") {
    Scheduler s;
    SchedUnit a, b, c;
    SimCpu cpu(s, {&a, &b, &c});
    start(s, cpu, {&a, &b, &c});
    cpu.run(3000);
    for (SchedUnit* u : {&a, &b, &c}) CHECK(cpu.ran(u) == Approx(1000).epsilon(0.05));
    // After the start-up period: nobody runs longer than one slice while others wait, and
    // nobody waits longer than the others' slices (round robin, even across the priority
    // shuffles that accounting causes).
    const auto& h = cpu.history();
    const size_t settle = Scheduler::kAccountTicks;
    size_t run_len = 0;
    std::map<SchedUnit*, size_t> last;
    for (size_t i = settle; i < h.size(); i++) {
        run_len = (i > settle && h[i] == h[i - 1]) ? run_len + 1 : 1;
        REQUIRE(run_len <= Scheduler::kSliceTicks);
        if (last.count(h[i])) REQUIRE(i - last[h[i]] - 1 <= 2 * Scheduler::kSliceTicks);
        last[h[i]] = i;
    }
}

TEST_CASE("A hog capped at 25% gets at most 27% beside another hog", "[sched][sim]") {
    Scheduler s;
    SchedUnit capped, hog;
    REQUIRE(s.set_params(capped, 256, 25).ok());
    SimCpu cpu(s, {&capped, &hog});
    start(s, cpu, {&capped, &hog});
    cpu.run(3000);
    INFO("capped " << cpu.ran(&capped) << " hog " << cpu.ran(&hog));
    CHECK(cpu.ran(&capped) <= 3000 * 27 / 100);
    CHECK(cpu.ran(&capped) >= 3000 * 23 / 100);  // the cap limits, it does not starve
    CHECK(cpu.ran(nullptr) == 0);                // the other hog takes the rest
}

TEST_CASE("A hog capped at 25% running alone gets at most 27% and the CPU idles", "[sched][sim]") {
    Scheduler s;
    SchedUnit capped;
    REQUIRE(s.set_params(capped, 256, 25).ok());
    SimCpu cpu(s, {&capped});
    start(s, cpu, {&capped});
    cpu.run(3000);
    INFO("capped " << cpu.ran(&capped));
    CHECK(cpu.ran(&capped) <= 3000 * 27 / 100);
    CHECK(cpu.ran(&capped) >= 3000 * 23 / 100);
    CHECK(cpu.ran(nullptr) == 3000 - cpu.ran(&capped));
    // Within every accounting period the cap holds too (no bursts from banking).
    const auto& h = cpu.history();
    for (size_t p = 0; p + Scheduler::kAccountTicks <= h.size(); p += Scheduler::kAccountTicks) {
        auto n = std::count(h.begin() + long(p), h.begin() + long(p + Scheduler::kAccountTicks),
                            &capped);
        REQUIRE(n * 100 <= long(Scheduler::kAccountTicks) * 25 + 100);
    }
}

TEST_CASE("A capped unit that slept banks no budget for a burst", "[sched][sim]") {
    Scheduler s;
    SchedUnit capped, hog;
    REQUIRE(s.set_params(capped, 256, 25).ok());
    SimCpu cpu(s, {&capped, &hog});
    start(s, cpu, {&capped, &hog});
    cpu.block(capped);
    cpu.run(10 * Scheduler::kAccountTicks);  // asleep for ten periods
    cpu.wake(capped);
    size_t from = cpu.history().size();
    cpu.run(2 * Scheduler::kAccountTicks);
    // At most one period's budget (25% of 30 ticks, rounded up) per period, however long
    // it slept.
    CHECK(cpu.ran(&capped, from) <= 2 * 8);
}

namespace {

// Wakes `ev` 1000 times at pseudo-random gaps of 3..17 ticks while `hog` is runnable; `ev`
// handles each event in one tick and blocks. Returns the p99 wake-to-run latency in ticks;
// `hog_under` counts wakes that found the hog with credit (UNDER), where only BOOST helps.
uint64_t event_latency_p99(SimCpu& cpu, SchedUnit& hog, SchedUnit& ev, uint64_t& hog_under) {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> gap(3, 17);
    std::vector<uint64_t> latency;
    hog_under = 0;
    while (latency.size() < 1000) {
        cpu.run(static_cast<unsigned>(gap(rng)));
        size_t woke_at = cpu.history().size();
        hog_under += hog.priority() == SchedPri::Under;
        cpu.wake(ev);
        while (cpu.current() != &ev) {  // count ticks until ev gets the CPU
            cpu.step();
            REQUIRE(cpu.history().size() - woke_at < 100);
        }
        latency.push_back(cpu.history().size() - woke_at);
        cpu.step();
        cpu.block(ev);
    }
    std::sort(latency.begin(), latency.end());
    return latency[latency.size() * 99 / 100];
}

}  // namespace

TEST_CASE("An event-driven unit woken while a hog runs runs at once; the hog keeps >= 80%",
          "[sched][sim]") {
    Scheduler s;
    SchedUnit hog, ev;
    SimCpu cpu(s, {&hog, &ev});
    start(s, cpu, {&hog, &ev});
    cpu.block(ev);
    size_t from = cpu.history().size();
    uint64_t hog_under = 0;
    CHECK(event_latency_p99(cpu, hog, ev, hog_under) <= 1);
    uint64_t total = cpu.history().size() - from;
    INFO("hog " << cpu.ran(&hog, from) << " of " << total);
    CHECK(cpu.ran(&hog, from) * 100 >= total * 80);
}

TEST_CASE("BOOST lets an event-driven unit preempt a hog that still has credit", "[sched][sim]") {
    // A heavy hog capped below its share keeps credit (UNDER); the light event-driven unit
    // uses less than its share. Without boost, every wake would wait out the hog's slice.
    Scheduler s;
    SchedUnit hog, ev;
    REQUIRE(s.set_params(hog, 1024, 70).ok());
    SimCpu cpu(s, {&hog, &ev});
    start(s, cpu, {&hog, &ev});
    cpu.block(ev);
    uint64_t hog_under = 0;
    CHECK(event_latency_p99(cpu, hog, ev, hog_under) <= 1);
    CHECK(hog_under >= 500);  // the case boost exists for was the common one
}

TEST_CASE("A unit that blocks and wakes every tick cannot starve a hog", "[sched][sim]") {
    Scheduler s;
    SchedUnit hog, flapper;
    SimCpu cpu(s, {&hog, &flapper});
    start(s, cpu, {&hog, &flapper});
    for (unsigned t = 0; t < 3000; t++) {
        bool flapper_ran = cpu.current() == &flapper;
        cpu.step();
        if (flapper_ran) {  // it blocks right after its tick and its event is already there
            cpu.block(flapper);
            cpu.wake(flapper);
        }
    }
    INFO("hog " << cpu.ran(&hog) << " flapper " << cpu.ran(&flapper));
    CHECK(cpu.ran(&hog) >= 3000 * 45 / 100);
    CHECK(cpu.ran(&flapper) >= 3000 * 45 / 100);
}

TEST_CASE("Random block/wake traffic never runs a blocked unit and never idles needlessly",
          "[sched][sim]") {
    Scheduler s;
    SchedUnit u[5];
    SimCpu cpu(s, {&u[0], &u[1], &u[2], &u[3], &u[4]});
    for (unsigned i = 0; i < 5; i++)
        REQUIRE(s.set_params(u[i], 64 * (i + 1), i == 4 ? 30 : 0).ok());  // one capped
    start(s, cpu, {&u[0], &u[1], &u[2], &u[3], &u[4]});
    std::mt19937 rng(7);
    for (unsigned t = 0; t < 5000; t++) {
        SchedUnit& v = u[rng() % 5];
        if (rng() % 2)
            cpu.block(v);
        else
            cpu.wake(v);
        cpu.step();  // SimCpu checks the invariants after every decision
    }
    uint64_t sum = 0;
    for (SchedUnit& v : u) sum += v.ticks_run();
    CHECK(sum + cpu.ran(nullptr) == 5000);
}

TEST_CASE("Removing the running unit mid-run hands the CPU to the others", "[sched][sim]") {
    Scheduler s;
    SchedUnit a, b;
    SimCpu cpu(s, {&a, &b});
    start(s, cpu, {&a, &b});
    cpu.run(10);
    SchedUnit* victim = cpu.current();
    SchedUnit* other = victim == &a ? &b : &a;
    cpu.remove(*victim);
    CHECK(cpu.current() == other);
    size_t from = cpu.history().size();
    cpu.run(100);
    CHECK(cpu.ran(victim, from) == 0);
    CHECK(cpu.ran(other, from) == 100);
}
