// Conformance: frame calls (20-22) — allocation and its charge, mapping rights, unmapping.
#include <vector>

#include "cap/cspace.hpp"
#include "domain/objects.hpp"
#include "fixture.hpp"
#include "gnttab/grant_table.hpp"
#include "mem/machine_frames.hpp"

using namespace bhtest;
using bh::machine_frames;

namespace {
constexpr uint64_t kFrame = 8;
constexpr uint64_t kCharge = bh::kPageSize + sizeof(bh::FrameObj);

bh::paddr_t frame_pa(Domain& d, uint64_t s) {
    return bh::kobject_cast<bh::FrameObj>(d.cspace->at(static_cast<bh_slot_t>(s)).value()->obj)->pa;
}

// Allocates frames into free slots until the quota refuses; returns how many it got.
int exhaust_quota(Fixture& f, Domain& d) {
    int n = 0;
    for (;;) {
        auto r = call(d, BH_CALL_FRAME_ALLOC, f.free_slot(d));
        if (r.err != Error::None) {
            REQUIRE(r.err == Error::Quota);
            return n;
        }
        ++n;
    }
}
}  // namespace

TEST_CASE_METHOD(Fixture, "FrameAlloc hands out a zeroed frame charged to the caller") {
    uint64_t free0 = machine_frames().free_frames();
    uint64_t used0 = sup().quota.used();
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame);
    CHECK(machine_frames().free_frames() == free0 - 1);
    CHECK(sup().quota.used() == used0 + kCharge);
    CHECK(REQUIRE_OK(sup(), BH_CALL_CAP_INFO, kFrame).r1 ==
          (BH_OBJ_FRAME | (BH_R_READ | BH_R_WRITE | BH_R_GRANT) << 8));
    bh::paddr_t pa = frame_pa(sup(), kFrame);
    CHECK(machine_frames().refcount(pa) == 1);
    CHECK(frame_hash(pa) == [] { std::vector<uint8_t> z(4096); uint64_t h = 0xcbf29ce484222325ull;
                                 for (uint8_t b : z) h = (h ^ b) * 0x100000001b3ull; return h; }());
}

TEST_CASE_METHOD(Fixture, "FrameAlloc rejects bad and occupied slots") {
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_FRAME_ALLOC, 64);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_FRAME_ALLOC, kTooWide + kFrame);
    CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_FRAME_ALLOC, BH_SLOT_SELF);
}

TEST_CASE_METHOD(Fixture, "FrameAlloc over quota fails with Quota and changes nothing") {
    Domain& c = child(8, 40);
    CHECK(exhaust_quota(*this, c) > 0);
    CHECK(c.quota.limit() - c.quota.used() < kCharge);
    CHECK_REJECTS(Error::Quota, c, BH_CALL_FRAME_ALLOC, free_slot(c));
    // Freeing one frame makes room for exactly one more.
    REQUIRE_OK(c, BH_CALL_CAP_DELETE, BH_SLOT_FIRST_FREE);
    REQUIRE_OK(c, BH_CALL_FRAME_ALLOC, BH_SLOT_FIRST_FREE);
}

TEST_CASE_METHOD(Fixture, "FrameAlloc with the machine out of frames fails with NoMemory") {
    std::vector<bh::paddr_t> hoard;
    for (auto f = machine_frames().alloc(); f.ok(); f = machine_frames().alloc())
        hoard.push_back(f.value());
    CHECK_REJECTS(Error::NoMemory, sup(), BH_CALL_FRAME_ALLOC, kFrame);
    for (bh::paddr_t pa : hoard) machine_frames().unref(pa);
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame);
}

TEST_CASE_METHOD(Fixture, "FrameMap writable: the domain's writes land in the frame") {
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame);
    REQUIRE_OK(sup(), BH_CALL_FRAME_MAP, kFrame, kScratch, 1);
    bh::paddr_t pa = frame_pa(sup(), kFrame);
    CHECK(machine_frames().refcount(pa) == 2);  // the cap and the mapping
    uint64_t v = 0x1122334455667788ull;
    poke(sup(), kScratch + 8, &v, sizeof v);
    CHECK(*bh::phys_as<uint64_t>(pa + 8) == v);
    auto leaf = sup().as.lookup(kScratch).value();
    CHECK(leaf.writable);
    CHECK_FALSE(leaf.foreign);
}

