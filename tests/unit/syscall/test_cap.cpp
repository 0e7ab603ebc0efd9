// Conformance: capability-space calls (10-15) within the caller's own space.
#include "cap/cspace.hpp"
#include "domain/objects.hpp"
#include "fixture.hpp"
#include "mem/machine_frames.hpp"

using namespace bhtest;
using bh::Cap;
using bh::CSpace;

namespace {

constexpr uint64_t kFrame = 8;  // the frame each test allocates first
constexpr uint64_t kFree = 9;   // an empty slot
constexpr uint64_t kOutOfRange = CSpace::kSlots;

const Cap& slot(Domain& d, uint64_t s) { return *d.cspace->at(static_cast<bh_slot_t>(s)).value(); }

struct CapFixture : Fixture {
    CapFixture() { REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame); }
};

}  // namespace

TEST_CASE_METHOD(CapFixture, "CapCopy derives a child holding the masked rights") {
    uint32_t before = sup().cspace->count();
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kFrame, kFree, BH_R_READ | BH_R_SEND);
    CHECK(sup().cspace->count() == before + 1);
    auto info = REQUIRE_OK(sup(), BH_CALL_CAP_INFO, kFree);
    CHECK(info.r1 == (BH_OBJ_FRAME | (BH_R_READ << 8)));
    CHECK(info.r2 == 0);
    CHECK(slot(sup(), kFree).parent() == &slot(sup(), kFrame));
    CHECK(sup().cspace->check_invariants());
}

TEST_CASE_METHOD(CapFixture, "CapCopy rejects bad slots, wide arguments and occupied targets") {
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_CAP_COPY, kOutOfRange, kFree, BH_R_ALL);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_CAP_COPY, kFrame, kOutOfRange, BH_R_ALL);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_CAP_COPY, kTooWide + kFrame, kFree, BH_R_ALL);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_CAP_COPY, kFrame, kTooWide + kFree, BH_R_ALL);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_CAP_COPY, kFrame, kFree, kTooWide);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_CAP_COPY, kFree, kFree + 1, BH_R_ALL);
    CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_CAP_COPY, kFrame, BH_SLOT_SELF, BH_R_ALL);
    CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_CAP_COPY, kFrame, kFrame, BH_R_ALL);
}

TEST_CASE_METHOD(CapFixture, "CapMint sets a badge that derived capabilities cannot change") {
    REQUIRE_OK(sup(), BH_CALL_CAP_MINT, kFrame, kFree, BH_R_ALL, 0x77);
    CHECK(REQUIRE_OK(sup(), BH_CALL_CAP_INFO, kFree).r2 == 0x77);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_CAP_MINT, kFree, kFree + 1, BH_R_ALL, 0x78);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_CAP_MINT, kFree, kFree + 1, BH_R_ALL, 0);
    // The same badge again is a plain derivation.
    REQUIRE_OK(sup(), BH_CALL_CAP_MINT, kFree, kFree + 1, BH_R_READ, 0x77);
    // A copy of a badged cap keeps its badge.
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kFree, kFree + 2, BH_R_ALL);
    CHECK(REQUIRE_OK(sup(), BH_CALL_CAP_INFO, kFree + 2).r2 == 0x77);
    CHECK(sup().cspace->check_invariants());
}

TEST_CASE_METHOD(CapFixture, "CapMint rejects bad slots and wide arguments") {
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_CAP_MINT, kOutOfRange, kFree, BH_R_ALL, 1);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_CAP_MINT, kFrame, kOutOfRange, BH_R_ALL, 1);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_CAP_MINT, kTooWide, kFree, BH_R_ALL, 1);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_CAP_MINT, kFrame, kTooWide, BH_R_ALL, 1);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_CAP_MINT, kFrame, kFree, kTooWide, 1);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_CAP_MINT, kFree, kFree + 1, BH_R_ALL, 1);
    CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_CAP_MINT, kFrame, BH_SLOT_GNTTAB, BH_R_ALL, 1);
}

TEST_CASE_METHOD(CapFixture, "CapMove relocates a capability with its place in the derivation tree") {
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kFrame, kFree, BH_R_READ);
    uint32_t before = sup().cspace->count();
    REQUIRE_OK(sup(), BH_CALL_CAP_MOVE, kFree, 20);
    CHECK(sup().cspace->count() == before);
    CHECK(call(sup(), BH_CALL_CAP_INFO, kFree).err == Error::EmptySlot);
    CHECK(slot(sup(), 20).parent() == &slot(sup(), kFrame));
    // Still derived: revoking the parent reaches it in its new slot.
    REQUIRE_OK(sup(), BH_CALL_CAP_REVOKE, kFrame);
    CHECK(call(sup(), BH_CALL_CAP_INFO, 20).err == Error::EmptySlot);
    CHECK(sup().cspace->check_invariants());
}

