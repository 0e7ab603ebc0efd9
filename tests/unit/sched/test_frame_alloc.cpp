// Tests of FrameAllocator on a fake physical memory buffer standing in for RAM.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <set>
#include <vector>

#include "mem/frame_alloc.hpp"

using namespace bh;

namespace {

constexpr uint64_t kRam = 8ull << 20;
constexpr uint8_t kPattern = 0xa5;

// 8 MiB of page-aligned "physical memory" at physical address 0, filled with a pattern so
// the tests can see which bytes the allocator wrote.
struct FakeRam {
    FakeRam() {
        mem = static_cast<uint8_t*>(aligned_alloc(kPageSize, kRam));
        REQUIRE(mem);
        memset(mem, kPattern, kRam);
        saved = g_physmap_base;
        g_physmap_base = reinterpret_cast<uintptr_t>(mem);
    }
    ~FakeRam() {
        g_physmap_base = saved;
        free(mem);
    }
    bool untouched(paddr_t p, uint64_t len) const {
        for (uint64_t i = 0; i < len; i++)
            if (mem[p + i] != kPattern) return false;
        return true;
    }
    uint8_t* mem;
    uintptr_t saved;
};

// A PC-like map: low memory below the EBDA, a hole, then RAM to 8 MiB with the kernel image
// and an unaligned boot module inside it.
const MemRegion kUsable[] = {{0x0, 0x9fc00}, {0x100000, kRam - 0x100000}};
const MemRegion kReserved[] = {{0x100000, 0x100000}, {0x300123, 0x2000}};

// The frames the allocator may hand out, computed the slow obvious way.
std::set<paddr_t> expected_frames(const FrameAllocator& fa) {
    std::set<paddr_t> out;
    MemRegion meta = fa.metadata();
    for (paddr_t p = kPageSize; p < kRam; p += kPageSize) {
        bool usable = false;
        for (const MemRegion& u : kUsable)
            usable |= p >= u.base && p + kPageSize <= u.base + u.size;
        bool reserved = false;
        for (const MemRegion& r : kReserved)
            reserved |= p < r.base + r.size && r.base < p + kPageSize;
        bool is_meta = p >= meta.base && p < meta.base + meta.size;
        if (usable && !reserved && !is_meta) out.insert(p);
    }
    return out;
}

std::vector<paddr_t> drain(FrameAllocator& fa) {
    std::vector<paddr_t> got;
    for (;;) {
        Result<paddr_t> r = fa.alloc();
        if (!r) {
            REQUIRE(r.error() == Error::NoMemory);
            return got;
        }
        got.push_back(*r);
        REQUIRE(got.size() <= kRam / kPageSize);
    }
}

}  // namespace

TEST_CASE("FrameAllocator hands out every usable frame exactly once, then NoMemory", "[frames]") {
    FakeRam ram;
    FrameAllocator fa;
    REQUIRE(fa.init(kUsable, kReserved).ok());
    std::set<paddr_t> want = expected_frames(fa);
    CHECK(fa.total_frames() == want.size());
    CHECK(fa.free_frames() == want.size());

    std::vector<paddr_t> got = drain(fa);
    CHECK(std::set<paddr_t>(got.begin(), got.end()) == want);
    CHECK(got.size() == want.size());  // no duplicates
    CHECK(got.front() == *want.begin());  // lowest first
    CHECK(want.count(0) == 0);            // frame 0 is never handed out
    CHECK(fa.free_frames() == 0);
    CHECK(fa.alloc().error() == Error::NoMemory);
    CHECK(fa.misuse_count() == 0);
    for (paddr_t p : got) CHECK(fa.refcount(p) == 1);
}

TEST_CASE("FrameAllocator never touches reserved ranges, holes or frame 0", "[frames]") {
    FakeRam ram;
    FrameAllocator fa;
    REQUIRE(fa.init(kUsable, kReserved).ok());
    MemRegion meta = fa.metadata();
    bool inside = false;  // inside one usable region, outside the reserved ranges
    for (const MemRegion& u : kUsable)
        inside |= meta.base >= u.base && meta.base + meta.size <= u.base + u.size;
    CHECK(inside);
    CHECK(meta.base != 0);
    for (const MemRegion& r : kReserved)
        CHECK((meta.base + meta.size <= (r.base & ~0xfffull) || meta.base >= r.base + r.size));
    (void)drain(fa);
    CHECK(ram.untouched(0, kPageSize));
    CHECK(ram.untouched(0x9f000, 0x100000 - 0x9f000));  // partial page + hole
    CHECK(ram.untouched(0x100000, 0x100000));           // kernel image
    CHECK(ram.untouched(0x300000, 0x3000));             // module, grown to whole frames
    for (paddr_t p : {paddr_t{0}, paddr_t{0x9f000}, paddr_t{0x150000}, paddr_t{0x302000},
                      meta.base}) {
        CHECK_FALSE(fa.manages(p));
        CHECK(fa.refcount(p) == 0);
    }
}

