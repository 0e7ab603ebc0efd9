// GrantTable copy: data movement, page bounds, ownership of grants, per-op status.
#include <string.h>

#include <catch2/catch.hpp>

#include "fake_host.hpp"

using namespace bhtest;

namespace {

constexpr bh_domid_t kFront = 1;  // granter
constexpr bh_domid_t kBack = 2;   // copier
constexpr bh_domid_t kOther = 3;
constexpr uint32_t kGfn = 0x10;
constexpr vaddr_t kLocal = 0x50000000;

struct World {
    FakeHost host;
    paddr_t granted, local;
    World() {
        host.add_domain(kFront);
        host.add_domain(kBack);
        host.add_domain(kOther);
        granted = host.give_frame(kFront, kGfn);
        local = host.give_local(kBack, kLocal);
    }
    GrantTable& front() { return host.table(kFront); }
    GrantTable& back() { return host.table(kBack); }
    uint8_t* g() { return host.machine.at(granted); }
    uint8_t* l() { return host.machine.at(local); }
};

bh_grant_copy_ptr gref(bh_domid_t dom, bh_grant_ref_t ref, uint16_t off = 0) {
    return {ref, dom, off, 0};
}
bh_grant_copy_ptr page(bh_domid_t self, vaddr_t va, uint16_t off = 0) {
    return {va, self, off, 0};
}
bh_grant_copy op(bh_grant_copy_ptr src, bh_grant_copy_ptr dst, uint16_t len, uint16_t flags) {
    bh_grant_copy c{};
    c.source = src;
    c.dest = dst;
    c.len = len;
    c.flags = flags;
    c.status = -99;  // proves the kernel wrote it
    return c;
}
void fill(uint8_t* p, uint8_t seed) {
    for (size_t i = 0; i < kPageSize; ++i) p[i] = static_cast<uint8_t>(seed + i * 7);
}

}  // namespace

TEST_CASE("Grant copy moves a whole page from a grant to the caller", "[gnttab][copy]") {
    World w;
    guest_grant(w.front(), 8, kBack, kGfn, /*readonly=*/true);
    fill(w.g(), 1);
    auto c = op(gref(kFront, 8), page(kBack, kLocal), 4096, BH_GNTCOPY_SOURCE_GREF);
    REQUIRE(w.back().copy(&c, 1).ok());
    CHECK(c.status == BH_OK);
    CHECK(memcmp(w.g(), w.l(), kPageSize) == 0);
    // The transient pin is gone: flags as granted, frame reference dropped.
    CHECK(flags_of(w.front(), 8) == (gtf::kPermitAccess | gtf::kReadonly));
    CHECK(w.front().pins(8).readers == 0);
    CHECK(w.host.live_refs() == 0);
    CHECK(w.host.log == std::vector<std::string>{"get 1 16", "put " + std::to_string(w.granted)});
}

TEST_CASE("Grant copy moves a whole page from the caller into a grant", "[gnttab][copy]") {
    World w;
    guest_grant(w.front(), 8, kBack, kGfn);
    fill(w.l(), 3);
    auto c = op(page(kBack, kLocal), gref(kFront, 8), 4096, BH_GNTCOPY_DEST_GREF);
    REQUIRE(w.back().copy(&c, 1).ok());
    CHECK(c.status == BH_OK);
    CHECK(memcmp(w.g(), w.l(), kPageSize) == 0);
    CHECK(flags_of(w.front(), 8) == gtf::kPermitAccess);
    CHECK(w.front().pins(8).writers == 0);
    CHECK(w.host.live_refs() == 0);
}

TEST_CASE("Grant copy honours offsets on both sides and copies only len bytes", "[gnttab][copy]") {
    World w;
    guest_grant(w.front(), 8, kBack, kGfn);
    fill(w.l(), 5);
    memset(w.g(), 0, kPageSize);
    auto c = op(page(kBack, kLocal, 100), gref(kFront, 8, 3000), 1096, BH_GNTCOPY_DEST_GREF);
    REQUIRE(w.back().copy(&c, 1).ok());
    REQUIRE(c.status == BH_OK);
    CHECK(memcmp(w.g() + 3000, w.l() + 100, 1096) == 0);
    CHECK(w.g()[2999] == 0);
}

TEST_CASE("Grant copy between two grants of other domains", "[gnttab][copy]") {
    World w;
    paddr_t other = w.host.give_frame(kOther, 0x30);
    guest_grant(w.front(), 8, kBack, kGfn, true);
    guest_grant(w.host.table(kOther), 9, kBack, 0x30);
    fill(w.g(), 9);
    auto c = op(gref(kFront, 8), gref(kOther, 9), 4096,
                BH_GNTCOPY_SOURCE_GREF | BH_GNTCOPY_DEST_GREF);
    REQUIRE(w.back().copy(&c, 1).ok());
    CHECK(c.status == BH_OK);
    CHECK(memcmp(w.g(), w.host.machine.at(other), kPageSize) == 0);
    CHECK(w.host.live_refs() == 0);
}

