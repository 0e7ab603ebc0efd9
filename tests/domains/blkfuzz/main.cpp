// blkfuzz: a hostile blkif frontend. It does the xenbus handshake properly (libs/blkif), then
// writes its own requests into the shared ring: every kind of bad request (segment counts out
// of range, sectors past the page or the disk, grants it never made or made read-only or to
// someone else, an empty discard, unknown operations), then thousands of random ones, and last a req_prod that
// claims more requests than the ring holds. Every bad request must be answered with an error
// under its own id; the ring breach must cost it its ring (the backend closes the vbd). Another
// frontend (blkclient) runs its checksummed test against the same backend meanwhile.
#include <bh/blkif/front.hpp>
#include <bh/grant.hpp>
#include <bh/rt.hpp>
#include <bh/xenbus/xs_client.hpp>
#include <bh/xenbus/xs_text.hpp>

#include "../common/ring_exchange.hpp"

using namespace bh::rt;
using namespace bh::blkif;

namespace {

constexpr uint64_t kRingVa = 0x60000000, kPageVa = 0x61000000;
constexpr bh_slot_t kRingSlot = 8, kPortSlot = 9, kPageSlot = 10;
constexpr bh_grant_ref_t kRingRef = 16, kRoRef = 100, kElsewhereRef = 101;

bh::xenbus::XsClient g_xs;
BlkFront g_front;
bh::ring::FrontRing<Ring64>* g_ring;
uint64_t g_rng = 0x853c49e6748fea9bull;
uint64_t g_sectors = 0;

uint64_t next() {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

Request64 rw(uint8_t op, uint64_t id, uint64_t sector, uint8_t nseg, uint32_t gref, uint8_t first = 0, uint8_t last = 7) {
    Request64 r{};
    r.operation = op;
    r.nr_segments = nseg;
    r.id = id;
    r.sector_number = sector;
    for (auto& s : r.seg) s = Segment{gref, first, last, 0};
    return r;
}

// BLKIF_OP_INDIRECT carrying `op` over `nseg` segments listed in the page granted as `page_ref`.
Request64 indirect(uint64_t id, uint8_t op, uint16_t nseg, uint32_t page_ref) {
    Indirect64 ind{};
    ind.operation = kOpIndirect;
    ind.indirect_op = op;
    ind.nr_segments = nseg;
    ind.id = id;
    ind.indirect_grefs[0] = page_ref;
    Request64 r{};
    __builtin_memcpy(&r, &ind, sizeof ind);
    return r;
}

}  // namespace

int bh_main(uint64_t, uint64_t) {
    if (!g_xs.connect() || !g_front.connect(g_xs, 202 << 8, FrontLayout{kRingVa, kRingSlot, kPortSlot, kRingRef})) {
        print("blkfuzz: FAIL no disk");
        return 1;
    }
    g_sectors = g_front.sectors();
    // A page we grant read-only to the backend, and one granted to the store (not the backend).
    Ret a = call(BH_CALL_FRAME_ALLOC, kPageSlot, 2);
    Ret m = a.ok() ? call(BH_CALL_FRAME_MAP, kPageSlot, kPageVa, 1) : a;
    if (!m.ok() || !grant_access(kRoRef, g_front.backend(), kPageVa, true) ||
        !grant_access(kElsewhereRef, g_xs.store_domid(), kPageVa + 0x1000, false)) {
        print("blkfuzz: FAIL set-up");
        return 1;
    }
    static uint8_t ring_space[sizeof(bh::ring::FrontRing<Ring64>)];
    g_ring = new (ring_space) bh::ring::FrontRing<Ring64>(
        bh::ring::FrontRing<Ring64>::attach(*reinterpret_cast<Ring64*>(kRingVa)));

    // Each kind of bad request, with the status it must get.
    const Request64 bad[] = {
        rw(kOpRead, 1, 0, 0, 999),                      // no segments
        rw(kOpRead, 2, 0, 12, 999),                     // more than 11
        rw(kOpWrite, 3, 0, 255, 999),                   // far more
        rw(kOpRead, 4, 0, 1, 999, 5, 4),                // last before first
        rw(kOpRead, 5, 0, 1, 999, 0, 8),                // past the page
        rw(kOpRead, 6, g_sectors - 7, 1, 999),          // past the disk's end
        rw(kOpRead, 7, ~0ull - 2, 1, 999),              // wraps
        rw(kOpRead, 8, 0, 1, 999),                      // a grant never made
        rw(kOpRead, 9, 0, 1, 0xffffffff),               // far outside the table
        rw(kOpRead, 10, 0, 1, kRoRef),                  // the disk would write a read-only grant
        rw(kOpWrite, 11, 0, 1, kElsewhereRef),          // granted to someone else
        rw(kOpIndirect, 12, 0, 1, 999),                 // indirect with no segments (bytes 2-3)
        indirect(15, kOpRead, 33, 999),                 // more segments than offered
        indirect(16, kOpWrite, 4, 999),                 // its segment page never granted
        indirect(17, kOpFlush, 1, kRoRef),              // neither a read nor a write
        rw(kOpDiscard, 13, 0, 0, 0),                    // discarding nothing
        rw(77, 14, 0, 1, 999),                          // no such operation
    };
    const int16_t want[] = {kRspError, kRspError, kRspError, kRspError, kRspError, kRspError, kRspError,
                            kRspError, kRspError, kRspError, kRspError, kRspError, kRspError, kRspError,
                            kRspError, kRspError, kRspNotSupported};
    constexpr uint32_t kBad = sizeof bad / sizeof bad[0];
    Response64 rsp[32];
    if (!test_domains::exchange(*g_ring, kPortSlot, bad, kBad, rsp)) {
        print("blkfuzz: FAIL the backend stopped answering");
        return 1;
    }
    uint32_t right = 0;
    for (uint32_t i = 0; i < kBad; ++i) {
        // An indirect request is answered as the operation it carries (bytes 1 of its slot).
        uint8_t op = bad[i].operation == kOpIndirect ? bad[i].nr_segments : bad[i].operation;
        bool ok = rsp[i].id == bad[i].id && rsp[i].status == want[i] && rsp[i].operation == op;
        if (!ok) print("blkfuzz: request %lu got id %lu status %d, wanted %d", bad[i].id, rsp[i].id, rsp[i].status, want[i]);
        right += ok;
    }
    // The read-only page is as we left it.
    bool ro_intact = *reinterpret_cast<volatile uint64_t*>(kPageVa) == 0;
    print("blkfuzz: %u of %u bad requests refused with the right status, read-only page %s", right, kBad,
          ro_intact ? "untouched" : "WRITTEN");

    // Random requests: only flushes (operations 2 and 3, no data) and discards inside our slice
    // may succeed; everything else names grants that do not exist.
    uint32_t sent = 0, refused = 0, wrong = 0;
    for (uint32_t batch = 0; batch < 100; ++batch) {
        Request64 reqs[20];
        for (uint32_t i = 0; i < 20; ++i) {
            uint8_t raw[sizeof(Request64)];
            for (auto& b : raw) b = static_cast<uint8_t>(next());
            __builtin_memcpy(&reqs[i], raw, sizeof raw);
            reqs[i].operation = static_cast<uint8_t>(next() % 9);
            reqs[i].id = uint64_t{batch} << 8 | i;
            if (next() % 2) reqs[i].sector_number %= g_sectors;
            if (next() % 2) reqs[i].nr_segments %= 12;
            for (auto& s : reqs[i].seg)
                if (s.gref == kRingRef || s.gref == kRoRef || s.gref == kElsewhereRef) s.gref = 999;
        }
        if (!test_domains::exchange(*g_ring, kPortSlot, reqs, 20, rsp)) {
            print("blkfuzz: FAIL the backend stopped answering random requests (batch %u)", batch);
            return 1;
        }
        for (uint32_t i = 0; i < 20; ++i) {
            bool flush = reqs[i].operation == kOpFlush || reqs[i].operation == kOpWriteBarrier;
            static Request q;
            decode(reqs[i], q);
            uint64_t nr = q.discard_sectors, at = reqs[i].sector_number;
            bool discard = reqs[i].operation == kOpDiscard && nr && at <= g_sectors && nr <= g_sectors - at;
            wrong += rsp[i].id != reqs[i].id || (rsp[i].status == kRspOkay && !flush && !discard);
            refused += rsp[i].status != kRspOkay;
        }
        sent += 20;
    }
    print("blkfuzz: %u random requests: %u refused, %u answered wrongly", sent, refused, wrong);

    // A req_prod past what the ring holds: the backend must drop our ring, not serve garbage.
    auto* ring = reinterpret_cast<volatile uint32_t*>(kRingVa);
    ring[0] = ring[0] + 1000;
    call(BH_CALL_EVTCHN_SEND, kPortSlot);
    char state[8] = {};
    char be_path[96];
    size_t n = 0;
    bh::xenbus::Text key;
    key << "/local/domain/" << uint64_t{self_id()} << "/device/vbd/" << uint64_t{202 << 8} << "/backend";
    g_xs.read(0, key.s, be_path, sizeof be_path - 1, &n);
    be_path[n] = '\0';
    uint64_t t0 = call(BH_CALL_TIME).r1;
    while (call(BH_CALL_TIME).r1 - t0 < 3000 / BH_TICK_MS) {
        bh::xenbus::read_text(g_xs, be_path, "state", state, sizeof state);
        if (state[0] == '6') break;
        call(BH_CALL_YIELD);
    }
    print("blkfuzz: after a req_prod 1000 past the ring the backend's state is %s", state);
    bool pass = right == kBad && ro_intact && wrong == 0 && refused > 0 && state[0] == '6';
    if (!pass) return 1;
    report_ready();
    return 0;
}