TEST_CASE_METHOD(Fixture, "FrameMap read-only: the kernel refuses to write through it") {
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame);
    REQUIRE_OK(sup(), BH_CALL_FRAME_MAP, kFrame, kScratch, 0);
    CHECK_FALSE(sup().as.lookup(kScratch).value().writable);
    CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_DOMAIN_INFO, BH_SLOT_SELF, kScratch);
    REQUIRE_OK(sup(), BH_CALL_CONSOLE_WRITE, kScratch, 8);
}

TEST_CASE_METHOD(Fixture, "FrameMap needs READ, and WRITE for a writable mapping") {
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame);
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kFrame, 9, BH_R_READ);
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kFrame, 10, BH_R_WRITE);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_FRAME_MAP, 9, kScratch, 1);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_FRAME_MAP, 10, kScratch, 0);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_FRAME_MAP, 10, kScratch, 1);
    REQUIRE_OK(sup(), BH_CALL_FRAME_MAP, 9, kScratch, 0);
}

TEST_CASE_METHOD(Fixture, "FrameMap rejects bad slots, other object types and bad flags") {
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_FRAME_MAP, kFrame, kScratch, 2);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_FRAME_MAP, kTooWide + kFrame, kScratch, 1);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_FRAME_MAP, 64, kScratch, 1);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_FRAME_MAP, 9, kScratch, 1);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_FRAME_MAP, BH_SLOT_SELF, kScratch, 0);
}

TEST_CASE_METHOD(Fixture, "FrameMap rejects unaligned, kernel and non-canonical addresses") {
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame);
    for (vaddr_t va : std::initializer_list<vaddr_t>{kScratch + 1, kScratch + 0x800, kKernelPtr,
                                                     kNonCanonical, kHighNonCanonical, kUserTop,
                                                     ~0ull & ~0xfffull}) {
        INFO("va " << std::hex << va);
        CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_FRAME_MAP, kFrame, va, 1);
    }
    // The last user page is usable.
    REQUIRE_OK(sup(), BH_CALL_FRAME_MAP, kFrame, kUserTop - bh::kPageSize, 1);
}

TEST_CASE_METHOD(Fixture, "FrameMap over an existing mapping fails with Busy") {
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame);
    REQUIRE_OK(sup(), BH_CALL_FRAME_MAP, kFrame, kScratch, 1);
    CHECK_REJECTS(Error::Busy, sup(), BH_CALL_FRAME_MAP, kFrame, kScratch, 1);
    CHECK_REJECTS(Error::Busy, sup(), BH_CALL_FRAME_MAP, kFrame, 0x401000, 0);   // ELF text
    CHECK_REJECTS(Error::Busy, sup(), BH_CALL_FRAME_MAP, kFrame, BH_USER_SHARED_INFO, 0);
}

TEST_CASE_METHOD(Fixture, "FrameMap needing page tables beyond the quota fails with Quota, builds nothing") {
    Domain& c = child(8, 40);
    exhaust_quota(*this, c);
    // A far-away address needs three new tables; the quota has room for fewer.
    CHECK(c.quota.limit() - c.quota.used() < 3 * bh::kPageSize);
    CHECK_REJECTS(Error::Quota, c, BH_CALL_FRAME_MAP, BH_SLOT_FIRST_FREE, 0x0000500000000000ull, 1);
}

TEST_CASE_METHOD(Fixture, "A mapped frame outlives its capability until it is unmapped") {
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame);
    REQUIRE_OK(sup(), BH_CALL_FRAME_MAP, kFrame, kScratch, 1);
    bh::paddr_t pa = frame_pa(sup(), kFrame);
    uint64_t free0 = machine_frames().free_frames();
    REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, kFrame);
    CHECK(machine_frames().free_frames() == free0);
    CHECK(machine_frames().refcount(pa) == 1);
    REQUIRE_OK(sup(), BH_CALL_FRAME_UNMAP, kScratch);
    CHECK(machine_frames().free_frames() == free0 + 1);
}

TEST_CASE_METHOD(Fixture, "FrameUnmap removes the mapping and drops its frame reference") {
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame);
    REQUIRE_OK(sup(), BH_CALL_FRAME_MAP, kFrame, kScratch, 1);
    bh::paddr_t pa = frame_pa(sup(), kFrame);
    REQUIRE_OK(sup(), BH_CALL_FRAME_UNMAP, kScratch);
    CHECK(sup().as.lookup(kScratch).error() == Error::BadAddress);
    CHECK(machine_frames().refcount(pa) == 1);
    CHECK(platform_log().flushes.empty());  // the space is not live on the CPU
    // The frame can be mapped again.
    REQUIRE_OK(sup(), BH_CALL_FRAME_MAP, kFrame, kScratch, 1);
}

