// kernel/cap: insert, lookup (the choke point), at, count and find_free.
#include <catch2/catch.hpp>

#include "cap_fixture.hpp"

using namespace bh;
using namespace bh::test;

TEST_CASE("A CSpace fits one kalloc object and a slot fits a cache line", "[cap]") {
    STATIC_REQUIRE(sizeof(Cap) <= 64);
    STATIC_REQUIRE(sizeof(CSpace) <= 4096);
    STATIC_REQUIRE(CSpace::kSlots == 64);
}

TEST_CASE("A new CSpace is empty and consistent", "[cap]") {
    auto s = make_space();
    CHECK(s->count() == 0);
    CHECK(s->check_invariants());
    auto f = s->find_free();
    REQUIRE(f.ok());
    CHECK(*f == 0);
    for (bh_slot_t i = 0; i < CSpace::kSlots; ++i) CHECK(s->at(i).error() == Error::EmptySlot);
}

TEST_CASE("insert stores a root cap and takes a reference", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(5, w.obj(0), BH_R_READ | BH_R_WRITE, 77).ok());
    auto c = w.sp(0).at(5);
    REQUIRE(c.ok());
    CHECK((*c)->obj == w.obj(0));
    CHECK((*c)->rights == (BH_R_READ | BH_R_WRITE));
    CHECK((*c)->badge == 77);
    CHECK((*c)->parent() == nullptr);
    CHECK((*c)->type() == ObjType::Frame);
    CHECK_FALSE((*c)->empty());
    CHECK(w.obj(0)->refs == 1);
    CHECK(w.sp(0).count() == 1);
    CHECK(w.consistent());
}

TEST_CASE("insert rejects bad slots, bad arguments and occupied slots without changes", "[cap]") {
    FakeObj null_obj(ObjType::Null);
    World w(1, 2);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_ALL).ok());
    auto before = w.snapshot();
    CHECK(w.sp(0).insert(CSpace::kSlots, w.obj(1), BH_R_READ).error() == Error::BadSlot);
    CHECK(w.sp(0).insert(0xffffffffu, w.obj(1), BH_R_READ).error() == Error::BadSlot);
    CHECK(w.sp(0).insert(1, nullptr, BH_R_READ).error() == Error::BadArg);
    CHECK(w.sp(0).insert(1, &null_obj, BH_R_READ).error() == Error::BadArg);
    CHECK(w.sp(0).insert(1, w.obj(1), BH_R_ALL + 1).error() == Error::BadArg);
    CHECK(w.sp(0).insert(1, w.obj(1), 1u << 31).error() == Error::BadArg);
    CHECK(w.sp(0).insert(0, w.obj(1), BH_R_READ).error() == Error::SlotFull);
    CHECK(w.snapshot() == before);
    CHECK(null_obj.refs == 0);
    CHECK(w.consistent());
}

TEST_CASE("insert accepts the last slot and zero rights", "[cap]") {
    World w(1, 1);
    CHECK(w.sp(0).insert(CSpace::kSlots - 1, w.obj(0), 0).ok());
    CHECK(w.sp(0).at(CSpace::kSlots - 1).ok());
    CHECK(w.consistent());
}

TEST_CASE("lookup reports each error in order: BadSlot, EmptySlot, WrongType, NoRights", "[cap]") {
    FakePort port;  // declared first: it must outlive the spaces naming it
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_READ).ok());
    REQUIRE(w.sp(0).insert(1, &port, BH_R_SEND).ok());
    auto before = w.snapshot();

    CHECK(w.sp(0).lookup(CSpace::kSlots, ObjType::Frame, 0).error() == Error::BadSlot);
    CHECK(w.sp(0).lookup(2, ObjType::Frame, 0).error() == Error::EmptySlot);
    CHECK(w.sp(0).lookup(0, ObjType::EvtChn, 0).error() == Error::WrongType);
    // the type is checked before the rights
    CHECK(w.sp(0).lookup(0, ObjType::EvtChn, BH_R_SEND).error() == Error::WrongType);
    CHECK(w.sp(0).lookup(0, ObjType::Frame, BH_R_WRITE).error() == Error::NoRights);
    CHECK(w.sp(0).lookup(0, ObjType::Frame, BH_R_READ | BH_R_WRITE).error() == Error::NoRights);
    CHECK(w.sp(0).lookup(0, ObjType::Null, 0).error() == Error::WrongType);

    auto ok = w.sp(0).lookup(0, ObjType::Frame, BH_R_READ);
    REQUIRE(ok.ok());
    CHECK((*ok)->obj == w.obj(0));
    CHECK(w.sp(0).lookup(0, ObjType::Frame, 0).ok());
    CHECK(w.snapshot() == before);
}

