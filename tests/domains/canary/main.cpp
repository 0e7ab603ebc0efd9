// canary: fills three pages and grants one to a stranger; after the hostile run all must be unchanged.
#include <bh/rt.hpp>

using namespace bh::rt;

namespace {

// Same virtual address the hostile domain plays with: it must reach only its own page there.
constexpr uint64_t kFramePage = 0x10000000;
constexpr bh_slot_t kFrameSlot = 8;
// The frame is also granted, writable, to a stranger (domid 77) under refs 8..15, the refs the
// hostile domain plays with: any hostile map or copy of them must be refused.
constexpr uint64_t kTable = 0x20000000;
constexpr uint32_t kRefLo = 8, kRefs = 8;
constexpr uint16_t kStranger = 77, kPermit = 1;

struct GrantEntry {
    uint16_t flags;
    uint16_t domid;
    uint32_t frame;
};
volatile GrantEntry* entries() { return reinterpret_cast<volatile GrantEntry*>(kTable); }

alignas(4096) uint8_t g_data[4096];  // .bss

// A position- and region-dependent pattern, so zeroed or swapped pages are noticed.
uint8_t pattern(uint64_t region, uint64_t i) {
    uint64_t x = (region + 1) * 0x9e3779b97f4a7c15ull ^ (i * 0xbf58476d1ce4e5b9ull);
    return static_cast<uint8_t>(x ^ (x >> 29) ^ (x >> 47));
}

void fill(volatile uint8_t* p, uint64_t region) {
    for (uint64_t i = 0; i < 4096; ++i) p[i] = pattern(region, i);
}

// Number of bytes that differ; prints the first one.
uint64_t verify(const volatile uint8_t* p, uint64_t region, const char* what) {
    uint64_t bad = 0;
    for (uint64_t i = 0; i < 4096; ++i) {
        if (p[i] == pattern(region, i)) continue;
        if (bad++ == 0) print("canary: FAIL %s byte %lu is 0x%x, expected 0x%x", what, i, p[i],
                              pattern(region, i));
    }
    return bad;
}

uint64_t mem_pages() {
    bh_domain_info info{};
    call(BH_CALL_DOMAIN_INFO, BH_SLOT_SELF, reinterpret_cast<uint64_t>(&info));
    return info.mem_pages;
}

}  // namespace

int bh_main(uint64_t, uint64_t) {
    volatile uint8_t stack_page[4096];
    Ret r = call(BH_CALL_FRAME_ALLOC, kFrameSlot);
    if (r.ok()) r = call(BH_CALL_FRAME_MAP, kFrameSlot, kFramePage, 1);
    if (r.ok()) r = call(BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTable, 1);
    if (!r.ok()) {
        report_ready();
        print("canary: FAIL cannot map its frame and grant table: %s", error_name(r.err));
        return 1;
    }
    for (uint32_t ref = kRefLo; ref < kRefLo + kRefs; ++ref) {
        entries()[ref].domid = kStranger;
        entries()[ref].frame = static_cast<uint32_t>(kFramePage >> 12);
        __atomic_thread_fence(__ATOMIC_RELEASE);
        entries()[ref].flags = kPermit;
    }
    auto* frame = reinterpret_cast<volatile uint8_t*>(kFramePage);
    fill(frame, 0);
    fill(g_data, 1);
    fill(stack_page, 2);
    uint64_t pages = mem_pages();
    print("canary: 3 pages filled (frame 0x%lx, data %p, stack %p), %lu pages charged", kFramePage,
          g_data, stack_page, pages);
    report_ready();

    uint64_t t0 = rdtsc();
    wait_event();  // the control channel: the supervisor says the hostile domain finished
    uint64_t waited = rdtsc() - t0;
    uint64_t bad = verify(frame, 0, "frame") + verify(g_data, 1, "data") +
                   verify(stack_page, 2, "stack");
    // Nobody may hold our grants now: entries exactly as written (no reading/writing bits).
    uint32_t touched = 0;
    for (uint32_t ref = kRefLo; ref < kRefLo + kRefs; ++ref) {
        volatile GrantEntry& e = entries()[ref];
        if (e.flags != kPermit || e.domid != kStranger || e.frame != (kFramePage >> 12)) ++touched;
    }
    uint64_t after = mem_pages();
    print("canary: woke after %lu cycles; %lu bytes and %u grant entries changed; %lu pages "
          "charged (was %lu)", waited, bad, touched, after, pages);
    if (bad || touched || after != pages) {
        print("canary: FAIL memory, grants or quota disturbed");
        return 1;
    }
    print("canary: PASS 12288 bytes and %u grant entries unchanged", kRefs);
    return 0;
}
