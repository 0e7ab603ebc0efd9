// kernel/cap: release hooks, kernel holds, clear() and hooks that reach back into capability spaces.
#include <catch2/catch.hpp>

#include "cap_fixture.hpp"

using namespace bh;
using namespace bh::test;

namespace {

// A domain-like object that owns a CSpace; its hook destroys that space (and records itself).
struct FakeDomain : Kobject {
    static constexpr ObjType kType = ObjType::Domain;
    FakeDomain() : Kobject(ObjType::Domain) {}
    CSpace* space = nullptr;
};

int g_hook_depth = 0;
int g_hook_max_depth = 0;
std::vector<Kobject*> g_domains_released;

void release_domain(Kobject* o) {
    ++g_hook_depth;
    g_hook_max_depth = std::max(g_hook_max_depth, g_hook_depth);
    g_domains_released.push_back(o);
    auto* d = kobject_cast<FakeDomain>(o);
    REQUIRE(d != nullptr);
    kdelete(d->space);  // ~CSpace clears it, dropping whatever it held
    d->space = nullptr;
    --g_hook_depth;
}

struct DomainHook {
    DomainHook() {
        g_hook_depth = g_hook_max_depth = 0;
        g_domains_released.clear();
        set_release_hook(ObjType::Domain, release_domain);
    }
    ~DomainHook() { set_release_hook(ObjType::Domain, nullptr); }
};

}  // namespace

TEST_CASE("the release hook runs exactly once, when the last cap goes", "[cap]") {
    HookRecorder rec;
    World w(2, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(1), 0, BH_R_ALL).ok());
    REQUIRE(w.sp(1).copy(0, w.sp(1), 1, BH_R_ALL).ok());
    REQUIRE(w.sp(0).remove(0).ok());
    REQUIRE(w.sp(1).remove(1).ok());
    CHECK(HookRecorder::released.empty());
    CHECK(w.obj(0)->refs == 1);
    REQUIRE(w.sp(1).remove(0).ok());
    CHECK(HookRecorder::times(w.obj(0)) == 1);
    CHECK(HookRecorder::released.size() == 1);
    CHECK(w.obj(0)->refs == 0);
    CHECK(w.consistent());
}

TEST_CASE("revoke never releases the object: the revoked cap still names it", "[cap]") {
    HookRecorder rec;
    World w(2, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    for (bh_slot_t i = 0; i < 10; ++i) REQUIRE(w.sp(0).copy(0, w.sp(1), i, BH_R_ALL).ok());
    REQUIRE(w.sp(0).revoke(0).ok());
    CHECK(HookRecorder::released.empty());
    CHECK(w.obj(0)->refs == 1);
}

TEST_CASE("a kernel hold keeps the object after its last cap; the final drop releases it",
          "[cap]") {
    HookRecorder rec;
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    kobject_hold(w.obj(0));
    w.obj(0)->holds = 1;
    CHECK(w.consistent());
    REQUIRE(w.sp(0).remove(0).ok());
    CHECK(HookRecorder::released.empty());
    CHECK(w.obj(0)->refs == 1);
    kobject_drop(w.obj(0));
    w.obj(0)->holds = 0;
    CHECK(HookRecorder::times(w.obj(0)) == 1);
    CHECK(w.obj(0)->refs == 0);
}

TEST_CASE("an object held only by the kernel is released by its last drop", "[cap]") {
    HookRecorder rec;
    FakeObj o;
    kobject_hold(&o);
    kobject_hold(&o);
    kobject_drop(&o);
    CHECK(HookRecorder::released.empty());
    kobject_drop(&o);
    CHECK(HookRecorder::times(&o) == 1);
}

TEST_CASE("an unmatched drop neither wraps refs nor runs the hook again", "[cap]") {
    HookRecorder rec;
    FakeObj o;
    kobject_drop(&o);
    CHECK(o.refs == 0);
    CHECK(HookRecorder::released.empty());
    kobject_hold(nullptr);  // ignored
    kobject_drop(nullptr);
}

TEST_CASE("only the object's own type hook runs, and a removed hook runs no more", "[cap]") {
    HookRecorder frames(ObjType::Frame);
    FakePort port;
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, &port, BH_R_ALL).ok());
    REQUIRE(w.sp(0).remove(0).ok());
    CHECK(HookRecorder::released.empty());
    set_release_hook(ObjType::Frame, nullptr);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).remove(0).ok());
    CHECK(HookRecorder::released.empty());
    set_release_hook(static_cast<ObjType>(200), [](Kobject*) { FAIL("never installed"); });
}