TEST_CASE("lookup_as returns the typed object and refuses other types", "[cap]") {
    FakePort port;  // declared first: it must outlive the spaces naming it
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_READ | BH_R_WRITE).ok());
    REQUIRE(w.sp(0).insert(1, &port, BH_R_SEND).ok());

    auto f = w.sp(0).lookup_as<FakeObj>(0, BH_R_WRITE);
    REQUIRE(f.ok());
    CHECK(*f == w.obj(0));
    auto p = w.sp(0).lookup_as<FakePort>(1, BH_R_SEND);
    REQUIRE(p.ok());
    CHECK(*p == &port);
    CHECK(w.sp(0).lookup_as<FakePort>(0, 0).error() == Error::WrongType);
    CHECK(w.sp(0).lookup_as<FakeObj>(1, 0).error() == Error::WrongType);
    CHECK(w.sp(0).lookup_as<FakePort>(1, BH_R_CONTROL).error() == Error::NoRights);
    CHECK(w.sp(0).lookup_as<FakePort>(9, 0).error() == Error::EmptySlot);
    CHECK(w.sp(0).lookup_as<FakePort>(64, 0).error() == Error::BadSlot);
}

TEST_CASE("at returns any non-empty cap and rejects bad or empty slots", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(3, w.obj(0), BH_R_CONTROL, 9).ok());
    auto c = w.sp(0).at(3);
    REQUIRE(c.ok());
    CHECK((*c)->rights == BH_R_CONTROL);
    CHECK((*c)->badge == 9);
    CHECK(w.sp(0).at(4).error() == Error::EmptySlot);
    CHECK(w.sp(0).at(CSpace::kSlots).error() == Error::BadSlot);
}

TEST_CASE("find_free returns the lowest empty slot and SlotFull when none is left", "[cap]") {
    World w(1, 1);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_READ).ok());
    REQUIRE(w.sp(0).insert(2, w.obj(0), BH_R_READ).ok());
    CHECK(*w.sp(0).find_free() == 1);
    for (bh_slot_t i = 0; i < CSpace::kSlots; ++i) {
        if (i != 0 && i != 2) REQUIRE(w.sp(0).insert(i, w.obj(0), BH_R_READ).ok());
    }
    CHECK(w.sp(0).count() == CSpace::kSlots);
    CHECK(w.sp(0).find_free().error() == Error::SlotFull);
    CHECK(w.obj(0)->refs == CSpace::kSlots);
    REQUIRE(w.sp(0).remove(40).ok());
    CHECK(*w.sp(0).find_free() == 40);
    CHECK(w.sp(0).count() == CSpace::kSlots - 1);
    CHECK(w.consistent());
}

TEST_CASE("check_invariants detects rights, badge and object mismatches with the parent",
          "[cap]") {
    World w(1, 2);
    REQUIRE(w.sp(0).insert(0, w.obj(0), BH_R_READ, 5).ok());
    REQUIRE(w.sp(0).copy(0, w.sp(0), 1, BH_R_ALL).ok());
    Cap* child = *w.sp(0).at(1);
    REQUIRE(w.sp(0).check_invariants());
    child->rights |= BH_R_WRITE;  // more than the parent has
    CHECK_FALSE(w.sp(0).check_invariants());
    child->rights = BH_R_READ;
    child->badge = 6;  // differs from a badged parent
    CHECK_FALSE(w.sp(0).check_invariants());
    child->badge = 5;
    child->obj = w.obj(1);  // names another object than its parent
    CHECK_FALSE(w.sp(0).check_invariants());
    child->obj = w.obj(0);
    CHECK(w.sp(0).check_invariants());
}
