// Conformance: grant-table setup, map and unmap (40-42).
#include "gnttab_helpers.hpp"
#include "mem/machine_frames.hpp"

using namespace bhtest;
namespace gtf = bh::gtf;

namespace {
constexpr uint16_t kInUse = gtf::kReading | gtf::kWriting;
}

TEST_CASE_METHOD(Fixture, "GnttabSetup maps the caller's grant table into its own space") {
    uint64_t used0 = sup().quota.used();
    REQUIRE_OK(sup(), BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTableVa, 1);
    REQUIRE(sup().gnttab->nr_frames() == 1);
    auto leaf = sup().as.lookup(kTableVa);
    REQUIRE(leaf.ok());
    CHECK(leaf.value().pa == sup().gnttab->frame_paddr(0));
    CHECK(leaf.value().writable);
    CHECK(leaf.value().foreign);
    CHECK(sup().quota.used() >= used0 + bh::kPageSize);
}

TEST_CASE_METHOD(Fixture, "GnttabSetup again is idempotent; with more frames it extends the table") {
    REQUIRE_OK(sup(), BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTableVa, 1);
    World before = world();
    REQUIRE_OK(sup(), BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTableVa, 1);
    CHECK(diff(before, world()) == "");
    REQUIRE_OK(sup(), BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTableVa, 3);
    CHECK(sup().gnttab->nr_frames() == 3);
    CHECK(sup().as.lookup(kTableVa + 2 * bh::kPageSize).value().pa == sup().gnttab->frame_paddr(2));
    // Fewer frames at another address maps just those.
    REQUIRE_OK(sup(), BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kUserTop - bh::kPageSize, 1);
    CHECK(sup().as.lookup(kUserTop - bh::kPageSize).value().pa == sup().gnttab->frame_paddr(0));
}

TEST_CASE_METHOD(Fixture, "GnttabSetup rejects frame counts out of range and unusable addresses") {
    for (uint64_t nr : std::initializer_list<uint64_t>{0, 33, kTooWide + 1, ~0ull}) {
        INFO("nr " << nr);
        CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTableVa, nr);
    }
    for (vaddr_t va : std::initializer_list<vaddr_t>{kTableVa + 8, kUserTop - bh::kPageSize,
                                                     kKernelPtr, kNonCanonical, kUserTop}) {
        INFO("va " << std::hex << va);
        CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, va, 2);
    }
}

TEST_CASE_METHOD(Fixture, "GnttabSetup over a page already mapped fails with Busy and changes nothing") {
    map_page(sup(), kTableVa + bh::kPageSize);
    CHECK_REJECTS(Error::Busy, sup(), BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTableVa, 2);
    CHECK_REJECTS(Error::Busy, sup(), BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, 0x401000, 1);
}

TEST_CASE_METHOD(Fixture, "GnttabSetup over quota fails with Quota and changes nothing") {
    fill_quota(sup(), bh::kPageSize);  // less than a table frame and its pins
    CHECK_REJECTS(Error::Quota, sup(), BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTableVa, 1);
}

TEST_CASE_METHOD(GntFixture, "Grant-table calls need the caller's own table capability with write") {
    REQUIRE_OK(b, BH_CALL_CAP_COPY, BH_SLOT_GNTTAB, 20, BH_R_READ | BH_R_GRANT);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_GIVE_CAP, kSlotB, BH_SLOT_GNTTAB, 21, BH_R_ALL);  // sup's
    for (uint64_t nr : {BH_CALL_GNTTAB_SETUP, BH_CALL_GNTTAB_MAP, BH_CALL_GNTTAB_UNMAP,
                        BH_CALL_GNTTAB_COPY}) {
        INFO("call " << nr);
        CHECK_REJECTS(Error::NoRights, b, nr, 20, kMapVa, 1);
        CHECK_REJECTS(Error::NoRights, b, nr, 21, kMapVa, 1);  // another domain's table
        CHECK_REJECTS(Error::WrongType, b, nr, BH_SLOT_SELF, kMapVa, 1);
        CHECK_REJECTS(Error::EmptySlot, b, nr, 22, kMapVa, 1);
        CHECK_REJECTS(Error::BadSlot, b, nr, 64, kMapVa, 1);
        CHECK_REJECTS(Error::BadArg, b, nr, kTooWide + BH_SLOT_GNTTAB, kMapVa, 1);
    }
}

TEST_CASE_METHOD(GntFixture, "GnttabMap maps a peer's grant writable and marks it reading and writing") {
    grant(3, b.id);
    bh::paddr_t pa = a.as.lookup(kGrantVa).value().pa;
    uint16_t refs0 = bh::machine_frames().refcount(pa);
    uint64_t h = REQUIRE_OK(b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 3, kMapVa, 0).r1;
    char text[sizeof kGrantText];
    peek(b, kMapVa, text, sizeof text);
    CHECK(std::string(text) == kGrantText);
    poke(b, kMapVa, "X", 1);
    CHECK(read<char>(a, kGrantVa) == 'X');
    CHECK((flags(3) & kInUse) == kInUse);
    CHECK(a.gnttab->pins(3).writers == 1);
    auto leaf = b.as.lookup(kMapVa).value();
    CHECK(leaf.foreign);
    CHECK(leaf.writable);
    CHECK(bh::machine_frames().refcount(pa) == refs0 + 2);  // the mapping and the grant's hold
    CHECK(b.gnttab->maptrack_count() == 1);
    CHECK(h < 64);
}