TEST_CASE("clear empties the space and releases objects whose last cap it held, once each",
          "[cap]") {
    HookRecorder rec;
    World w(2, 3);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(0), 1, BH_R_ALL).ok());
    REQUIRE(w.sp(0).insert(2, w.obj(1), BH_R_ALL).ok());
    REQUIRE(w.sp(0).insert(3, w.obj(2), BH_R_ALL).ok());
    REQUIRE(w.sp(1).insert(0, w.obj(2), BH_R_ALL).ok());
    w.sp(0).clear();
    CHECK(w.sp(0).count() == 0);
    CHECK(HookRecorder::times(w.obj(0)) == 1);
    CHECK(HookRecorder::times(w.obj(1)) == 1);
    CHECK(HookRecorder::times(w.obj(2)) == 0);
    CHECK(w.obj(2)->refs == 1);
    CHECK(w.consistent());
}

TEST_CASE("clear of a space whose caps have children elsewhere keeps those children", "[cap]") {
    HookRecorder rec;
    World w(3, 2);
    // s1:0 -> s0:0 -> s0:1 -> s2:0   and   s0:0 -> s2:1;   s0:2 (obj1, root) -> s2:2
    REQUIRE(w.sp(1).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(1).copy(0, w.sp(0), 0, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(0), 1, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(1, w.sp(2), 0, BH_R_READ).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(2), 1, BH_R_WRITE).ok());
    REQUIRE(w.sp(0).insert(2, w.obj(1), BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(2, w.sp(2), 2, BH_R_ALL).ok());
    w.sp(0).clear();
    CHECK(w.sp(0).count() == 0);
    CHECK(w.sp(2).count() == 3);
    CHECK(HookRecorder::released.empty());
    const Cap* top = *w.sp(1).at(0);
    CHECK((*w.sp(2).at(0))->parent() == top);
    CHECK((*w.sp(2).at(1))->parent() == top);
    CHECK((*w.sp(2).at(0))->rights == BH_R_READ);
    CHECK((*w.sp(2).at(2))->parent() == nullptr);
    CHECK(w.consistent());
    REQUIRE(w.sp(1).revoke(0).ok());
    CHECK(w.sp(2).count() == 1);
    CHECK(w.consistent());
}

TEST_CASE("destroying a CSpace clears it, leaving no links into freed memory", "[cap]") {
    HookRecorder rec;
    World w(2, 1);
    SpacePtr doomed = make_space();
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(0, *doomed, 0, BH_R_ALL).ok());
    REQUIRE(doomed->copy(0, w.sp(1), 0, BH_R_ALL).ok());
    REQUIRE(doomed->copy(0, w.sp(1), 1, BH_R_ALL).ok());
    doomed.reset();
    CHECK(w.obj(0)->refs == 3);
    CHECK((*w.sp(1).at(0))->parent() == *w.sp(0).at(0));
    CHECK(w.consistent());
    REQUIRE(w.sp(0).revoke(0).ok());  // would touch freed memory if a link survived (ASan)
    CHECK(w.sp(1).count() == 0);
}

TEST_CASE("a domain whose own space holds its last cap is freed by clearing that space",
          "[cap]") {
    DomainHook hook;
    HookRecorder frames;
    auto* d = new FakeDomain;
    FakeObj frame;
    d->space = knew<CSpace>();
    REQUIRE(d->space != nullptr);
    REQUIRE(d->space->insert(0, d, BH_R_ALL).ok());
    REQUIRE(d->space->insert(1, &frame, BH_R_ALL).ok());
    d->space->clear();  // the hook frees the very space being cleared
    CHECK(g_domains_released.size() == 1);
    CHECK(d->space == nullptr);
    CHECK(HookRecorder::times(&frame) == 1);
    delete d;
}

