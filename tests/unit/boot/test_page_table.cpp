// PageTable<Mem> on the host: a fake frame allocator over a buffer that records every alloc/free.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "arch/x86_64/page_table.hpp"
#include "fake_memory.hpp"

using bh::Error;
using bh::paddr_t;
using bh::Pte;
using bh::Translation;
using bh::vaddr_t;

namespace {

using bhtest::FakeMem;
using bhtest::FakeMemory;


using Table = bh::PageTable<FakeMem>;

struct Fixture {
    FakeMemory mem{64};
    paddr_t root = mem.alloc().value();
    Table pt{root, FakeMem{&mem}};

    Pte& entry(paddr_t table, uint32_t i) { return bh::phys_as<Pte>(table)[i]; }
    std::map<vaddr_t, Translation> leaves(uint32_t lo = 0, uint32_t hi = 512) {
        std::map<vaddr_t, Translation> out;
        vaddr_t prev = 0;
        bool first = true;
        pt.for_each_leaf(lo, hi, [&](vaddr_t va, const Translation& t) {
            if (!first) CHECK(va > prev);  // PML4 order is unsigned address order
            first = false;
            prev = va;
            out[va] = t;
        });
        return out;
    }
};

constexpr uint64_t RW = Pte::kWrite;
constexpr uint64_t URW = Pte::kUser | Pte::kWrite;

}  // namespace

TEST_CASE("PageTable map builds three tables with P|W|U and a leaf that translates back") {
    Fixture f;
    REQUIRE(f.pt.map(0x401000, 0x1234000, URW | Pte::kNx).ok());
    CHECK(f.mem.allocs == 1 + 3);  // root + PDPT, PD, PT

    Pte pml4e = f.entry(f.root, 0);
    CHECK((pml4e.raw & ~Pte::kAddr4K) == (Pte::kPresent | Pte::kWrite | Pte::kUser));
    Pte pdpte = f.entry(pml4e.addr(), 0);
    CHECK((pdpte.raw & ~Pte::kAddr4K) == (Pte::kPresent | Pte::kWrite | Pte::kUser));
    Pte pde = f.entry(pdpte.addr(), 2);  // 0x401000 >> 21 == 2
    CHECK((pde.raw & ~Pte::kAddr4K) == (Pte::kPresent | Pte::kWrite | Pte::kUser));
    Pte pte = f.entry(pde.addr(), 1);
    CHECK(pte.raw == (0x1234000 | Pte::kPresent | URW | Pte::kNx));

    auto t = f.pt.translate(0x401abc);  // any offset inside the page
    REQUIRE(t.ok());
    CHECK(t->pa == 0x1234000);
    CHECK(t->flags == (Pte::kPresent | URW | Pte::kNx));
    CHECK(t->page_size == bh::kPageSize);
}

TEST_CASE("PageTable map reuses tables: neighbours cost nothing, a new PML4 slot costs three") {
    Fixture f;
    REQUIRE(f.pt.map(0x401000, 0x1000, RW).ok());
    REQUIRE(f.pt.map(0x402000, 0x2000, RW).ok());    // same PT
    REQUIRE(f.pt.map(0x600000, 0x3000, RW).ok());    // same PD, new PT
    CHECK(f.mem.allocs == 1 + 3 + 1);
    REQUIRE(f.pt.map(0x8000000000, 0x4000, RW).ok());  // PML4 index 1
    CHECK(f.mem.allocs == 1 + 3 + 1 + 3);
    CHECK(f.pt.translate(0x402000)->pa == 0x2000);
    CHECK(f.pt.translate(0x600fff)->pa == 0x3000);
    CHECK(f.pt.translate(0x8000000000)->pa == 0x4000);
}

TEST_CASE("PageTable map refuses an occupied page with Busy and leaves it untouched") {
    Fixture f;
    REQUIRE(f.pt.map(0x401000, 0x1000, RW).ok());
    auto before = f.mem.snapshot();
    CHECK(f.pt.map(0x401000, 0x9000, URW).error() == Error::Busy);
    CHECK(f.mem.snapshot() == before);
    CHECK(f.pt.translate(0x401000)->pa == 0x1000);
}

