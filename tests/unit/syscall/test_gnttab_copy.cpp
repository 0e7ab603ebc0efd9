// Conformance: GNTTAB_COPY (43) — whole-call errors and per-segment statuses.
#include <vector>

#include "gnttab_helpers.hpp"

using namespace bhtest;
namespace gtf = bh::gtf;

namespace {

constexpr vaddr_t kOpsVa = kScratch;                // b's op array
constexpr vaddr_t kLocalVa = kScratch + 0x100000;   // b's own data page
constexpr vaddr_t kReadOnlyVa = kScratch + 0x200000;

struct CopyFixture : GntFixture {
    CopyFixture() {
        map_page(b, kOpsVa);
        map_page(b, kLocalVa);
        map_page(b, kReadOnlyVa, false);
        grant(3, b.id);
        grant(8, b.id, gtf::kReadonly);
    }
    // grant (granter, ref) -> b's page at local
    bh_grant_copy from_grant(bh_domid_t granter, uint64_t ref, vaddr_t local, uint16_t len) {
        bh_grant_copy op{};
        op.source = {ref, granter, 0, 0};
        op.dest = {local, b.id, 0, 0};
        op.len = len;
        op.flags = BH_GNTCOPY_SOURCE_GREF;
        return op;
    }
    // b's page at local -> grant (granter, ref)
    bh_grant_copy to_grant(bh_domid_t granter, uint64_t ref, vaddr_t local, uint16_t len) {
        bh_grant_copy op{};
        op.source = {local, b.id, 0, 0};
        op.dest = {ref, granter, 0, 0};
        op.len = len;
        op.flags = BH_GNTCOPY_DEST_GREF;
        return op;
    }
    // Writes the ops into b's op array, calls GNTTAB_COPY, reads them back.
    CallResult run(std::vector<bh_grant_copy>& ops) {
        poke(b, kOpsVa, ops.data(), ops.size() * sizeof ops[0]);
        CallResult r = call(b, BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB, kOpsVa, ops.size());
        peek(b, kOpsVa, ops.data(), ops.size() * sizeof ops[0]);
        return r;
    }
};

}  // namespace

TEST_CASE_METHOD(CopyFixture, "GnttabCopy copies a granted page into the caller's page") {
    std::vector<bh_grant_copy> ops = {from_grant(a.id, 3, kLocalVa, sizeof kGrantText)};
    REQUIRE(run(ops).err == Error::None);
    CHECK(ops[0].status == BH_OK);
    char text[sizeof kGrantText];
    peek(b, kLocalVa, text, sizeof text);
    CHECK(std::string(text) == kGrantText);
    CHECK((flags(3) & (gtf::kReading | gtf::kWriting)) == 0);  // unpinned afterwards
}

TEST_CASE_METHOD(CopyFixture, "GnttabCopy into a writable grant changes the granter's page") {
    poke(b, kLocalVa + 8, "copied", 7);
    auto op = to_grant(a.id, 3, kLocalVa, 7);
    op.source.offset = 8;
    op.dest.offset = 100;
    std::vector<bh_grant_copy> ops = {op};
    REQUIRE(run(ops).err == Error::None);
    CHECK(ops[0].status == BH_OK);
    char text[7];
    peek(a, kGrantVa + 100, text, sizeof text);
    CHECK(std::string(text) == "copied");
}

TEST_CASE_METHOD(CopyFixture, "GnttabCopy reports each segment's error and performs the valid ones") {
    const auto ok = from_grant(a.id, 3, kLocalVa, 4);
    std::vector<std::pair<bh_grant_copy, int16_t>> cases;
    auto add = [&](bh_grant_copy op, int16_t expected) { cases.push_back({op, expected}); };
    auto op = ok;
    op.flags |= 4;
    add(op, BH_E_BAD_ARG);  // unknown flag
    op = ok;
    op.source.offset = 4000;
    op.len = 200;
    add(op, BH_E_BAD_ARG);  // crosses the page end
    op = ok;
    op.dest.domid = a.id;
    add(op, BH_E_BAD_DOMAIN);  // a local side naming another domain
    op = ok;
    op.dest.ref_or_vaddr = kLocalVa + 1;
    add(op, BH_E_BAD_ADDRESS);  // unaligned local page
    op = ok;
    op.dest.ref_or_vaddr = kUnmapped;
    add(op, BH_E_BAD_ADDRESS);
    op = ok;
    op.dest.ref_or_vaddr = kReadOnlyVa;
    add(op, BH_E_BAD_ADDRESS);  // written, but read-only
    add(from_grant(a.id, 4, kLocalVa, 4), BH_E_BAD_GRANT);
    add(from_grant(a.id, 0x100000000ull, kLocalVa, 4), BH_E_BAD_GRANT);
    add(from_grant(77, 3, kLocalVa, 4), BH_E_BAD_DOMAIN);
    add(to_grant(a.id, 8, kLocalVa, 4), BH_E_GRANT_DENIED);  // write into a read-only grant
    add(ok, BH_OK);
    std::vector<bh_grant_copy> ops;
    for (auto& c : cases) ops.push_back(c.first);
    REQUIRE(run(ops).err == Error::None);
    for (size_t i = 0; i < ops.size(); ++i) {
        INFO("op " << i);
        CHECK(ops[i].status == cases[i].second);
    }
    CHECK(read<char>(b, kLocalVa) == 'g');  // the valid op ran
    CHECK((flags(3) & (gtf::kReading | gtf::kWriting)) == 0);
    CHECK((flags(8) & (gtf::kReading | gtf::kWriting)) == 0);
}

TEST_CASE_METHOD(CopyFixture, "GnttabCopy rejects segment counts out of range with BadArg") {
    CHECK_REJECTS(Error::BadArg, b, BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB, kOpsVa, 0);
    CHECK_REJECTS(Error::BadArg, b, BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB, kOpsVa, 17);
    CHECK_REJECTS(Error::BadArg, b, BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB, kOpsVa, ~0ull);
}

TEST_CASE_METHOD(CopyFixture, "GnttabCopy rejects an unusable op array with BadAddress, copying nothing") {
    // A valid op placed in a read-only page: readable, but its status cannot be written back.
    auto op = to_grant(a.id, 3, kLocalVa, 4);
    poke(b, kLocalVa, "ZZZZ", 4);
    __builtin_memcpy(bh::phys_as<uint8_t>(b.as.lookup(kReadOnlyVa).value().pa), &op, sizeof op);
    CHECK_REJECTS(Error::BadAddress, b, BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB, kReadOnlyVa, 1);
    CHECK(read<char>(a, kGrantVa) == 'g');
    // Arrays that run off the mapped page, or are not user memory at all.
    poke(b, kOpsVa + bh::kPageSize - sizeof op, &op, sizeof op);
    CHECK_REJECTS(Error::BadAddress, b, BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB,
                  kOpsVa + bh::kPageSize - sizeof op, 2);
    for (vaddr_t p : std::initializer_list<vaddr_t>{kUnmapped, kKernelPtr, kNonCanonical,
                                                    kUserTop - 8}) {
        INFO("ops at " << std::hex << p);
        CHECK_REJECTS(Error::BadAddress, b, BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB, p, 1);
    }
}
