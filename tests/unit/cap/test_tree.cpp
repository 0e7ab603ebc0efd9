// kernel/cap: move, remove (delete) and revoke over the derivation tree, within and across spaces.
#include <catch2/catch.hpp>

#include "cap_fixture.hpp"

using namespace bh;
using namespace bh::test;

namespace {

// Derivation chain of `depth` caps after a root in space 0 slot 0, spread over the spaces in
// slot order; every cap carries GRANT so it can pass to the next space.
void build_chain(World& w, size_t depth) {
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    size_t prev_space = 0;
    bh_slot_t prev_slot = 0;
    for (size_t i = 1; i <= depth; ++i) {
        size_t space = i / CSpace::kSlots;
        auto slot = static_cast<bh_slot_t>(i % CSpace::kSlots);
        REQUIRE(w.sp(prev_space).copy(prev_slot, w.sp(space), slot, BH_R_ALL).ok());
        prev_space = space;
        prev_slot = slot;
    }
}

size_t total_caps(World& w) {
    size_t n = 0;
    for (auto& s : w.spaces) n += s->count();
    return n;
}

}  // namespace

TEST_CASE("move relocates a cap within a space and keeps refs", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_READ, 3).ok());
    REQUIRE(w.sp(0).move(0, w.sp(0), 9).ok());
    CHECK(w.sp(0).at(0).error() == Error::EmptySlot);
    const Cap* c = *w.sp(0).at(9);
    CHECK(c->obj == w.obj(0));
    CHECK(c->rights == BH_R_READ);
    CHECK(c->badge == 3);
    CHECK(w.obj(0)->refs == 1);
    CHECK(w.consistent());
}

TEST_CASE("move keeps derivation: revoke of the parent still reaches a moved child", "[cap]") {
    World w(3, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(1), 0, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(1), 1, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(1), 2, BH_R_ALL).ok());
    // move the middle sibling to a third space
    REQUIRE(w.sp(1).move(1, w.sp(2), 5).ok());
    CHECK((*w.sp(2).at(5))->parent() == *w.sp(0).at(0));
    CHECK(w.consistent());
    REQUIRE(w.sp(0).revoke(0).ok());
    CHECK(w.sp(2).count() == 0);
    CHECK(w.sp(1).count() == 0);
    CHECK(w.sp(0).count() == 1);
    CHECK(w.obj(0)->refs == 1);
    CHECK(w.consistent());
}

TEST_CASE("moving a parent carries its children: revoke of the moved cap reaches them", "[cap]") {
    World w(2, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(0), 1, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(1, w.sp(0), 2, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(1, w.sp(1), 0, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(2, w.sp(0), 3, BH_R_ALL).ok());
    REQUIRE(w.sp(0).move(1, w.sp(1), 7).ok());
    const Cap* moved = *w.sp(1).at(7);
    CHECK(moved->parent() == *w.sp(0).at(0));
    CHECK((*w.sp(0).at(2))->parent() == moved);
    CHECK((*w.sp(1).at(0))->parent() == moved);
    CHECK(w.consistent());
    REQUIRE(w.sp(1).revoke(7).ok());
    CHECK(w.sp(0).count() == 1);
    CHECK(w.sp(1).count() == 1);
    CHECK(w.sp(1).at(7).ok());
    CHECK(w.consistent());
}

TEST_CASE("move errors change nothing, including a move onto itself", "[cap]") {
    World w(2, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_READ).ok());
    REQUIRE(w.sp(1).insert(0, w.obj(0), BH_R_READ).ok());
    auto before = w.snapshot();
    CHECK(w.sp(0).move(CSpace::kSlots, w.sp(0), 1).error() == Error::BadSlot);
    CHECK(w.sp(0).move(0, w.sp(1), CSpace::kSlots).error() == Error::BadSlot);
    CHECK(w.sp(0).move(3, w.sp(0), 1).error() == Error::EmptySlot);
    CHECK(w.sp(0).move(0, w.sp(0), 0).error() == Error::SlotFull);
    CHECK(w.sp(0).move(0, w.sp(1), 0).error() == Error::SlotFull);
    CHECK(w.snapshot() == before);
}

TEST_CASE("move needs no GRANT: it hands over authority without adding any", "[cap]") {
    World w(2, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_READ).ok());
    REQUIRE(w.sp(0).move(0, w.sp(1), 0).ok());
    CHECK(w.sp(0).count() == 0);
    CHECK((*w.sp(1).at(0))->rights == BH_R_READ);
    CHECK(w.consistent());
}

