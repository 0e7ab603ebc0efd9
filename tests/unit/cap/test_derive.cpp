// kernel/cap: copy and mint — rights only shrink, GRANT across spaces, badge rules.
#include <catch2/catch.hpp>

#include "cap_fixture.hpp"

using namespace bh;
using namespace bh::test;

TEST_CASE("copy makes a child with the masked rights and the same badge", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_READ | BH_R_WRITE, 42).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(0), 1, BH_R_READ).ok());
    const Cap* parent = *w.sp(0).at(0);
    const Cap* child = *w.sp(0).at(1);
    CHECK(child->obj == w.obj(0));
    CHECK(child->rights == BH_R_READ);
    CHECK(child->badge == 42);
    CHECK(child->parent() == parent);
    CHECK(parent->first_child() == child);
    CHECK(w.obj(0)->refs == 2);
    CHECK(w.consistent());
}

TEST_CASE("copy never adds rights: a mask wider than the source keeps the source's rights",
          "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_READ).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(0), 1, 0xffffffffu).ok());
    CHECK((*w.sp(0).at(1))->rights == BH_R_READ);
    // a child of the narrowed child cannot regain WRITE either
    REQUIRE(w.sp(0).copy(1, w.sp(0), 2, BH_R_READ | BH_R_WRITE).ok());
    CHECK((*w.sp(0).at(2))->rights == BH_R_READ);
    CHECK(w.sp(0).lookup(2, ObjType::Frame, BH_R_WRITE).error() == Error::NoRights);
    REQUIRE(w.sp(0).copy(2, w.sp(0), 3, 0).ok());
    CHECK((*w.sp(0).at(3))->rights == 0);
    CHECK(w.consistent());
}

TEST_CASE("copy into another space needs GRANT on the source", "[cap]") {
    World w(2, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_READ | BH_R_WRITE).ok());
    auto before = w.snapshot();
    CHECK(w.sp(0).copy(0, w.sp(1), 0, BH_R_ALL).error() == Error::NoRights);
    CHECK(w.snapshot() == before);
    // within the own space no GRANT is needed
    REQUIRE(w.sp(0).copy(0, w.sp(0), 1, BH_R_ALL).ok());

    REQUIRE(w.sp(0).insert(2, w.obj(0), BH_R_READ | BH_R_GRANT).ok());
    REQUIRE(w.sp(0).copy(2, w.sp(1), 0, BH_R_ALL).ok());
    const Cap* far = *w.sp(1).at(0);
    CHECK(far->parent() == *w.sp(0).at(2));
    CHECK(far->rights == (BH_R_READ | BH_R_GRANT));
    // the receiver passes it on only while it keeps GRANT
    REQUIRE(w.sp(1).copy(0, w.sp(0), 3, BH_R_READ).ok());
    CHECK(w.sp(0).copy(3, w.sp(1), 1, BH_R_ALL).error() == Error::NoRights);
    CHECK(w.consistent());
}

TEST_CASE("copy errors change nothing", "[cap]") {
    World w(2, 2);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).insert(1, w.obj(1), BH_R_READ).ok());
    REQUIRE(w.sp(1).insert(0, w.obj(1), BH_R_READ).ok());
    auto before = w.snapshot();
    CHECK(w.sp(0).copy(CSpace::kSlots, w.sp(0), 5, BH_R_ALL).error() == Error::BadSlot);
    CHECK(w.sp(0).copy(0, w.sp(0), CSpace::kSlots, BH_R_ALL).error() == Error::BadSlot);
    CHECK(w.sp(0).copy(0, w.sp(1), 1000, BH_R_ALL).error() == Error::BadSlot);
    CHECK(w.sp(0).copy(7, w.sp(0), 5, BH_R_ALL).error() == Error::EmptySlot);
    CHECK(w.sp(0).copy(0, w.sp(0), 1, BH_R_ALL).error() == Error::SlotFull);
    CHECK(w.sp(0).copy(0, w.sp(1), 0, BH_R_ALL).error() == Error::SlotFull);
    CHECK(w.sp(0).copy(1, w.sp(1), 1, BH_R_ALL).error() == Error::NoRights);
    CHECK(w.snapshot() == before);
    CHECK(w.consistent());
}