TEST_CASE_METHOD(Fixture, "FrameUnmap in the live address space flushes the TLB entry") {
    map_page(sup(), kScratch);
    platform_log().mmu_root = sup().as.root();
    REQUIRE_OK(sup(), BH_CALL_FRAME_UNMAP, kScratch);
    REQUIRE(platform_log().flushes.size() == 1);
    CHECK(platform_log().flushes[0] == kScratch);
}

TEST_CASE_METHOD(Fixture, "FrameUnmap rejects unmapped, kernel and non-canonical addresses") {
    for (vaddr_t va : std::initializer_list<vaddr_t>{kUnmapped, kKernelPtr, kNonCanonical,
                                                     kHighNonCanonical, kUserTop}) {
        INFO("va " << std::hex << va);
        CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_FRAME_UNMAP, va);
    }
}

TEST_CASE_METHOD(Fixture, "FrameUnmap refuses grant-table mappings with Busy") {
    REQUIRE_OK(sup(), BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kScratch, 1);
    REQUIRE(sup().as.lookup(kScratch).value().foreign);
    CHECK_REJECTS(Error::Busy, sup(), BH_CALL_FRAME_UNMAP, kScratch);
}

TEST_CASE_METHOD(Fixture, "FrameAlloc of a run: one cap, every page charged, mapped contiguously") {
    constexpr uint64_t kPages = 40;
    uint64_t free0 = machine_frames().free_frames();
    uint64_t used0 = sup().quota.used();
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame, kPages);
    CHECK(machine_frames().free_frames() == free0 - kPages);
    CHECK(sup().quota.used() == used0 + bh::FrameObj::charge_for(kPages));
    REQUIRE_OK(sup(), BH_CALL_FRAME_MAP, kFrame, kScratch, 1);
    // A write to the last page lands in the run's last frame.
    uint64_t v = 0xfeedface;
    poke(sup(), kScratch + (kPages - 1) * 4096 + 16, &v, sizeof v);
    auto* f = bh::kobject_cast<bh::FrameObj>(sup().cspace->at(kFrame).value()->obj);
    CHECK(f->pages == kPages);
    uint64_t got = 0;
    __builtin_memcpy(&got, bh::phys_as<uint8_t>(f->frame(kPages - 1)) + 16, sizeof got);
    CHECK(got == v);
    for (uint32_t i = 0; i < kPages; ++i) CHECK(machine_frames().refcount(f->frame(i)) == 2);
    // Unmapped page by page; deleting the cap gives every frame and the whole charge back.
    // (The page table the mapping needed stays, as for any mapping.)
    for (uint64_t i = 0; i < kPages; ++i) REQUIRE_OK(sup(), BH_CALL_FRAME_UNMAP, kScratch + i * 4096);
    uint64_t free1 = machine_frames().free_frames(), used1 = sup().quota.used();
    REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, kFrame);
    CHECK(machine_frames().free_frames() == free1 + kPages);
    CHECK(sup().quota.used() == used1 - bh::FrameObj::charge_for(kPages));
}

TEST_CASE_METHOD(Fixture, "FrameAlloc refuses runs over 512 pages; a failed run map maps nothing") {
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_FRAME_ALLOC, kFrame, 513);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_FRAME_ALLOC, kFrame, ~0ull);
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame, 4);
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, kFrame + 1);
    // Page 2 of the run's range is taken: the run's map fails and leaves pages 0 and 1 unmapped.
    REQUIRE_OK(sup(), BH_CALL_FRAME_MAP, kFrame + 1, kScratch + 2 * 4096, 1);
    CHECK_REJECTS(Error::Busy, sup(), BH_CALL_FRAME_MAP, kFrame, kScratch, 1);
    CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_FRAME_UNMAP, kScratch);
    CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_FRAME_UNMAP, kScratch + 4096);
}

TEST_CASE_METHOD(Fixture, "FrameAlloc of a run over quota fails with Quota and changes nothing") {
    Domain& c = child(8, 40);
    uint64_t free0 = machine_frames().free_frames();
    CHECK_REJECTS(Error::Quota, c, BH_CALL_FRAME_ALLOC, free_slot(c), 512);
    CHECK(machine_frames().free_frames() == free0);
}