TEST_CASE_METHOD(CapFixture, "CapMove rejects bad slots and occupied targets") {
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_CAP_MOVE, kOutOfRange, kFree);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_CAP_MOVE, kFrame, kOutOfRange);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_CAP_MOVE, kTooWide, kFree);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_CAP_MOVE, kFrame, kTooWide);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_CAP_MOVE, kFree, kFree + 1);
    CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_CAP_MOVE, kFrame, BH_SLOT_MACHINE);
    CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_CAP_MOVE, kFrame, kFrame);
}

TEST_CASE_METHOD(Fixture, "CapDelete of the last capability frees the object and its charge") {
    uint64_t free0 = bh::machine_frames().free_frames();
    uint64_t used0 = sup().quota.used();
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame);
    REQUIRE(bh::machine_frames().free_frames() == free0 - 1);
    REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, kFrame);
    CHECK(bh::machine_frames().free_frames() == free0);
    CHECK(sup().quota.used() == used0);
    CHECK(call(sup(), BH_CALL_CAP_INFO, kFrame).err == Error::EmptySlot);
}

TEST_CASE_METHOD(CapFixture, "CapDelete keeps derived capabilities and their authority") {
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kFrame, kFree, BH_R_ALL);
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kFree, kFree + 1, BH_R_READ);
    uint64_t free0 = bh::machine_frames().free_frames();
    REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, kFree);
    CHECK(bh::machine_frames().free_frames() == free0);
    CHECK(slot(sup(), kFree + 1).parent() == &slot(sup(), kFrame));  // re-parented
    REQUIRE_OK(sup(), BH_CALL_FRAME_MAP, kFree + 1, kScratch, 0);
    CHECK(sup().cspace->check_invariants());
}

TEST_CASE_METHOD(CapFixture, "CapDelete rejects bad and empty slots") {
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_CAP_DELETE, kOutOfRange);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_CAP_DELETE, kTooWide);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_CAP_DELETE, kFree);
}

TEST_CASE_METHOD(CapFixture, "CapRevoke deletes every derived capability, in other spaces too") {
    Domain& c = child(20);
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kFrame, kFree, BH_R_ALL);
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kFree, kFree + 1, BH_R_READ);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_GIVE_CAP, 20, kFree, 12, BH_R_READ);
    REQUIRE(c.cspace->at(12).ok());
    uint32_t before = sup().cspace->count();
    REQUIRE_OK(sup(), BH_CALL_CAP_REVOKE, kFrame);
    CHECK(sup().cspace->count() == before - 2);
    CHECK(c.cspace->at(12).error() == Error::EmptySlot);
    CHECK(REQUIRE_OK(sup(), BH_CALL_CAP_INFO, kFrame).r1 == (BH_OBJ_FRAME | (BH_R_READ | BH_R_WRITE | BH_R_GRANT) << 8));
    CHECK(sup().cspace->check_invariants());
    CHECK(c.cspace->check_invariants());
}

TEST_CASE_METHOD(CapFixture, "CapRevoke rejects bad and empty slots") {
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_CAP_REVOKE, kOutOfRange);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_CAP_REVOKE, kTooWide);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_CAP_REVOKE, kFree);
}

TEST_CASE_METHOD(Fixture, "CapInfo reports type, rights and badge of the initial capabilities") {
    CHECK(REQUIRE_OK(sup(), BH_CALL_CAP_INFO, BH_SLOT_SELF).r1 == (BH_OBJ_DOMAIN | BH_R_READ << 8));
    CHECK(REQUIRE_OK(sup(), BH_CALL_CAP_INFO, BH_SLOT_GNTTAB).r1 ==
          (BH_OBJ_GNTTAB | (BH_R_READ | BH_R_WRITE | BH_R_GRANT) << 8));
    CHECK(REQUIRE_OK(sup(), BH_CALL_CAP_INFO, BH_SLOT_MACHINE).r1 == (BH_OBJ_MACHINE | BH_R_ALL << 8));
}

TEST_CASE_METHOD(Fixture, "CapInfo rejects bad and empty slots and reports nothing") {
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_CAP_INFO, kOutOfRange);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_CAP_INFO, kTooWide);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_CAP_INFO, kFree);
    auto r = call(sup(), BH_CALL_CAP_INFO, kFree);
    CHECK(r.out.r1 == 0);
    CHECK(r.out.r2 == 0);
}

TEST_CASE_METHOD(Fixture, "Cap calls fill every slot and then fail with SlotFull") {
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame);
    for (uint32_t s = 0; s < CSpace::kSlots; ++s)
        if (!sup().cspace->at(s).ok()) REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kFrame, s, BH_R_READ);
    CHECK(sup().cspace->count() == CSpace::kSlots);
    for (uint64_t s = 0; s < CSpace::kSlots; ++s) {
        CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_CAP_COPY, kFrame, s, BH_R_READ);
        CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_FRAME_ALLOC, s);
    }
}