TEST_CASE("PageTable map refuses bad addresses and flags before touching anything") {
    Fixture f;
    auto before = f.mem.snapshot();
    CHECK(f.pt.map(0x0000800000000000ull, 0x1000, RW).error() == Error::BadAddress);
    CHECK(f.pt.map(0xffff7ffffffff000ull, 0x1000, RW).error() == Error::BadAddress);
    CHECK(f.pt.map(0x401001, 0x1000, RW).error() == Error::BadAddress);
    CHECK(f.pt.map(0x401000, 0x1008, RW).error() == Error::BadAddress);
    CHECK(f.pt.map(0x401000, 1ull << 52, RW).error() == Error::BadAddress);
    CHECK(f.pt.map(0x401000, 0x1000, RW | 0x1000).error() == Error::BadArg);  // address bit
    CHECK(f.pt.map(0x401000, 0x1000, RW | (1ull << 52)).error() == Error::BadArg);
    CHECK(f.pt.map(0x401000, 0x1000, RW | (1ull << 59)).error() == Error::BadArg);  // pkey
    CHECK(f.mem.allocs == 1);
    CHECK(f.mem.snapshot() == before);
    // The edges that are valid.
    CHECK(f.pt.map(0x00007ffffffff000ull, 0x000FFFFFFFFFF000ull, RW | Pte::kGlobal).ok());
    CHECK(f.pt.map(0xffff800000000000ull, 0, RW | Pte::kPat4K | Pte::kPcd | Pte::kPwt).ok());
    CHECK(f.pt.translate(0x00007ffffffff000ull)->pa == 0x000FFFFFFFFFF000ull);
}

TEST_CASE("PageTable map undoes the tables it built when an allocation fails") {
    for (int fail = 0; fail < 3; ++fail) {
        DYNAMIC_SECTION("allocation " << fail << " of 3 fails") {
            Fixture f;
            auto before = f.mem.snapshot();
            f.mem.fail_in(fail, Error::Quota);
            CHECK(f.pt.map(0x401000, 0x1000, RW).error() == Error::Quota);
            CHECK(f.mem.allocs - f.mem.frees == 1);  // just the root again
            CHECK(f.mem.snapshot() == before);       // root entry cleared, nothing leaked
            CHECK(f.mem.violations.empty());
            CHECK(f.pt.translate(0x401000).error() == Error::NotFound);
            REQUIRE(f.pt.map(0x401000, 0x1000, RW).ok());  // and it works afterwards
        }
    }
}

TEST_CASE("PageTable map failing below an existing path frees only what it added") {
    Fixture f;
    REQUIRE(f.pt.map(0x401000, 0x1000, RW).ok());
    auto before = f.mem.snapshot();
    f.mem.fail_in(1, Error::NoMemory);  // new PD is built, its PT then fails
    CHECK(f.pt.map(0x40000000, 0x2000, RW).error() == Error::NoMemory);
    CHECK(f.mem.snapshot() == before);
    CHECK(f.mem.frees == 1);
    CHECK(f.pt.translate(0x401000)->pa == 0x1000);
}

TEST_CASE("PageTable map reports the allocator running out of frames") {
    FakeMemory mem(2);  // root + one table: the PD can never be had
    Table pt(mem.alloc().value(), FakeMem{&mem});
    CHECK(pt.map(0x1000, 0x1000, RW).error() == Error::NoMemory);
    CHECK(mem.live() == 1);
}

TEST_CASE("PageTable unmap returns the frame, keeps the tables, and then finds nothing") {
    Fixture f;
    REQUIRE(f.pt.map(0x401000, 0x1234000, RW).ok());
    REQUIRE(f.pt.map(0x402000, 0x5678000, RW).ok());
    auto pa = f.pt.unmap(0x401000);
    REQUIRE(pa.ok());
    CHECK(pa.value() == 0x1234000);
    CHECK(f.pt.translate(0x401000).error() == Error::NotFound);
    CHECK(f.pt.translate(0x402000)->pa == 0x5678000);
    CHECK(f.pt.unmap(0x401000).error() == Error::NotFound);
    CHECK(f.mem.frees == 0);  // intermediate tables stay until free_tables
    CHECK(f.pt.unmap(0x7f0000000000ull).error() == Error::NotFound);  // no PDPT there
    CHECK(f.pt.unmap(0x40000000).error() == Error::NotFound);          // no PD entry
    CHECK(f.pt.unmap(0x600000).error() == Error::NotFound);            // no PT
    CHECK(f.pt.unmap(0x402008).error() == Error::BadAddress);
    CHECK(f.pt.unmap(0x0000800000000000ull).error() == Error::BadAddress);
    REQUIRE(f.pt.map(0x401000, 0x9000, RW).ok());  // the slot can be reused
}

