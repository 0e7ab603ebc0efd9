// hostile: fires 100 000+ random hypercalls with hostile arguments; each must come back as an error code.
#include <bh/rt.hpp>

#include "lib/format.hpp"

using namespace bh::rt;

namespace {

constexpr uint64_t kCalls = 100000;
constexpr uint64_t kFixedSeed = 0;  // set to a printed seed to replay a run
constexpr uint64_t kMaxCallNr = 90;

// Where the hostile domain maps things: a playground of pages it never touches after the
// prologue (random calls may map, unmap and grant there freely), and its grant table.
constexpr uint64_t kPlay = 0x10000000, kPlayPages = 64;
constexpr uint64_t kTable = 0x20000000;
constexpr uint64_t kImageLo = 0x400000, kImageHi = 0x800000;
constexpr uint64_t kStackLo = BH_USER_STACK_TOP - BH_USER_STACK_PAGES * 4096;
constexpr bh_grant_ref_t kRefLo = 8, kRefs = 8;  // refs 8..15 hold plausible self-grants
// The grant-table cap and copies of it: random deletes and moves take some, not all at once.
constexpr bh_slot_t kGntSlots[] = {BH_SLOT_GNTTAB, 60, 61, 62, 63};

// Kernel memory may write here (DOMAIN_INFO, GNTTAB_COPY status, ...): its random bytes also
// serve as garbage structures for the kernel to read.
alignas(4096) uint8_t g_scratch[16384];

struct Rng {
    uint64_t s;
    uint64_t next() {  // xorshift64
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    uint64_t below(uint64_t n) { return next() % n; }
    bool coin() { return next() & 1; }
};

Rng g_rng;
bh_domid_t g_self;

constexpr uint64_t kHuge[] = {~0ull, 1ull << 63, 0x7fffffffffffffffull, 0xffffffffull,
                              0x100000000ull, 0xffffull, 0x10000ull, ~0ull - 4095,
                              0xfffffffffffff000ull, 4096ull * 0x100000000ull};

uint64_t kernel_addr() {
    return g_rng.coin() ? 0xffffffff80000000ull + g_rng.below(1u << 24)
                        : 0xffff800000000000ull + g_rng.below(1ull << 36);
}
// Bit 47 set, bit 63 clear: never canonical.
uint64_t noncanonical() { return (g_rng.next() | (1ull << 47)) & ~(1ull << 63); }

uint64_t own_pointer() {
    switch (g_rng.below(6)) {
    case 0: return reinterpret_cast<uint64_t>(g_scratch) + g_rng.below(8192);
    case 1: return reinterpret_cast<uint64_t>(g_scratch) + g_rng.below(2) * 4096;
    case 2: return kPlay + g_rng.below(kPlayPages) * 4096 + (g_rng.coin() ? 0 : g_rng.below(4096));
    case 3: return reinterpret_cast<uint64_t>(&bh_main);  // read-only: copy_out must refuse
    case 4: return BH_USER_SHARED_INFO + g_rng.below(4096);
    // Inside our grant table but never page-aligned: page-aligned it would be a grant-copy
    // target, and garbage entries could grant our own code page (see scribble_grant).
    default: return kTable + 1 + g_rng.below(4095);
    }
}

// One argument from a random class.
uint64_t arg() {
    switch (g_rng.below(8)) {
    case 0: return g_rng.below(16);
    case 1: return g_rng.below(71);  // slot numbers, past the 64-slot space
    case 2: return kHuge[g_rng.below(sizeof kHuge / sizeof kHuge[0])];
    case 3: return kernel_addr();
    case 4: return noncanonical();
    case 5: return own_pointer();
    case 6: return kPlay + g_rng.below(kPlayPages) * 4096;
    default: return g_rng.next();
    }
}

// Plausible argument kinds per call number, so some calls get far enough to succeed and
// reach deeper kernel paths: s slot, g grant-table slot, d domid, r grant ref, v playground
// page, b bool, p scratch pointer, n small number, x anything.
const char* const kKinds[] = {
    "", "", "", "", "", "", "", "", "n", "",                  // 0-9
    "ssn", "ssnx", "ss", "s", "s", "s", "", "", "", "",       // 10-19
    "s", "svb", "v", "", "", "", "", "", "", "",              // 20-29
    "sd", "sdn", "sn", "ss", "s", "s", "s", "s", "ssd", "",   // 30-39
    "gvn", "gdrvb", "gn", "", "", "", "", "", "", "",         // 40-49
    "snsn", "snn", "s", "s", "s", "sp", "sssn", "snn", "", "",  // 50-59
    "snp", "sn", "spn", "snns", "sns", "", "", "", "", "",    // 60-69
    "snnn", "snn", "s"};                                      // 70-72

uint64_t plausible(char kind) {
    if (g_rng.below(8) == 0) return arg();  // now and then a hostile value anyway
    switch (kind) {
    case 's': return g_rng.below(4) ? 8 + g_rng.below(8) : g_rng.below(12);
    case 'g': return kGntSlots[g_rng.below(sizeof kGntSlots / sizeof kGntSlots[0])];
    case 'd': {  // ourselves (often), the supervisor, the canary (built after us), others
        const uint64_t ids[] = {g_self, g_self, 0, g_self + 1u, 77, g_rng.below(16)};
        return ids[g_rng.below(6)];
    }
    case 'r': return kRefLo + g_rng.below(kRefs);
    case 'v': return kPlay + g_rng.below(kPlayPages) * 4096;
    case 'b': return g_rng.below(2);
    case 'p': return reinterpret_cast<uint64_t>(g_scratch) + g_rng.below(2) * 4096;
    case 'n': return g_rng.below(16);
    default: return arg();
    }
}

uint64_t call_number() {
    if (g_rng.below(20) != 0) return g_rng.below(kMaxCallNr + 1);
    return g_rng.coin() ? kHuge[g_rng.below(sizeof kHuge / sizeof kHuge[0])] : g_rng.next();
}

// The numbers abi.h defines; anything else must never succeed.
bool known_call(uint64_t nr) {
    return nr <= 8 || (nr >= 10 && nr <= 15) || (nr >= 20 && nr <= 22) || (nr >= 30 && nr <= 38) ||
           (nr >= 40 && nr <= 45) || (nr >= 50 && nr <= 58) || (nr >= 60 && nr <= 69) ||
           (nr >= 70 && nr < BH_CALL_COUNT);
}

// FRAME_UNMAP must not take away what this domain runs on.
bool vital(uint64_t va) {
    uint64_t page = va & ~0xfffull;
    return (page >= kImageLo && page < kImageHi) || (page >= kStackLo && page < BH_USER_STACK_TOP) ||
           page == BH_USER_SHARED_INFO;
}

bool in_scratch(uint64_t va) {
    return va - reinterpret_cast<uint64_t>(g_scratch) < sizeof g_scratch;
}

// A plausible page for grant entries and copies: the playground (often its first pages,
// mapped in the prologue, though random unmaps take them), a scratch page (always mapped,
// and its contents are garbage anyway), sometimes anything.
uint64_t some_page() {
    switch (g_rng.below(8)) {
    case 0: return arg();
    case 1:
    case 2: return reinterpret_cast<uint64_t>(g_scratch) + g_rng.below(4) * 4096;
    default: return kPlay + g_rng.below(g_rng.coin() ? 4 : kPlayPages) * 4096;
    }
}

// Rewrites one of refs 8..15 as a guest could: a plausible self-grant, or garbage flags
// (including the kernel-owned reading/writing bits) and domids. Never of our own image
// (scratch aside) or stack: the kernel honours a writable grant of our read-only code page,
// and a grant copy into it overwrites the code we run (seed 0x4532f116ff7e1905 did that
// before this check).
void scribble_grant() {
    auto* e = reinterpret_cast<volatile uint16_t*>(kTable + (kRefLo + g_rng.below(kRefs)) * 8);
    uint64_t page = some_page();
    if (vital(page) && !in_scratch(page)) page = kPlay;
    e[1] = g_rng.below(4) ? g_self : static_cast<uint16_t>(g_rng.below(16));
    *reinterpret_cast<volatile uint32_t*>(e + 2) = static_cast<uint32_t>(page >> 12);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    e[0] = g_rng.below(4) ? static_cast<uint16_t>(1 | (g_rng.coin() ? 4 : 0))
                          : static_cast<uint16_t>(g_rng.next());
}

// Plausible grant-copy ops in the scratch buffer: self grants, playground pages, random
// offsets and lengths (some crossing the page end). Returns the pointer to pass.
uint64_t build_copy_ops(uint64_t count) {
    auto* ops = reinterpret_cast<bh_grant_copy*>(g_scratch);
    for (uint64_t i = 0; i < count; ++i) {
        bh_grant_copy& op = ops[i];
        op.flags = static_cast<uint16_t>(g_rng.below(4) ? g_rng.below(4) : g_rng.next());
        bh_grant_copy_ptr* sides[2] = {&op.source, &op.dest};
        for (int s = 0; s < 2; ++s) {
            bool gref = op.flags & (s == 0 ? BH_GNTCOPY_SOURCE_GREF : BH_GNTCOPY_DEST_GREF);
            sides[s]->ref_or_vaddr = gref ? (g_rng.below(4) ? kRefLo + g_rng.below(kRefs) : arg())
                                          : some_page();
            sides[s]->domid = static_cast<uint16_t>(g_rng.below(4) ? plausible('d') : g_rng.next());
            sides[s]->offset = static_cast<uint16_t>(g_rng.coin() ? 0 : g_rng.below(4096));
        }
        op.len = static_cast<uint16_t>(g_rng.coin() ? 4096 - sides[0]->offset : g_rng.below(4097));
        op.status = 0x5555;
    }
    return reinterpret_cast<uint64_t>(ops);
}

void randomize_scratch() {
    auto* w = reinterpret_cast<volatile uint64_t*>(g_scratch);
    for (uint64_t i = 0; i < sizeof g_scratch / 8; ++i) w[i] = g_rng.next();
}

bool holds_gnttab(bh_slot_t s) {
    Ret r = call(BH_CALL_CAP_INFO, s);
    return r.ok() && (r.r1 & 0xff) == BH_OBJ_GNTTAB && (r.r1 >> 8 & BH_R_WRITE);
}

// Random cap calls shuffle, delete and revoke the grant-table caps within a few thousand
// calls; put copies back into kGntSlots (from any slot still holding one) so grant calls keep
// reaching the grant table. Returns false once no such cap is left anywhere.
bool repair_gnttab() {
    int src = -1;
    for (bh_slot_t s : kGntSlots)
        if (src < 0 && holds_gnttab(s)) src = static_cast<int>(s);
    for (bh_slot_t s = 0; s < 64 && src < 0; ++s)
        if (holds_gnttab(s)) src = static_cast<int>(s);
    if (src < 0) return false;
    for (bh_slot_t s : kGntSlots) {
        if (holds_gnttab(s)) continue;
        call(BH_CALL_CAP_DELETE, s);
        call(BH_CALL_CAP_COPY, static_cast<uint64_t>(src), s, BH_R_ALL);
    }
    return true;
}

// Maps a few playground frames and self-grants them, so random map / copy / unmap calls
// sometimes succeed and reach deeper kernel paths.
void prologue() {
    Ret t = call(BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTable, 1);
    print("hostile: grant table setup: %s", error_name(t.err));
    repair_gnttab();
    for (bh_slot_t s = 0; s < 4; ++s) {
        Ret r = call(BH_CALL_FRAME_ALLOC, 8 + s);
        if (r.ok()) r = call(BH_CALL_FRAME_MAP, 8 + s, kPlay + s * 4096, 1);
        if (!r.ok()) print("hostile: playground page %u: %s", s, error_name(r.err));
    }
    for (uint32_t i = 0; i < kRefs; ++i) scribble_grant();
    randomize_scratch();
}

// Before and after the storm: a clean self-grant must map, read, unmap and then copy between
// two scratch pages, so the kernel's view of our grant table survived whatever the random
// calls did to it (and survives its last mapping going). Returns false on a failure; true
// also when no grant-table cap is left (nothing to test then).
bool grant_table_works(const char* when) {
    if (!repair_gnttab()) {
        print("hostile: no grant-table cap left: %s grant check skipped", when);
        return true;
    }
    constexpr bh_grant_ref_t kRef = 100;  // beyond the scribbled refs
    uint64_t src = reinterpret_cast<uint64_t>(g_scratch) + 3 * 4096;
    uint64_t dst = reinterpret_cast<uint64_t>(g_scratch) + 2 * 4096;
    auto* e = reinterpret_cast<volatile uint16_t*>(kTable + kRef * 8);
    e[1] = g_self;
    *reinterpret_cast<volatile uint32_t*>(e + 2) = static_cast<uint32_t>(src >> 12);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    e[0] = 1 | 4;  // permit_access, read-only
    for (uint64_t i = 0; i < 4096; ++i) {
        g_scratch[3 * 4096 + i] = static_cast<uint8_t>(i * 11 + 1);
        g_scratch[2 * 4096 + i] = 0;
    }
    constexpr uint64_t kView = 0x30000000;  // outside everything the random calls touch
    Ret m = call(BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, g_self, kRef, kView, 1);
    bool seen = m.ok() && *reinterpret_cast<volatile uint8_t*>(kView + 5) == 11 * 5 + 1;
    Ret u = m.ok() ? call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, m.r1) : m;
    bh_grant_copy op{};
    op.status = -1;
    op.source = {kRef, g_self, 0, 0};
    op.dest = {dst, g_self, 0, 0};
    op.len = 4096;
    op.flags = BH_GNTCOPY_SOURCE_GREF;
    Ret r = call(BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB, reinterpret_cast<uint64_t>(&op), 1);
    bool same = true;
    for (uint64_t i = 0; i < 4096; ++i) same = same && g_scratch[2 * 4096 + i] == g_scratch[3 * 4096 + i];
    uint16_t expect = 1 | 4;
    bool revoked = __atomic_compare_exchange_n(const_cast<uint16_t*>(e), &expect, 0, false,
                                               __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    print("hostile: %s self-grant: map %s (%s), unmap %s, copy %s/%s (%s), revoke %s", when,
          error_name(m.err), seen ? "read ok" : "NOT SEEN", error_name(u.err), error_name(r.err),
          error_name(static_cast<uint16_t>(op.status)), same ? "data ok" : "data WRONG",
          revoked ? "ok" : "FAILED");
    return seen && u.ok() && r.ok() && op.status == BH_OK && same && revoked;
}

// Appends "name=count" pairs to lines of at most ~200 characters.
struct Lines {
    char buf[224];
    size_t len = 0;
    void add(const char* name, uint64_t n) {
        if (len > 180) flush();
        len += bh::format(buf + len, sizeof buf - len, " %s=%lu", name, n);
    }
    void flush() {
        if (len) print("hostile:%s", buf);
        len = 0;
    }
};

}  // namespace

int bh_main(uint64_t, uint64_t) {
    report_ready();  // before anything that could hurt us
    g_self = self_id();
    // splitmix64 of the TSC: under TCG the TSC starts near 0 at every boot.
    uint64_t z = rdtsc() + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    uint64_t seed = kFixedSeed ? kFixedSeed : ((z ^ (z >> 31)) | 1);
    g_rng.s = seed;
    print("hostile: domain %u, seed 0x%lx, %lu calls", g_self, seed, kCalls);
    prologue();
    bool table_ok = grant_table_works("first");
    randomize_scratch();

    uint64_t hist[BH_E_COUNT] = {}, weird = 0, unknown_ok = 0, skipped = 0;
    uint64_t ok_by_nr[kMaxCallNr + 1] = {};
    bool gnttab_cap = true;
    uint64_t t0 = rdtsc();
    for (uint64_t i = 0; i < kCalls; ++i) {
        if (i % 64 == 0) scribble_grant();
        if (i % 4096 == 0) randomize_scratch();
        if (i % 64 == 0 && gnttab_cap && !repair_gnttab()) {
            gnttab_cap = false;
            print("hostile: no grant-table cap left after %lu calls", i);
        }
        uint64_t nr = call_number();
        uint64_t a[6];
        for (uint64_t& x : a) x = arg();
        if (nr < sizeof kKinds / sizeof kKinds[0] && g_rng.coin())
            for (int k = 0; kKinds[nr][k]; ++k) a[k] = plausible(kKinds[nr][k]);
        switch (nr) {
        case BH_CALL_BLOCK:
        case BH_CALL_EXIT:  // would end or park us: not interesting
            ++skipped;
            --i;
            continue;
        case BH_CALL_CONSOLE_WRITE:  // only pointers the kernel must refuse
            a[0] = g_rng.coin() ? kernel_addr() : noncanonical();
            break;
        case BH_CALL_FRAME_UNMAP:
            while (vital(a[0])) a[0] = arg();
            break;
        case BH_CALL_GNTTAB_COPY:
            if (g_rng.coin()) {
                a[0] = BH_SLOT_GNTTAB;
                a[2] = 1 + g_rng.below(16);
                a[1] = build_copy_ops(a[2]);
            }
            break;
        default: break;
        }
        Ret r = call(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        if (r.err >= BH_E_COUNT) {
            if (weird++ < 5) print("hostile: FAIL call %lu returned non-error 0x%lx", nr, r.err);
        } else {
            ++hist[r.err];
        }
        if (r.ok()) {
            if (nr <= kMaxCallNr) ++ok_by_nr[nr];
            if (!known_call(nr) && unknown_ok++ < 5)
                print("hostile: FAIL unknown call %lu succeeded", nr);
        }
    }
    uint64_t cycles = rdtsc() - t0;

    // Still ourselves: the simplest calls answer as before, and our grant table still works.
    bool alive = call(BH_CALL_NULL).ok() && call(BH_CALL_SELF_INFO).r1 == g_self;
    table_ok = grant_table_works("final") && table_ok;
    Lines l;
    l.len = bh::format(l.buf, sizeof l.buf, " %lu calls:", kCalls);
    for (uint64_t e = 0; e < BH_E_COUNT; ++e)
        if (hist[e]) l.add(error_name(e), hist[e]);
    l.add("non-error", weird);
    l.flush();
    l.len = bh::format(l.buf, sizeof l.buf, " successes by call:");
    for (uint64_t nr = 0; nr <= kMaxCallNr; ++nr)
        if (ok_by_nr[nr]) {
            char name[8];
            bh::format(name, sizeof name, "%lu", nr);
            l.add(name, ok_by_nr[nr]);
        }
    l.flush();
    print("hostile: %lu cycles, %lu per call; %lu block/exit draws skipped", cycles,
          cycles / kCalls, skipped);
    // All our caps name objects of our own, live domain: "dead" can only mean the kernel
    // retired or freed something of ours while we run.
    uint64_t dead = hist[BH_E_DEAD];
    if (weird || unknown_ok || dead || !alive || !table_ok) {
        print("hostile: FAIL %lu non-error results, %lu unknown calls succeeded, %lu dead, "
              "alive=%d, grant table %s", weird, unknown_ok, dead, alive, table_ok ? "ok" : "BROKEN");
        return 1;
    }
    print("hostile: PASS kernel answered all %lu calls with error codes", kCalls);
    return 0;
}