TEST_CASE("copying a slot onto itself fails with SlotFull", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(4, w.obj(0), BH_R_ALL).ok());
    auto before = w.snapshot();
    CHECK(w.sp(0).copy(4, w.sp(0), 4, BH_R_ALL).error() == Error::SlotFull);
    CHECK(w.sp(0).mint(4, w.sp(0), 4, BH_R_ALL, 1).error() == Error::SlotFull);
    CHECK(w.snapshot() == before);
}

TEST_CASE("mint badges an unbadged cap and masks its rights", "[cap]") {
    World w(2, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_SEND | BH_R_GRANT).ok());
    REQUIRE(w.sp(0).mint(0, w.sp(1), 3, BH_R_SEND, 0xdead).ok());
    const Cap* c = *w.sp(1).at(3);
    CHECK(c->badge == 0xdead);
    CHECK(c->rights == BH_R_SEND);
    CHECK(c->parent() == *w.sp(0).at(0));
    CHECK(w.consistent());
}

TEST_CASE("a badged cap cannot be re-badged, but keeps its badge when minted again", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).mint(0, w.sp(0), 1, BH_R_ALL, 5).ok());
    auto before = w.snapshot();
    CHECK(w.sp(0).mint(1, w.sp(0), 2, BH_R_ALL, 6).error() == Error::BadState);
    CHECK(w.sp(0).mint(1, w.sp(0), 2, BH_R_ALL, 0).error() == Error::BadState);
    CHECK(w.snapshot() == before);
    REQUIRE(w.sp(0).mint(1, w.sp(0), 2, BH_R_READ, 5).ok());
    CHECK((*w.sp(0).at(2))->badge == 5);
    // copy of a badged cap keeps the badge
    REQUIRE(w.sp(0).copy(2, w.sp(0), 3, BH_R_ALL).ok());
    CHECK((*w.sp(0).at(3))->badge == 5);
    CHECK((*w.sp(0).at(3))->rights == BH_R_READ);
    // an inserted badged root follows the same rule
    REQUIRE(w.sp(0).insert(10, w.obj(0), BH_R_ALL, 8).ok());
    CHECK(w.sp(0).mint(10, w.sp(0), 11, BH_R_ALL, 9).error() == Error::BadState);
    CHECK(w.consistent());
}

TEST_CASE("mint with badge 0 from an unbadged cap is a plain copy", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    REQUIRE(w.sp(0).mint(0, w.sp(0), 1, BH_R_READ, 0).ok());
    CHECK((*w.sp(0).at(1))->badge == 0);
    // so the result may still be badged later
    REQUIRE(w.sp(0).mint(1, w.sp(0), 2, BH_R_READ, 3).ok());
    CHECK((*w.sp(0).at(2))->badge == 3);
    CHECK(w.consistent());
}

TEST_CASE("mint errors are checked in order and change nothing", "[cap]") {
    World w(2, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_READ, 4).ok());
    REQUIRE(w.sp(0).insert(1, w.obj(0), BH_R_ALL, 4).ok());
    auto before = w.snapshot();
    CHECK(w.sp(0).mint(64, w.sp(0), 2, BH_R_ALL, 4).error() == Error::BadSlot);
    CHECK(w.sp(0).mint(0, w.sp(0), 64, BH_R_ALL, 4).error() == Error::BadSlot);
    CHECK(w.sp(0).mint(9, w.sp(0), 2, BH_R_ALL, 4).error() == Error::EmptySlot);
    // NoRights before BadState, BadState before SlotFull
    CHECK(w.sp(0).mint(0, w.sp(1), 0, BH_R_ALL, 7).error() == Error::NoRights);
    CHECK(w.sp(0).mint(0, w.sp(0), 1, BH_R_ALL, 7).error() == Error::BadState);
    CHECK(w.sp(0).mint(0, w.sp(0), 1, BH_R_ALL, 4).error() == Error::SlotFull);
    CHECK(w.snapshot() == before);
    CHECK(w.consistent());
}

TEST_CASE("many children of one cap are each linked to it", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    for (bh_slot_t i = 1; i < CSpace::kSlots; ++i) {
        REQUIRE(w.sp(0).copy(0, w.sp(0), i, BH_R_ALL).ok());
    }
    size_t n = 0;
    for (const Cap* c = (*w.sp(0).at(0))->first_child(); c; c = c->next_sibling()) ++n;
    CHECK(n == CSpace::kSlots - 1);
    CHECK(w.obj(0)->refs == CSpace::kSlots);
    CHECK(w.consistent());
}