TEST_CASE_METHOD(GntFixture, "GnttabMap read-only sets only the reading flag and maps read-only") {
    grant(3, b.id);
    REQUIRE_OK(b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 3, kMapVa, 1);
    CHECK((flags(3) & kInUse) == gtf::kReading);
    CHECK_FALSE(b.as.lookup(kMapVa).value().writable);
    CHECK(a.gnttab->pins(3).readers == 1);
}

TEST_CASE_METHOD(GntFixture, "GnttabMap rejects unknown, dead and out-of-range granters with BadDomain") {
    grant(3, b.id);
    CHECK_REJECTS(Error::BadDomain, b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, 77, 3, kMapVa, 0);
    CHECK_REJECTS(Error::BadDomain, b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, 0x10000, 3, kMapVa, 0);
    fault(a);
    CHECK_REJECTS(Error::BadDomain, b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 3, kMapVa, 0);
}

TEST_CASE_METHOD(GntFixture, "GnttabMap rejects references the granter did not grant to the caller") {
    grant(5, sup().id);                                // granted to someone else
    grant(6, b.id, 0, kUnmapped);                      // names a page a does not have
    grant(7, b.id, 0, kTableVa);                       // names a foreign (table) mapping
    grant(9, b.id, gtf::kSubPage);                     // sub-page grants are not supported
    for (uint64_t ref : {uint64_t{4} /* never written */, uint64_t{5}, uint64_t{6}, uint64_t{7},
                         uint64_t{9}, uint64_t{512} /* beyond the table */, uint64_t{0xffffffff}}) {
        INFO("ref " << ref);
        CHECK_REJECTS(Error::BadGrant, b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, ref, kMapVa, 1);
    }
    CHECK_REJECTS(Error::BadArg, b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, kTooWide, kMapVa, 1);
}

TEST_CASE_METHOD(GntFixture, "GnttabMap writable of a read-only grant fails with GrantDenied") {
    grant(8, b.id, gtf::kReadonly);
    CHECK_REJECTS(Error::GrantDenied, b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 8, kMapVa, 0);
    REQUIRE_OK(b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 8, kMapVa, 1);
    // A page the granter itself may not write (its ELF text) cannot be granted writable either.
    grant(10, b.id, 0, 0x401000);
    CHECK_REJECTS(Error::GrantDenied, b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 10,
                  kMapVa + bh::kPageSize, 0);
}

TEST_CASE_METHOD(GntFixture, "GnttabMap rejects unusable addresses and bad flags") {
    grant(3, b.id);
    for (vaddr_t va : std::initializer_list<vaddr_t>{kMapVa + 16, kKernelPtr, kNonCanonical,
                                                     kUserTop}) {
        INFO("va " << std::hex << va);
        CHECK_REJECTS(Error::BadAddress, b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 3, va, 0);
    }
    CHECK_REJECTS(Error::BadArg, b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 3, kMapVa, 2);
}

TEST_CASE_METHOD(GntFixture, "GnttabMap over a mapped page fails with Busy and leaves the grant unpinned") {
    grant(3, b.id);
    map_page(b, kMapVa);
    CHECK_REJECTS(Error::Busy, b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 3, kMapVa, 0);
    CHECK((flags(3) & kInUse) == 0);
}

TEST_CASE_METHOD(GntFixture, "GnttabUnmap removes the mapping and clears the granter's flags") {
    grant(3, b.id);
    bh::paddr_t pa = a.as.lookup(kGrantVa).value().pa;
    uint16_t refs0 = bh::machine_frames().refcount(pa);
    uint64_t h = REQUIRE_OK(b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 3, kMapVa, 0).r1;
    CHECK_REJECTS(Error::Busy, b, BH_CALL_FRAME_UNMAP, kMapVa);  // not through frame_unmap
    REQUIRE_OK(b, BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, h);
    CHECK(b.as.lookup(kMapVa).error() == Error::BadAddress);
    CHECK(flags(3) == gtf::kPermitAccess);
    CHECK(a.gnttab->pins(3).writers == 0);
    CHECK(bh::machine_frames().refcount(pa) == refs0);
    CHECK(b.gnttab->maptrack_count() == 0);
}

TEST_CASE_METHOD(GntFixture, "GnttabUnmap rejects unknown and stale handles with BadHandle") {
    grant(3, b.id);
    uint64_t h = REQUIRE_OK(b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 3, kMapVa, 0).r1;
    CHECK_REJECTS(Error::BadHandle, b, BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, h + 1);
    CHECK_REJECTS(Error::BadHandle, b, BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, 0xffffffff);
    CHECK_REJECTS(Error::BadHandle, a, BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, h);  // b's, not a's
    CHECK_REJECTS(Error::BadArg, b, BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, kTooWide + h);
    REQUIRE_OK(b, BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, h);
    CHECK_REJECTS(Error::BadHandle, b, BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, h);
}
