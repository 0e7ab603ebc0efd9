// grants: granter (role 0) shares pages with mapper (role 1), which maps, copies and dies holding a map.
#include <bh/grant.hpp>
#include <bh/rt.hpp>

using namespace bh::rt;

namespace {

// Xen v1 grant entries, the kernel's own definition (the ABI both sides share).
using GrantEntry = bh::GrantEntryV1;
constexpr uint16_t kPermit = bh::gtf::kPermitAccess, kReadonly = bh::gtf::kReadonly,
                   kReading = bh::gtf::kReading, kWriting = bh::gtf::kWriting;

// Granter layout: two data pages and its grant table.
constexpr uint64_t kPage1 = 0x10000000, kPage2 = 0x10001000, kTable = 0x20000000;
// Mapper layout: where it maps the two grants, and its own page for grant copies.
constexpr uint64_t kMapRw = 0x30000000, kMapRo = 0x30001000, kLocal = 0x30002000;
constexpr bh_slot_t kFrame1 = 8, kFrame2 = 9, kPeerSlot = 10;  // kPeerSlot: mapper's bound port
constexpr bh_grant_ref_t kRefRw = 8, kRefRo = 9, kRefOther = 10, kRefFresh = 11;
constexpr uint16_t kStranger = 77;  // a domid that is neither of us
constexpr uint64_t kMaxYields = 200000;

// The mapper leaves its verdict in the last 8 bytes of the shared read-write page; the rest
// carries its pattern.
constexpr uint64_t kVerdictOff = 4096 - 8;
constexpr uint64_t kMapperOk = 0x600d600d600d600dull, kMapperBad = 0xbadbadbadbadbad0ull;

// Two different byte patterns, so a page that holds the wrong one (or zeros) is told apart.
uint8_t granter_byte(uint64_t i) { return static_cast<uint8_t>(i * 7 + 3 + (i >> 8)); }
uint8_t mapper_byte(uint64_t i) { return static_cast<uint8_t>(i * 13 + 5 + (i >> 9)); }

// Index of the first byte of [p, p+n) that differs from pattern, or n if all match.
uint64_t first_mismatch(const volatile uint8_t* p, uint64_t n, uint8_t (*pattern)(uint64_t)) {
    for (uint64_t i = 0; i < n; ++i)
        if (p[i] != pattern(i)) return i;
    return n;
}

volatile GrantEntry* entry(bh_grant_ref_t ref) {
    return reinterpret_cast<volatile GrantEntry*>(kTable) + ref;
}

// Linux's order: domid and frame first, a barrier, then flags (the kernel reads flags first).
void grant(bh_grant_ref_t ref, uint16_t domid, uint64_t vaddr, uint16_t flags) {
    volatile GrantEntry* e = entry(ref);
    e->domid = domid;
    e->frame = static_cast<uint32_t>(vaddr >> 12);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    e->flags = flags;
}

// gnttab_end_foreign_access_ref: flags from exactly what we wrote to 0; fails while in use.
bool revoke(bh_grant_ref_t ref, uint16_t written) {
    uint16_t expect = written;
    auto* flags = const_cast<uint16_t*>(&entry(ref)->flags);
    return __atomic_compare_exchange_n(flags, &expect, 0, false, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST);
}

uint16_t flags_of(bh_grant_ref_t ref) { return __atomic_load_n(&entry(ref)->flags, __ATOMIC_SEQ_CST); }

// Blocks until `port` fires. Other ports (none are expected) are ignored.
void wait_port(bh_port_t port) {
    while (wait_event() != port) {
    }
}

int g_failures = 0;
void check(bool ok, const char* who, const char* what) {
    if (ok) return;
    ++g_failures;
    print("%s: FAIL %s", who, what);
}

Ret map_page(bh_slot_t slot, uint64_t vaddr) {
    Ret r = call(BH_CALL_FRAME_ALLOC, slot);
    return r.ok() ? call(BH_CALL_FRAME_MAP, slot, vaddr, 1) : r;
}

// ---- Role 0: the granter (A) ----
int granter(bh_domid_t peer, bh_port_t port) {
    report_ready();
    const char* me = "granter";
    Ret r1 = map_page(kFrame1, kPage1), r2 = map_page(kFrame2, kPage2);
    Ret rt = call(BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTable, 1);
    if (!r1.ok() || !r2.ok() || !rt.ok()) {
        print("granter: FAIL setup: page1 %s page2 %s table %s", error_name(r1.err),
              error_name(r2.err), error_name(rt.err));
        wait_port(port);  // release the mapper anyway: its first map fails and it exits
        call(BH_CALL_EVTCHN_SEND, BH_SLOT_PEER);
        return 1;
    }
    auto* p1 = reinterpret_cast<volatile uint8_t*>(kPage1);
    auto* p2 = reinterpret_cast<volatile uint8_t*>(kPage2);
    for (uint64_t i = 0; i < 4096; ++i) {
        p1[i] = 0;
        p2[i] = granter_byte(i);
    }
    grant(kRefRw, peer, kPage1, kPermit);
    grant(kRefRo, peer, kPage2, kPermit | kReadonly);
    grant(kRefOther, kStranger, kPage2, kPermit);
    print("granter: refs %u (rw) %u (ro) for dom %u, ref %u for dom %u; waiting for the mapper",
          kRefRw, kRefRo, peer, kRefOther, kStranger);

    wait_port(port);                         // mapper bound its end: sends now arrive
    call(BH_CALL_EVTCHN_SEND, BH_SLOT_PEER);  // "grants ready"
    wait_port(port);                         // "done": the mapper still maps ref 8

    uint64_t verdict = *reinterpret_cast<volatile uint64_t*>(kPage1 + kVerdictOff);
    check(verdict == kMapperOk, me, "the mapper reported failed checks");
    uint64_t bad = first_mismatch(p1, kVerdictOff, mapper_byte);
    if (bad != kVerdictOff) print("granter: page 1 byte %lu is 0x%x", bad, p1[bad]);
    check(bad == kVerdictOff, me, "page 1 does not hold the mapper's writes");
    uint16_t f8 = flags_of(kRefRw), f9 = flags_of(kRefRo);
    print("granter: while mapped: ref 8 flags 0x%x, ref 9 flags 0x%x", f8, f9);
    check(f8 == (kPermit | kReading | kWriting), me, "ref 8 should be permit|reading|writing");
    check(f9 == (kPermit | kReadonly), me, "ref 9 should be idle after unmap and copy");
    check(!revoke(kRefRw, kPermit), me, "revoking ref 8 succeeded while it is mapped");
    check(flags_of(kRefRw) == f8, me, "the failed revoke changed ref 8");
    // Let the mapper die now (it waits for this, so the checks above saw it alive).
    call(BH_CALL_EVTCHN_SEND, BH_SLOT_PEER);

    // The kernel must drop the dead mapper's mapping and clear GTF_reading / GTF_writing.
    uint64_t t0 = rdtsc(), yields = 0;
    while ((flags_of(kRefRw) & (kReading | kWriting)) && yields < kMaxYields) {
        call(BH_CALL_YIELD);
        ++yields;
    }
    uint64_t cycles = rdtsc() - t0;
    uint16_t after = flags_of(kRefRw);
    print("granter: ref 8 flags 0x%x after %lu yields (%lu cycles)", after, yields, cycles);
    check(!(after & (kReading | kWriting)), me, "the kernel never released the dead mapper's map");
    check(revoke(kRefRw, kPermit), me, "revoking ref 8 failed after the mapper died");
    check(revoke(kRefRo, kPermit | kReadonly), me, "revoking ref 9 failed");
    check(revoke(kRefOther, kPermit), me, "revoking ref 10 failed");
    check(first_mismatch(p1, kVerdictOff, mapper_byte) == kVerdictOff, me,
          "page 1 changed after the mapper died");

    // A continues: a fresh self-grant of page 1, read back, then used by a grant copy into
    // page 2, shows the table still works after the peer's death.
    bh_domid_t self = self_id();
    grant(kRefFresh, self, kPage1, kPermit | kReadonly);
    volatile GrantEntry* e = entry(kRefFresh);
    check(e->flags == (kPermit | kReadonly) && e->domid == self && e->frame == (kPage1 >> 12), me,
          "fresh ref 11 reads back malformed");
    bh_grant_copy op{};
    op.source = {kRefFresh, self, 0, 0};
    op.dest = {kPage2, self, 0, 0};
    op.len = 4096;
    op.flags = BH_GNTCOPY_SOURCE_GREF;
    op.status = -1;  // shows "?" if the kernel never wrote it
    Ret rc = call(BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB, reinterpret_cast<uint64_t>(&op), 1);
    print("granter: copy through fresh ref 11: call %s, status %s", error_name(rc.err),
          error_name(static_cast<uint16_t>(op.status)));
    check(rc.ok() && op.status == BH_OK, me, "grant copy through ref 11 failed");
    check(first_mismatch(p2, kVerdictOff, mapper_byte) == kVerdictOff, me,
          "page 2 does not hold page 1 after the copy");
    check(flags_of(kRefFresh) == (kPermit | kReadonly), me, "ref 11 still pinned after the copy");
    check(revoke(kRefFresh, kPermit | kReadonly), me, "revoking ref 11 failed");

    if (g_failures) {
        print("granter: %d checks FAILED", g_failures);
        return 1;
    }
    print("granter: PASS mapper's writes seen, ref 8 busy while mapped and freed %lu yields after "
          "its death, table usable afterwards", yields);
    return 0;
}

// ---- Role 1: the mapper (B) ----
int mapper(bh_domid_t peer, bh_port_t peer_port) {
    Ret b = call(BH_CALL_EVTCHN_BIND_INTERDOMAIN, kPeerSlot, peer, peer_port);
    report_ready();
    if (!b.ok()) {
        print("mapper: FAIL cannot bind to granter port %u: %s", peer_port, error_name(b.err));
        return 1;
    }
    const char* me = "mapper";
    auto port = static_cast<bh_port_t>(b.r1);
    call(BH_CALL_EVTCHN_SEND, kPeerSlot);  // "hello, I'm bound"
    wait_port(port);                       // "grants ready"

    // Ref 8: read-write. Our writes must land in the granter's page 1.
    Ret m8 = call(BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, peer, kRefRw, kMapRw, 0);
    print("mapper: map ref 8 rw: %s handle %lu", error_name(m8.err), m8.r1);
    if (!m8.ok()) {
        print("mapper: FAIL cannot map ref 8; giving up");
        call(BH_CALL_EVTCHN_SEND, kPeerSlot);  // "done": no verdict in page 1 fails the granter
        return 1;
    }
    auto* rw = reinterpret_cast<volatile uint8_t*>(kMapRw);
    for (uint64_t i = 0; i < kVerdictOff; ++i) rw[i] = mapper_byte(i);

    // Ref 9: read-only. A writable map must be refused; a read-only one shows page 2.
    Ret w9 = call(BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, peer, kRefRo, kMapRo, 0);
    print("mapper: writable map of read-only ref 9: %s", error_name(w9.err));
    check(w9.err == BH_E_GRANT_DENIED, me, "writable map of ref 9 was not grant-denied");
    Ret m9 = w9.ok() ? w9 : call(BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, peer, kRefRo, kMapRo, 1);
    print("mapper: map ref 9 ro: %s handle %lu", error_name(m9.err), m9.r1);
    check(m9.ok(), me, "read-only map of ref 9 failed");
    if (m9.ok()) {
        uint64_t bad = first_mismatch(reinterpret_cast<volatile uint8_t*>(kMapRo), 4096, granter_byte);
        print("mapper: ref 9 read: %s", bad == 4096 ? "4096 bytes match" : "MISMATCH");
        check(bad == 4096, me, "ref 9 does not show the granter's pattern");
        Ret u1 = call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, m9.r1);
        Ret u2 = call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, m9.r1);
        print("mapper: unmap ref 9: %s, again: %s", error_name(u1.err), error_name(u2.err));
        check(u1.ok(), me, "unmap of ref 9 failed");
        check(u2.err == BH_E_BAD_HANDLE, me, "double unmap was not bad-handle");
    }

    // Grant copies, one batch with a per-op status each: a good copy of ref 9 into our page,
    // a copy of ref 10 (granted to someone else), and a segment crossing the page end.
    Ret lp = map_page(8, kLocal);
    check(lp.ok(), me, "cannot map a local page");
    bh_domid_t self = self_id();
    bh_grant_copy ops[3] = {};
    ops[0].source = {kRefRo, peer, 0, 0};
    ops[1].source = {kRefOther, peer, 0, 0};
    ops[2].source = {kRefRo, peer, 8, 0};
    for (bh_grant_copy& op : ops) {
        op.dest = {kLocal, self, 0, 0};
        op.len = 4096;
        op.flags = BH_GNTCOPY_SOURCE_GREF;
        op.status = -1;
    }
    Ret rc = call(BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB, reinterpret_cast<uint64_t>(ops), 3);
    print("mapper: grant copy batch: call %s; ref 9 -> %s, ref 10 -> %s, offset 8 len 4096 -> %s",
          error_name(rc.err), error_name(static_cast<uint16_t>(ops[0].status)),
          error_name(static_cast<uint16_t>(ops[1].status)),
          error_name(static_cast<uint16_t>(ops[2].status)));
    check(rc.ok() && ops[0].status == BH_OK, me, "copy of ref 9 failed");
    check(ops[1].status == BH_E_BAD_GRANT, me, "copy of ref 10 (not granted to us) not bad-grant");
    check(ops[2].status == BH_E_BAD_ARG, me, "copy crossing the page end not bad-arg");
    uint64_t bad = first_mismatch(reinterpret_cast<volatile uint8_t*>(kLocal), 4096, granter_byte);
    print("mapper: copied page: %s", bad == 4096 ? "4096 bytes match" : "MISMATCH");
    check(bad == 4096, me, "copied page does not hold the granter's pattern");

    *reinterpret_cast<volatile uint64_t*>(kMapRw + kVerdictOff) = g_failures ? kMapperBad : kMapperOk;
    call(BH_CALL_EVTCHN_SEND, kPeerSlot);  // "done"
    if (g_failures) {
        print("mapper: %d checks FAILED", g_failures);
        return 1;  // an exit, not the expected #UD: the supervisor judges FAIL
    }
    wait_port(port);  // the granter checked ref 8 while we were alive
    print("mapper: all checks passed; dying with ref 8 still mapped (ud2)");
    asm volatile("ud2");
    print("mapper: FAIL survived ud2");
    return 1;
}

}  // namespace

int bh_main(uint64_t arg0, uint64_t role) {
    auto [peer, port] = peer_link(arg0);
    if (role == 0) return granter(peer, port);
    if (role == 1) return mapper(peer, port);
    report_ready();
    print("grants: FAIL unknown role %lu", role);
    return 1;
}