TEST_CASE("Grant copy within one page handles overlap like memmove", "[gnttab][copy]") {
    World w;
    const uint16_t src_off = GENERATE(uint16_t{0}, uint16_t{1000});
    const uint16_t dst_off = src_off == 0 ? 1000 : 0;
    fill(w.l(), 11);
    std::vector<uint8_t> expect(w.l(), w.l() + kPageSize);
    memmove(expect.data() + dst_off, expect.data() + src_off, 3000);
    auto c = op(page(kBack, kLocal, src_off), page(kBack, kLocal, dst_off), 3000, 0);
    REQUIRE(w.back().copy(&c, 1).ok());
    REQUIRE(c.status == BH_OK);
    CHECK(memcmp(expect.data(), w.l(), kPageSize) == 0);
}

TEST_CASE("Grant copy refuses a segment crossing a page boundary with BadArg", "[gnttab][copy]") {
    World w;
    guest_grant(w.front(), 8, kBack, kGfn);
    fill(w.l(), 1);
    memset(w.g(), 0, kPageSize);
    auto c = GENERATE(op(page(kBack, kLocal, 1), gref(kFront, 8), 4096, BH_GNTCOPY_DEST_GREF),
                      op(page(kBack, kLocal), gref(kFront, 8, 4095), 2, BH_GNTCOPY_DEST_GREF),
                      op(page(kBack, kLocal, 0xFFFF), gref(kFront, 8), 0xFFFF,
                         BH_GNTCOPY_DEST_GREF));
    REQUIRE(w.back().copy(&c, 1).ok());
    CHECK(c.status == BH_E_BAD_ARG);
    CHECK(w.g()[0] == 0);
    CHECK(w.host.log.empty());
    CHECK(flags_of(w.front(), 8) == gtf::kPermitAccess);
}

TEST_CASE("Grant copy naming a grant made to someone else fails with BadGrant", "[gnttab][copy]") {
    World w;
    guest_grant(w.front(), 8, kOther, kGfn);
    memset(w.g(), 0x11, kPageSize);
    memset(w.l(), 0x22, kPageSize);
    SECTION("as source") {
        auto c = op(gref(kFront, 8), page(kBack, kLocal), 16, BH_GNTCOPY_SOURCE_GREF);
        REQUIRE(w.back().copy(&c, 1).ok());
        CHECK(c.status == BH_E_BAD_GRANT);
        CHECK(w.l()[0] == 0x22);
    }
    SECTION("as destination") {
        auto c = op(page(kBack, kLocal), gref(kFront, 8), 16, BH_GNTCOPY_DEST_GREF);
        REQUIRE(w.back().copy(&c, 1).ok());
        CHECK(c.status == BH_E_BAD_GRANT);
        CHECK(w.g()[0] == 0x11);
    }
    CHECK(w.host.log.empty());
    CHECK(flags_of(w.front(), 8) == gtf::kPermitAccess);
}

TEST_CASE("Grant copy into a read-only grant fails with GrantDenied", "[gnttab][copy]") {
    World w;
    guest_grant(w.front(), 8, kBack, kGfn, /*readonly=*/true);
    memset(w.g(), 0x11, kPageSize);
    auto c = op(page(kBack, kLocal), gref(kFront, 8), 16, BH_GNTCOPY_DEST_GREF);
    REQUIRE(w.back().copy(&c, 1).ok());
    CHECK(c.status == BH_E_GRANT_DENIED);
    CHECK(w.g()[0] == 0x11);
    CHECK(w.host.log.empty());
}