TEST_CASE("a chain of 3000 domains each holding the last cap to the next is freed without "
          "nesting hooks", "[cap]") {
    DomainHook hook;
    constexpr size_t n = 3000;
    std::vector<std::unique_ptr<FakeDomain>> doms;
    for (size_t i = 0; i < n; ++i) {
        doms.push_back(std::make_unique<FakeDomain>());
        doms.back()->space = knew<CSpace>();
        REQUIRE(doms.back()->space != nullptr);
    }
    for (size_t i = 0; i + 1 < n; ++i) {
        REQUIRE(doms[i]->space->insert(0, doms[i + 1].get(), BH_R_ALL).ok());
    }
    kobject_hold(doms[0].get());
    kobject_drop(doms[0].get());
    CHECK(g_domains_released.size() == n);
    CHECK(g_hook_max_depth == 1);
    for (auto& d : doms) {
        CHECK(d->refs == 0);
        CHECK(d->space == nullptr);
    }
}

namespace {
FakeObj* g_pair[2];
bool g_revived = false;
// Releases are queued together; the first hook to run takes a hold on the other object.
void revive_other(Kobject* o) {
    HookRecorder::released.push_back(o);
    if (g_revived) return;
    g_revived = true;
    kobject_hold(o == g_pair[0] ? g_pair[1] : g_pair[0]);
}
}  // namespace

TEST_CASE("a hold taken by a hook on a queued object cancels that object's release", "[cap]") {
    HookRecorder rec;
    set_release_hook(ObjType::Frame, revive_other);
    World w(1, 2);
    g_pair[0] = w.obj(0);
    g_pair[1] = w.obj(1);
    g_revived = false;
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).insert(1, w.obj(1), BH_R_ALL).ok());
    w.sp(0).clear();
    REQUIRE(HookRecorder::released.size() == 1);
    FakeObj* survivor = HookRecorder::released[0] == w.obj(0) ? w.obj(1) : w.obj(0);
    CHECK(survivor->refs == 1);
    kobject_drop(survivor);
    CHECK(HookRecorder::times(survivor) == 1);
    CHECK(HookRecorder::released.size() == 2);
}

namespace {
World* g_world = nullptr;
bool g_consistent_in_hook = true;
void check_world(Kobject* o) {
    HookRecorder::released.push_back(o);
    for (auto& s : g_world->spaces) g_consistent_in_hook &= s->check_invariants();
    // a hook may use capability spaces: delete another cap of a different object
    if (o == g_world->obj(0)) g_consistent_in_hook &= g_world->sp(1).remove(5).ok();
}
}  // namespace

TEST_CASE("release hooks run only once the tree is consistent and may edit any space", "[cap]") {
    HookRecorder rec;
    set_release_hook(ObjType::Frame, check_world);
    World w(2, 3);
    g_world = &w;
    g_consistent_in_hook = true;
    for (bh_slot_t i = 0; i < 20; ++i) {
        REQUIRE(w.sp(0).insert(i, w.obj(i % 2), BH_R_ALL).ok());
        REQUIRE(w.sp(0).copy(i, w.sp(1), i, BH_R_ALL).ok());
    }
    REQUIRE(w.sp(1).insert(40, w.obj(2), BH_R_ALL).ok());
    REQUIRE(w.sp(1).copy(40, w.sp(0), 40, BH_R_ALL).ok());
    w.sp(1).clear();  // children in space 0 stay: nothing released
    CHECK(HookRecorder::released.empty());
    REQUIRE(w.sp(1).insert(5, w.obj(2), BH_R_ALL).ok());
    w.sp(0).clear();  // releases obj0 and obj1; obj0's hook removes sp(1):5, releasing obj2
    CHECK(g_consistent_in_hook);
    CHECK(HookRecorder::released.size() == 3);
    CHECK(HookRecorder::times(w.obj(2)) == 1);
    CHECK(w.consistent());
    g_world = nullptr;
}