TEST_CASE("FrameAllocator zeroes every frame it hands out", "[frames]") {
    FakeRam ram;
    FrameAllocator fa;
    REQUIRE(fa.init(kUsable, kReserved).ok());
    std::vector<paddr_t> got = drain(fa);
    const uint8_t zero[kPageSize] = {};
    for (paddr_t p : got) REQUIRE(memcmp(ram.mem + p, zero, kPageSize) == 0);
    paddr_t p = got[got.size() / 2];
    memset(ram.mem + p, 0x77, kPageSize);  // dirty it, free it, get it back
    REQUIRE(fa.unref(p));
    Result<paddr_t> again = fa.alloc();
    REQUIRE(again.ok());
    CHECK(*again == p);  // the only free frame
    CHECK(memcmp(ram.mem + p, zero, kPageSize) == 0);
}

TEST_CASE("FrameAllocator counts references and frees at the last unref", "[frames]") {
    FakeRam ram;
    FrameAllocator fa;
    REQUIRE(fa.init(kUsable, kReserved).ok());
    uint64_t free0 = fa.free_frames();
    paddr_t p = *fa.alloc();
    CHECK(fa.free_frames() == free0 - 1);
    fa.ref(p);
    fa.ref(p);
    CHECK(fa.refcount(p) == 3);
    CHECK_FALSE(fa.unref(p));
    CHECK_FALSE(fa.unref(p));
    CHECK(fa.refcount(p) == 1);
    CHECK(fa.free_frames() == free0 - 1);
    CHECK(fa.unref(p));
    CHECK(fa.refcount(p) == 0);
    CHECK(fa.manages(p));
    CHECK(fa.free_frames() == free0);
    CHECK(fa.misuse_count() == 0);
}

TEST_CASE("FrameAllocator counts misuse and changes nothing", "[frames]") {
    FakeRam ram;
    FrameAllocator fa;
    REQUIRE(fa.init(kUsable, kReserved).ok());
    paddr_t p = *fa.alloc();
    uint64_t free0 = fa.free_frames();
    paddr_t free_frame = p + kPageSize;
    REQUIRE(fa.manages(free_frame));
    REQUIRE(fa.refcount(free_frame) == 0);

    CHECK_FALSE(fa.unref(free_frame));  // double free
    fa.ref(free_frame);                 // ref of a free frame
    CHECK_FALSE(fa.unref(0));           // frame 0
    fa.ref(0x150000);                   // reserved
    CHECK_FALSE(fa.unref(0xa0000));     // hole
    fa.ref(kRam);                       // past the end
    fa.ref(~0ull & ~0xfffull);          // far past the end
    CHECK_FALSE(fa.unref(p + 8));       // unaligned
    fa.ref(fa.metadata().base);         // the allocator's own tables
    CHECK(fa.misuse_count() == 9);
    CHECK(fa.free_frames() == free0);
    CHECK(fa.refcount(p) == 1);
    CHECK(fa.refcount(free_frame) == 0);
    // The pool is intact: the remaining frames still come out once each.
    std::vector<paddr_t> rest = drain(fa);
    CHECK(rest.size() == free0);
    CHECK(std::set<paddr_t>(rest.begin(), rest.end()).count(p) == 0);
}

TEST_CASE("FrameAllocator refuses to overflow a reference count", "[frames]") {
    FakeRam ram;
    FrameAllocator fa;
    REQUIRE(fa.init(kUsable, kReserved).ok());
    paddr_t p = *fa.alloc();
    for (unsigned i = 1; i < FrameAllocator::kMaxRefs; i++) fa.ref(p);
    CHECK(fa.refcount(p) == FrameAllocator::kMaxRefs);
    CHECK(fa.misuse_count() == 0);
    fa.ref(p);
    CHECK(fa.refcount(p) == FrameAllocator::kMaxRefs);
    CHECK(fa.misuse_count() == 1);
    CHECK(fa.manages(p));  // did not wrap into the "unmanaged" marker
}