TEST_CASE("Grant copy per-op errors for bad refs, domains, flags and local pages",
          "[gnttab][copy]") {
    World w;
    guest_grant(w.front(), 8, kBack, kGfn);
    w.host.give_local(kBack, kLocal + kPageSize, /*writable=*/false);
    struct Case {
        bh_grant_copy c;
        bh_error want;
    };
    const Case cases[] = {
        {op(gref(kFront, 5000), page(kBack, kLocal), 8, BH_GNTCOPY_SOURCE_GREF), BH_E_BAD_GRANT},
        {op({uint64_t{1} << 32 | 8, kFront, 0, 0}, page(kBack, kLocal), 8, BH_GNTCOPY_SOURCE_GREF),
         BH_E_BAD_GRANT},
        {op(gref(99, 8), page(kBack, kLocal), 8, BH_GNTCOPY_SOURCE_GREF), BH_E_BAD_DOMAIN},
        {op(gref(kFront, 8), page(kOther, kLocal), 8, BH_GNTCOPY_SOURCE_GREF), BH_E_BAD_DOMAIN},
        {op(gref(kFront, 8), page(kBack, kLocal + 8), 8, BH_GNTCOPY_SOURCE_GREF),
         BH_E_BAD_ADDRESS},
        {op(gref(kFront, 8), page(kBack, 0x7000), 8, BH_GNTCOPY_SOURCE_GREF), BH_E_BAD_ADDRESS},
        {op(gref(kFront, 8), page(kBack, kLocal + kPageSize), 8, BH_GNTCOPY_SOURCE_GREF),
         BH_E_BAD_ADDRESS},
        {op(gref(kFront, 8), page(kBack, kLocal), 8, BH_GNTCOPY_SOURCE_GREF | 4), BH_E_BAD_ARG},
    };
    for (const Case& k : cases) {
        bh_grant_copy c = k.c;
        REQUIRE(w.back().copy(&c, 1).ok());
        CHECK(c.status == k.want);
        CHECK(w.front().pins(8).readers == 0);
        CHECK(w.front().pins(8).writers == 0);
        CHECK(flags_of(w.front(), 8) == gtf::kPermitAccess);
        CHECK(w.host.live_refs() == 0);
    }
}

TEST_CASE("Grant copy releases the source when the destination cannot be opened",
          "[gnttab][copy]") {
    World w;
    guest_grant(w.front(), 8, kBack, kGfn);
    guest_grant(w.front(), 9, kBack, /*gfn not owned=*/0x777);
    auto c = op(gref(kFront, 8), gref(kFront, 9), 8, BH_GNTCOPY_SOURCE_GREF | BH_GNTCOPY_DEST_GREF);
    REQUIRE(w.back().copy(&c, 1).ok());
    CHECK(c.status == BH_E_BAD_GRANT);
    CHECK(w.host.live_refs() == 0);
    CHECK(flags_of(w.front(), 8) == gtf::kPermitAccess);
    CHECK(flags_of(w.front(), 9) == gtf::kPermitAccess);
}

TEST_CASE("Grant copy of a mapped grant keeps the mapping's flags", "[gnttab][copy]") {
    World w;
    guest_grant(w.front(), 8, kBack, kGfn);
    auto h = w.back().map(kFront, 8, 0x60000000, /*readonly=*/true);
    REQUIRE(h.ok());
    auto c = op(page(kBack, kLocal), gref(kFront, 8), 8, BH_GNTCOPY_DEST_GREF);
    REQUIRE(w.back().copy(&c, 1).ok());
    CHECK(c.status == BH_OK);
    CHECK(flags_of(w.front(), 8) == (gtf::kPermitAccess | gtf::kReading));
    CHECK(w.front().pins(8).readers == 1);
    CHECK(w.front().pins(8).writers == 0);
    REQUIRE(w.back().unmap(*h).ok());
}

TEST_CASE("Grant copy reports each op's status on its own", "[gnttab][copy]") {
    World w;
    guest_grant(w.front(), 8, kBack, kGfn);
    fill(w.g(), 2);
    bh_grant_copy ops[3] = {
        op(gref(kFront, 8), page(kBack, kLocal), 64, BH_GNTCOPY_SOURCE_GREF),
        op(gref(kFront, 9), page(kBack, kLocal), 64, BH_GNTCOPY_SOURCE_GREF),  // not granted
        op(gref(kFront, 8, 64), page(kBack, kLocal, 64), 64, BH_GNTCOPY_SOURCE_GREF),
    };
    REQUIRE(w.back().copy(ops, 3).ok());
    CHECK(ops[0].status == BH_OK);
    CHECK(ops[1].status == BH_E_BAD_GRANT);
    CHECK(ops[2].status == BH_OK);
    CHECK(memcmp(w.g(), w.l(), 128) == 0);
}

TEST_CASE("Grant copy refuses a malformed call as a whole with BadArg", "[gnttab][copy]") {
    World w;
    std::vector<bh_grant_copy> ops(GrantTable::kMaxCopyOps + 1,
                                   op(page(kBack, kLocal), page(kBack, kLocal), 0, 0));
    REQUIRE(w.back().copy(ops.data(), GrantTable::kMaxCopyOps + 1).error() == Error::BadArg);
    CHECK(ops[0].status == -99);
    REQUIRE(w.back().copy(nullptr, 1).error() == Error::BadArg);
    REQUIRE(w.back().copy(nullptr, 0).ok());
    REQUIRE(w.back().copy(ops.data(), GrantTable::kMaxCopyOps).ok());
    CHECK(ops[GrantTable::kMaxCopyOps - 1].status == BH_OK);
    CHECK(ops[GrantTable::kMaxCopyOps].status == -99);
}