namespace {
// Hand-built large leaves, as boot code makes them: a 1 GiB leaf at va 1 GiB -> pa 2 GiB and a
// 2 MiB leaf at va 2 GiB + 6 MiB -> pa 0x12200000, both under PML4 entry 0.
struct LargeFixture : Fixture {
    paddr_t pdpt = mem.alloc().value(), pd = mem.alloc().value();
    LargeFixture() {
        entry(root, 0).raw = pdpt | bh::kTableFlags;
        entry(pdpt, 1).raw = 0x80000000 | Pte::kPresent | Pte::kWrite | Pte::kPs | Pte::kGlobal;
        entry(pdpt, 2).raw = pd | bh::kTableFlags;
        entry(pd, 3).raw = 0x12200000 | Pte::kPresent | Pte::kPs | Pte::kNx | Pte::kPatLarge;
    }
};
}  // namespace

TEST_CASE("PageTable translate follows 1 GiB and 2 MiB leaves to the right 4 KiB frame") {
    LargeFixture f;
    auto g = f.pt.translate(0x40000000 + 0x12345678);
    REQUIRE(g.ok());
    CHECK(g->pa == 0x80000000 + 0x12345000);
    CHECK(g->page_size == bh::kPageSize1G);
    CHECK(g->flags == (Pte::kPresent | Pte::kWrite | Pte::kPs | Pte::kGlobal));
    auto m = f.pt.translate(0x80600000 + 0x1fffff);
    REQUIRE(m.ok());
    CHECK(m->pa == 0x12200000 + 0x1ff000);
    CHECK(m->page_size == bh::kPageSize2M);
    CHECK(m->flags == (Pte::kPresent | Pte::kPs | Pte::kNx | Pte::kPatLarge));
    CHECK(f.pt.translate(0x80800000).error() == Error::NotFound);
    CHECK(f.pt.translate(0x0000800000000000ull).error() == Error::BadAddress);
}

TEST_CASE("PageTable map and unmap refuse to split a large leaf") {
    LargeFixture f;
    auto before = f.mem.snapshot();
    CHECK(f.pt.map(0x40001000, 0x1000, RW).error() == Error::Busy);
    CHECK(f.pt.map(0x80600000, 0x1000, RW).error() == Error::Busy);
    CHECK(f.pt.unmap(0x40001000).error() == Error::Busy);
    CHECK(f.pt.unmap(0x80700000).error() == Error::Busy);
    CHECK(f.mem.snapshot() == before);
}

TEST_CASE("PageTable for_each_leaf visits leaves of the given PML4 range in address order") {
    LargeFixture f;
    REQUIRE(f.pt.map(0x1000, 0xa000, URW).ok());
    REQUIRE(f.pt.map(0x8000001000ull, 0xb000, RW).ok());       // PML4 1
    REQUIRE(f.pt.map(0xffff800000002000ull, 0xc000, RW).ok());  // PML4 256
    REQUIRE(f.pt.map(0xfffffffffffff000ull, 0xd000, RW).ok());  // PML4 511, the last page

    auto all = f.leaves();
    REQUIRE(all.size() == 6);
    CHECK(all.at(0x1000).pa == 0xa000);
    CHECK(all.at(0x40000000).page_size == bh::kPageSize1G);
    CHECK(all.at(0x40000000).pa == 0x80000000);
    CHECK(all.at(0x80600000).page_size == bh::kPageSize2M);
    CHECK(all.at(0x8000001000ull).pa == 0xb000);
    CHECK(all.at(0xffff800000002000ull).pa == 0xc000);  // sign-extended
    CHECK(all.at(0xfffffffffffff000ull).flags == (Pte::kPresent | RW));

    CHECK(f.leaves(1, 2).size() == 1);
    CHECK(f.leaves(bh::kUserPml4Lo, bh::kUserPml4Hi).size() == 4);
    CHECK(f.leaves(bh::kUserPml4Hi, bh::kKernelPml4Hi).size() == 2);
    CHECK(f.leaves(2, 256).empty());
    CHECK(f.leaves(511, 1000).size() == 1);  // hi is clamped to 512
    CHECK(f.leaves(300, 200).empty());
}