TEST_CASE("FrameAllocator before init hands out nothing and counts misuse", "[frames]") {
    FrameAllocator fa;
    CHECK(fa.alloc().error() == Error::NoMemory);
    fa.ref(0x1000);
    CHECK_FALSE(fa.unref(0x1000));
    CHECK(fa.refcount(0x1000) == 0);
    CHECK(fa.misuse_count() == 2);
    CHECK(fa.total_frames() == 0);
}

TEST_CASE("FrameAllocator::init rejects bad maps and leaves the allocator unset", "[frames]") {
    FakeRam ram;
    FrameAllocator fa;
    const MemRegion wraps[] = {{~0ull - 0x1000, 0x2000}};
    CHECK(fa.init(wraps, {}).error() == Error::BadArg);
    CHECK(fa.init(kUsable, wraps).error() == Error::BadArg);
    CHECK(fa.init({}, {}).error() == Error::NoMemory);
    const MemRegion only_zero[] = {{0, kPageSize}};
    CHECK(fa.init(only_zero, {}).error() == Error::NoMemory);
    const MemRegion all_reserved[] = {{0x100000, 0x100000}};
    CHECK(fa.init(all_reserved, all_reserved).error() == Error::NoMemory);
    const MemRegion sub_page[] = {{0x1001, 0xffe}};
    CHECK(fa.init(sub_page, {}).error() == Error::NoMemory);
    // One frame: the metadata would take it all.
    const MemRegion one[] = {{0x1000, kPageSize}};
    CHECK(fa.init(one, {}).error() == Error::NoMemory);
    // Fragments whose metadata (2 pages for the span) fits in no single free run.
    const MemRegion frags[] = {{0x1000, kPageSize}, {kRam - kPageSize, kPageSize}};
    CHECK(fa.init(frags, {}).error() == Error::NoMemory);
    CHECK(fa.total_frames() == 0);
    CHECK(fa.alloc().error() == Error::NoMemory);
    REQUIRE(fa.init(kUsable, kReserved).ok());  // the failures left it fresh
    CHECK(fa.init(kUsable, kReserved).error() == Error::BadState);
}

TEST_CASE("FrameAllocator counts overlapping usable regions once", "[frames]") {
    FakeRam ram;
    FrameAllocator fa;
    const MemRegion overlap[] = {{0x100000, 0x200000}, {0x200000, 0x200000}, {0x100000, 0x1000}};
    REQUIRE(fa.init(overlap, {}).ok());
    uint64_t meta_frames = fa.metadata().size / kPageSize;
    CHECK(fa.total_frames() == 0x300000 / kPageSize - meta_frames);
    std::vector<paddr_t> got = drain(fa);
    CHECK(std::set<paddr_t>(got.begin(), got.end()).size() == got.size());
    CHECK(got.size() == fa.total_frames());
}

TEST_CASE("FrameAllocator manages 4 GiB with metadata carved from that RAM", "[frames]") {
    constexpr uint64_t k4G = 4ull << 30;
    void* big = mmap(nullptr, k4G, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (big == MAP_FAILED) {
        WARN("cannot reserve 4 GiB of address space; skipped");
        return;
    }
    uintptr_t saved = g_physmap_base;
    g_physmap_base = reinterpret_cast<uintptr_t>(big);
    {
        FrameAllocator fa;
        const MemRegion all[] = {{0, k4G}};
        const MemRegion kernel[] = {{0x100000, 0x400000}};
        REQUIRE(fa.init(all, kernel).ok());
        uint64_t frames = k4G / kPageSize;
        // 2 bytes of count + 4 bytes of free stack per frame, in the RAM itself.
        CHECK(fa.metadata().size <= frames * 6 + kPageSize);
        CHECK(fa.total_frames() == frames - 1 - 0x400 - fa.metadata().size / kPageSize);
        paddr_t a = *fa.alloc();
        paddr_t b = *fa.alloc();
        CHECK(a == 0x1000);
        CHECK(b == 0x2000);
        CHECK(fa.unref(a));
        CHECK(fa.free_frames() == fa.total_frames() - 1);
        CHECK(fa.manages(k4G - kPageSize));
        CHECK_FALSE(fa.manages(k4G));
    }
    g_physmap_base = saved;
    munmap(big, k4G);
}