TEST_CASE("remove re-parents children: a later revoke of the grandparent reaches them", "[cap]") {
    World w(2, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());     // grandparent
    REQUIRE(w.sp(0).copy(0, w.sp(0), 1, BH_R_ALL).ok());     // parent
    REQUIRE(w.sp(0).copy(0, w.sp(0), 4, BH_R_ALL).ok());     // parent's sibling
    REQUIRE(w.sp(0).copy(1, w.sp(1), 0, BH_R_READ).ok());    // children
    REQUIRE(w.sp(0).copy(1, w.sp(1), 1, BH_R_WRITE).ok());
    REQUIRE(w.sp(1).copy(1, w.sp(1), 2, BH_R_ALL).ok());     // grandchild
    REQUIRE(w.sp(0).remove(1).ok());
    CHECK(w.sp(0).at(1).error() == Error::EmptySlot);
    const Cap* grand = *w.sp(0).at(0);
    CHECK((*w.sp(1).at(0))->parent() == grand);
    CHECK((*w.sp(1).at(1))->parent() == grand);
    CHECK((*w.sp(1).at(2))->parent() == *w.sp(1).at(1));
    // children keep their authority
    CHECK((*w.sp(1).at(0))->rights == BH_R_READ);
    CHECK((*w.sp(1).at(1))->rights == BH_R_WRITE);
    CHECK(w.obj(0)->refs == 5);
    CHECK(w.consistent());
    REQUIRE(w.sp(0).revoke(0).ok());
    CHECK(w.sp(1).count() == 0);
    CHECK(w.sp(0).count() == 1);
    CHECK(w.consistent());
}

TEST_CASE("removing a root makes its children roots that no other revoke reaches", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).insert(1, w.obj(0), BH_R_ALL).ok());  // an unrelated root, same object
    REQUIRE(w.sp(0).copy(0, w.sp(0), 2, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(0), 3, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(3, w.sp(0), 4, BH_R_ALL).ok());
    REQUIRE(w.sp(0).remove(0).ok());
    CHECK((*w.sp(0).at(2))->parent() == nullptr);
    CHECK((*w.sp(0).at(3))->parent() == nullptr);
    CHECK((*w.sp(0).at(4))->parent() == *w.sp(0).at(3));
    CHECK(w.consistent());
    REQUIRE(w.sp(0).revoke(1).ok());
    CHECK(w.sp(0).count() == 4);
    REQUIRE(w.sp(0).revoke(3).ok());
    CHECK(w.sp(0).count() == 3);
    CHECK(w.consistent());
}

TEST_CASE("remove of a middle sibling keeps the sibling list intact", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    for (bh_slot_t i = 1; i <= 5; ++i) REQUIRE(w.sp(0).copy(0, w.sp(0), i, BH_R_ALL).ok());
    REQUIRE(w.sp(0).remove(3).ok());
    CHECK(w.consistent());
    REQUIRE(w.sp(0).remove(5).ok());  // head of the list (children are pushed at the front)
    CHECK(w.consistent());
    REQUIRE(w.sp(0).remove(1).ok());  // tail
    CHECK(w.consistent());
    size_t n = 0;
    for (const Cap* c = (*w.sp(0).at(0))->first_child(); c; c = c->next_sibling()) ++n;
    CHECK(n == 2);
}

TEST_CASE("remove errors change nothing", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    auto before = w.snapshot();
    CHECK(w.sp(0).remove(CSpace::kSlots).error() == Error::BadSlot);
    CHECK(w.sp(0).remove(1).error() == Error::EmptySlot);
    CHECK(w.snapshot() == before);
}

TEST_CASE("revoke leaves the revoked slot itself and unrelated caps", "[cap]") {
    World w(2, 2);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL, 1).ok());
    REQUIRE(w.sp(0).insert(1, w.obj(0), BH_R_ALL).ok());  // another root for the same object
    REQUIRE(w.sp(0).insert(2, w.obj(1), BH_R_ALL).ok());  // another object
    REQUIRE(w.sp(0).copy(1, w.sp(1), 10, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(2, w.sp(1), 11, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(1), 0, BH_R_ALL).ok());
    REQUIRE(w.sp(1).copy(0, w.sp(0), 3, BH_R_READ).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(0), 4, BH_R_ALL).ok());
    REQUIRE(w.sp(0).revoke(0).ok());
    const Cap* kept = *w.sp(0).at(0);
    CHECK(kept->rights == BH_R_ALL);
    CHECK(kept->badge == 1);
    CHECK(kept->first_child() == nullptr);
    CHECK(w.sp(0).at(3).error() == Error::EmptySlot);
    CHECK(w.sp(0).at(4).error() == Error::EmptySlot);
    CHECK(w.sp(1).at(0).error() == Error::EmptySlot);
    CHECK(w.sp(0).at(1).ok());
    CHECK(w.sp(0).at(2).ok());
    CHECK(w.sp(1).at(10).ok());
    CHECK(w.sp(1).at(11).ok());
    CHECK(w.obj(0)->refs == 3);
    CHECK(w.obj(1)->refs == 2);
    CHECK(w.consistent());
}