TEST_CASE("PageTable free_tables frees the user half's tables and leaves the kernel half") {
    LargeFixture f;
    REQUIRE(f.pt.map(0x80001000, 0xa000, URW).ok());  // a PT under the hand-built PD
    REQUIRE(f.pt.map(0x8000001000ull, 0xb000, RW).ok());
    REQUIRE(f.pt.map(0xffff800000002000ull, 0xc000, RW).ok());
    size_t kernel_tables = 3;
    REQUIRE(f.mem.live() == 1 + 3 + 3 + kernel_tables);  // hand-built PDPT+PD, one PT; + 3

    f.pt.free_tables(bh::kUserPml4Lo, bh::kUserPml4Hi);
    CHECK(f.mem.violations.empty());  // large leaves' frames were not taken for tables
    CHECK(f.mem.live() == 1 + kernel_tables);
    CHECK(f.entry(f.root, 0).raw == 0);
    CHECK(f.entry(f.root, 1).raw == 0);
    CHECK(f.leaves(0, 256).empty());
    CHECK(f.pt.translate(0xffff800000002000ull)->pa == 0xc000);

    f.pt.free_tables(0, 512);
    CHECK(f.mem.live() == 1);  // only the root, which the caller owns
    CHECK(f.mem.allocs - f.mem.frees == 1);
    f.pt.free_tables(0, 512);  // nothing left: no double free
    CHECK(f.mem.violations.empty());
}

TEST_CASE("PageTable agrees with a model over random map/unmap with injected failures") {
    Fixture f;
    std::mt19937_64 rng(0x9A6E);
    std::map<vaddr_t, paddr_t> model;
    const uint32_t i4s[] = {0, 1, 255, 256, 511};
    auto pick_va = [&] {
        uint64_t va = uint64_t{i4s[rng() % 5]} << 39 | (rng() % 2 ? 511ull : 0) << 30 |
                      (rng() % 2 ? 5ull : 0) << 21 | (rng() % 8) << 12;
        return static_cast<vaddr_t>(static_cast<int64_t>(va << 16) >> 16);
    };
    int injected = 0;
    for (int step = 0; step < 4000; ++step) {
        vaddr_t va = pick_va();
        if (rng() % 3) {
            paddr_t pa = (rng() % 0x100000) << 12;
            bool inject = rng() % 10 == 0;
            if (inject) f.mem.fail_in(static_cast<int>(rng() % 3));
            size_t live = f.mem.live();
            auto r = f.pt.map(va, pa, RW);
            if (model.count(va)) {
                CHECK(r.error() == Error::Busy);
            } else if (r.ok()) {
                model[va] = pa;
            } else {
                REQUIRE(inject);
                CHECK(r.error() == Error::Quota);
                CHECK(f.mem.live() == live);  // nothing half-built stays
                ++injected;
            }
            f.mem.fail_at = -1;
        } else {
            auto r = f.pt.unmap(va);
            if (model.count(va)) {
                REQUIRE(r.ok());
                CHECK(r.value() == model[va]);
                model.erase(va);
            } else {
                CHECK(r.error() == Error::NotFound);
            }
        }
    }
    CHECK(injected > 0);
    std::map<vaddr_t, Translation> seen = f.leaves();
    REQUIRE(seen.size() == model.size());
    for (auto& [va, pa] : model) {
        CHECK(seen.at(va).pa == pa);
        CHECK(f.pt.translate(va)->pa == pa);
    }
    f.pt.free_tables(0, 512);
    CHECK(f.mem.live() == 1);
    CHECK(f.mem.violations.empty());
}
