// Conformance: GNTTAB_MAP_BATCH and GNTTAB_UNMAP_BATCH (44, 45) — a status per op, and a batch
// of unmaps flushing the mapper's devices' IOMMU caches once, before any grant is released.
#include "gnttab_helpers.hpp"

using namespace bhtest;

namespace {
constexpr vaddr_t kOps = 0x33000000;  // b's array of ops
constexpr uint16_t kInUse = bh::gtf::kReading | bh::gtf::kWriting;

struct BatchFixture : GntFixture {
    BatchFixture() {
        map_page(b, kOps);
        grant(3, b.id);
        grant(4, b.id, bh::gtf::kReadonly);
    }
    std::vector<bh_grant_map> map(std::vector<bh_grant_map> ops) {
        poke(b, kOps, ops.data(), ops.size() * sizeof ops[0]);
        REQUIRE_OK(b, BH_CALL_GNTTAB_MAP_BATCH, BH_SLOT_GNTTAB, kOps, ops.size());
        peek(b, kOps, ops.data(), ops.size() * sizeof ops[0]);
        return ops;
    }
    std::vector<int16_t> unmap(const std::vector<uint32_t>& handles) {
        std::vector<bh_grant_unmap> ops;
        for (uint32_t h : handles) ops.push_back({h, 99, 0});
        poke(b, kOps, ops.data(), ops.size() * sizeof ops[0]);
        REQUIRE_OK(b, BH_CALL_GNTTAB_UNMAP_BATCH, BH_SLOT_GNTTAB, kOps, ops.size());
        peek(b, kOps, ops.data(), ops.size() * sizeof ops[0]);
        std::vector<int16_t> st;
        for (auto& o : ops) st.push_back(o.status);
        return st;
    }
};
}  // namespace

TEST_CASE_METHOD(BatchFixture, "A map batch maps each op on its own, with its own status and handle") {
    auto r = map({{kMapVa, 3, a.id, 0, 0, 0, 0, 0}, {kMapVa + 0x1000, 99, a.id, 0, 0, 0, 0, 0},
                  {kMapVa + 0x2000, 4, a.id, 1, 0, 0, 0, 0}, {kMapVa + 0x3001, 3, a.id, 0, 0, 0, 0, 0},
                  {kMapVa + 0x4000, 4, a.id, 2, 0, 0, 0, 0}});
    CHECK(r[0].status == BH_OK);
    CHECK(r[1].status == BH_E_BAD_GRANT);
    CHECK(r[2].status == BH_OK);
    CHECK(r[3].status == BH_E_BAD_ADDRESS);
    CHECK(r[4].status == BH_E_BAD_ARG);
    CHECK(r[0].handle != r[2].handle);
    CHECK(read<char>(b, kMapVa) == kGrantText[0]);
    CHECK(read<char>(b, kMapVa + 0x2000) == kGrantText[0]);
    CHECK((flags(3) & kInUse) == kInUse);
}

TEST_CASE_METHOD(BatchFixture, "An unmap batch flushes the devices' caches once, while every grant is still held") {
    REQUIRE_OK(sup(), BH_CALL_MACHINE_IOMMU, BH_SLOT_MACHINE, 0xFED90000);
    REQUIRE_OK(sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kSlotB, 0x0008);
    auto r = map({{kMapVa, 3, a.id, 0, 0, 0, 0, 0}, {kMapVa + 0x1000, 4, a.id, 1, 0, 0, 0, 0}});
    auto& log = platform_log().iommu;
    log.flushes.clear();
    uint16_t at_flush3 = 0, at_flush4 = 0;
    log.on_flush = [&] { at_flush3 = flags(3), at_flush4 = flags(4); };
    auto st = unmap({r[0].handle, 12345, r[1].handle, r[0].handle});
    log.on_flush = nullptr;
    CHECK(st == std::vector<int16_t>{BH_OK, BH_E_BAD_HANDLE, BH_OK, BH_E_BAD_HANDLE});
    CHECK(log.flushes.size() == 1);
    CHECK((at_flush3 & kInUse) == kInUse);  // released only after the flush
    CHECK((at_flush4 & bh::gtf::kReading) != 0);
    CHECK((flags(3) & kInUse) == 0);
    CHECK((flags(4) & kInUse) == 0);
    CHECK(call(b, BH_CALL_FRAME_UNMAP, kMapVa).err == Error::BadAddress);  // gone
}

TEST_CASE_METHOD(BatchFixture, "Batches refuse bad counts and unusable arrays, doing nothing") {
    auto r = map({{kMapVa, 3, a.id, 0, 0, 0, 0, 0}});
    for (uint64_t nr : {uint64_t{BH_CALL_GNTTAB_MAP_BATCH}, uint64_t{BH_CALL_GNTTAB_UNMAP_BATCH}}) {
        CHECK_REJECTS(Error::BadArg, b, nr, BH_SLOT_GNTTAB, kOps, 0);
        CHECK_REJECTS(Error::BadArg, b, nr, BH_SLOT_GNTTAB, kOps, 17);
        CHECK_REJECTS(Error::BadAddress, b, nr, BH_SLOT_GNTTAB, kUnmapped, 1);
        CHECK_REJECTS(Error::BadAddress, b, nr, BH_SLOT_GNTTAB, kKernelPtr, 1);
        CHECK_REJECTS(Error::BadAddress, b, nr, BH_SLOT_GNTTAB, kOps + 0xff0, 4);  // runs off the page
        CHECK_REJECTS(Error::EmptySlot, b, nr, 20, kOps, 1);
    }
    CHECK((flags(3) & kInUse) == kInUse);  // the mapping stands
    CHECK(r[0].status == BH_OK);
}