TEST_CASE("revoke of a middle cap keeps its parent and siblings", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(0), 1, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(0), 2, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(1, w.sp(0), 3, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(3, w.sp(0), 4, BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(2, w.sp(0), 5, BH_R_ALL).ok());
    REQUIRE(w.sp(0).revoke(1).ok());
    CHECK(w.sp(0).count() == 4);
    CHECK(w.sp(0).at(5).ok());
    CHECK(w.sp(0).at(3).error() == Error::EmptySlot);
    CHECK(w.sp(0).at(4).error() == Error::EmptySlot);
    CHECK(w.consistent());
}

TEST_CASE("revoke of a leaf changes nothing; revoke errors change nothing", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(0), 1, BH_R_ALL).ok());
    auto before = w.snapshot();
    CHECK(w.sp(0).revoke(1).ok());
    CHECK(w.snapshot() == before);
    CHECK(w.sp(0).revoke(CSpace::kSlots).error() == Error::BadSlot);
    CHECK(w.sp(0).revoke(2).error() == Error::EmptySlot);
    CHECK(w.snapshot() == before);
}

TEST_CASE("revoke deletes a derivation chain 6000 deep across 94 spaces without recursion",
          "[cap]") {
    constexpr size_t depth = 6000;
    World w(depth / CSpace::kSlots + 1, 1);
    build_chain(w, depth);
    CHECK(total_caps(w) == depth + 1);
    CHECK(w.obj(0)->refs == depth + 1);
    CHECK(w.consistent());
    REQUIRE(w.sp(0).revoke(0).ok());
    CHECK(total_caps(w) == 1);
    CHECK(w.obj(0)->refs == 1);
    CHECK((*w.sp(0).at(0))->first_child() == nullptr);
    CHECK(w.consistent());
}

TEST_CASE("revoke from the middle of a deep chain keeps the upper part", "[cap]") {
    constexpr size_t depth = 5000;
    World w(depth / CSpace::kSlots + 1, 1);
    build_chain(w, depth);
    // cap number 2500 lives in space 2500/64, slot 2500%64
    REQUIRE(w.sp(2500 / CSpace::kSlots).revoke(2500 % CSpace::kSlots).ok());
    CHECK(total_caps(w) == 2501);
    CHECK(w.consistent());
}

TEST_CASE("remove in the middle of a deep chain splices it and revoke still reaches the tail",
          "[cap]") {
    constexpr size_t depth = 5000;
    World w(depth / CSpace::kSlots + 1, 1);
    build_chain(w, depth);
    REQUIRE(w.sp(1).remove(0).ok());  // cap number 64
    CHECK(w.consistent());
    REQUIRE(w.sp(0).revoke(0).ok());
    CHECK(total_caps(w) == 1);
    CHECK(w.consistent());
}

TEST_CASE("revoke deletes a wide tree of 3000 children spread over 47 spaces", "[cap]") {
    constexpr size_t width = 3000;
    World w(width / CSpace::kSlots + 3, 2);  // 0: root, 1..47: children, 48: others
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).insert(1, w.obj(1), BH_R_ALL).ok());  // unrelated, keeps a child too
    size_t last = w.spaces.size() - 1;
    REQUIRE(w.sp(0).copy(1, w.sp(last), 63, BH_R_ALL).ok());
    for (size_t i = 0; i < width; ++i) {
        size_t space = 1 + i / CSpace::kSlots;
        auto slot = static_cast<bh_slot_t>(i % CSpace::kSlots);
        REQUIRE(w.sp(0).copy(0, w.sp(space), slot, BH_R_ALL).ok());
    }
    // every 100th child gets a grandchild in the last space, so the walk also climbs back up
    for (size_t i = 0; i < width; i += 100) {
        size_t space = 1 + i / CSpace::kSlots;
        auto slot = static_cast<bh_slot_t>(i % CSpace::kSlots);
        REQUIRE(w.sp(space).copy(slot, w.sp(last), static_cast<bh_slot_t>(i / 100), BH_R_READ)
                    .ok());
    }
    CHECK(w.obj(0)->refs == 1 + width + 30);
    CHECK(w.consistent());
    REQUIRE(w.sp(0).revoke(0).ok());
    CHECK(w.obj(0)->refs == 1);
    CHECK(w.obj(1)->refs == 2);
    CHECK(total_caps(w) == 3);
    CHECK(w.sp(last).at(63).ok());
    CHECK(w.consistent());
}
