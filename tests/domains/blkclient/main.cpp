// blkclient: a client domain with a virtual disk (xvda) from blkback, through Bulkhead's own
// blkfront (libs/blkif). It writes checksummed blocks all over the disk with up to 16 requests
// in flight (1 to 11 pages each), flushes, reads everything back and checks every word; blocks
// it never wrote must read as zeros. It also asks for a read past the end of the disk, which
// the backend must refuse without breaking the ring.
#include <bh/blkif/front.hpp>
#include <bh/rt.hpp>
#include <bh/xenbus/xs_client.hpp>

using namespace bh::rt;
using bh::blkif::BlkFront;

namespace {

constexpr uint32_t kXvda = 202 << 8;
constexpr uint64_t kRingVa = 0x60000000, kBufVa = 0x61000000;
constexpr bh_slot_t kRingSlot = 8, kPortSlot = 9, kBufSlot = 10;
constexpr uint32_t kDepth = 16, kPagesPerSlot = bh::blkif::kMaxSegments;
constexpr uint32_t kMaxBlocks = 32768;  // 4 KiB blocks: disks up to 128 MiB are checked whole
constexpr uint32_t kWrites = 400;

bh::xenbus::XsClient g_xs;
BlkFront g_front;
uint16_t g_gen[kMaxBlocks];  // what each block last held (0: never written, reads as zeros)
uint64_t g_rng = 0x2545F4914F6CDD1Dull;

uint64_t next() {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}
uint64_t word(uint32_t block, uint16_t gen, uint32_t i) {
    if (gen == 0) return 0;
    uint64_t x = (uint64_t{block} << 32 | uint64_t{gen} << 16 | i) * 0x9E3779B97F4A7C15ull;
    return x ^ (x >> 29);
}
uint64_t page_va(uint32_t slot, uint32_t k) { return kBufVa + (uint64_t{slot} * kPagesPerSlot + k) * 4096; }

// Waits for one response: its id (the slot) and status.
void wait_one(uint64_t& id, int16_t& status) {
    while (!g_front.take(id, status)) {
        if (g_front.broken()) {
            print("blkclient: FAIL the ring broke");
            for (;;) call(BH_CALL_EXIT, 1);
        }
        g_front.wait();
    }
}

}  // namespace

int bh_main(uint64_t, uint64_t) {
    if (!g_xs.connect() ||
        !g_front.connect(g_xs, kXvda, bh::blkif::FrontLayout{kRingVa, kRingSlot, kPortSlot, 16})) {
        print("blkclient: FAIL no disk");
        return 1;
    }
    uint64_t blocks = g_front.sectors() / 8;
    print("blkclient: xvda connected to domain %u: %lu sectors, %s%s", g_front.backend(), g_front.sectors(),
          g_front.read_only() ? "read-only" : "read-write", g_front.has_flush() ? ", flush" : "");
    if (blocks > kMaxBlocks) blocks = kMaxBlocks;
    if (blocks < kDepth * kPagesPerSlot * 2 || g_front.read_only()) {
        print("blkclient: FAIL the disk is too small or read-only for the test");
        return 1;
    }
    Ret a = call(BH_CALL_FRAME_ALLOC, kBufSlot, kDepth * kPagesPerSlot);
    Ret m = a.ok() ? call(BH_CALL_FRAME_MAP, kBufSlot, kBufVa, 1) : a;
    if (!m.ok()) {
        print("blkclient: FAIL buffers: %s", error_name(m.err));
        return 1;
    }

    // Writes: slot s only touches region s of the disk, so requests in flight never overlap.
    uint64_t region = blocks / kDepth, written = 0, write_errors = 0;
    uint32_t start_block[kDepth] = {}, len[kDepth] = {};
    bool busy[kDepth] = {};
    for (uint32_t issued = 0, done = 0; done < kWrites;) {
        for (uint32_t s = 0; s < kDepth && issued < kWrites; ++s) {
            if (busy[s]) continue;
            uint32_t n = 1 + static_cast<uint32_t>(next() % kPagesPerSlot);
            uint32_t b = static_cast<uint32_t>(s * region + next() % (region - n));
            uint64_t pages[kPagesPerSlot];
            for (uint32_t k = 0; k < n; ++k) {
                uint16_t gen = static_cast<uint16_t>(g_gen[b + k] + 1 ? g_gen[b + k] + 1 : 1);
                auto* w = reinterpret_cast<uint64_t*>(page_va(s, k));
                for (uint32_t i = 0; i < 512; ++i) w[i] = word(b + k, gen, i);
                pages[k] = page_va(s, k);
            }
            if (!g_front.submit(bh::blkif::kOpWrite, uint64_t{b} * 8, pages, n, s)) break;
            start_block[s] = b, len[s] = n, busy[s] = true;
            ++issued;
        }
        g_front.push();
        uint64_t id = 0;
        int16_t status = 0;
        wait_one(id, status);
        if (id >= kDepth || !busy[id]) {
            print("blkclient: FAIL response for slot %lu that is not busy", id);
            return 1;
        }
        busy[id] = false;
        ++done;
        if (status != bh::blkif::kRspOkay) {
            ++write_errors;
            continue;
        }
        for (uint32_t k = 0; k < len[id]; ++k) {
            uint32_t blk = start_block[id] + k;
            g_gen[blk] = static_cast<uint16_t>(g_gen[blk] + 1 ? g_gen[blk] + 1 : 1);
            ++written;
        }
    }
    int16_t flush_status = 1;
    if (g_front.has_flush() && g_front.submit_flush(99)) {
        g_front.push();
        uint64_t id = 0;
        wait_one(id, flush_status);
    }

    // Read everything back, 11 blocks at a time, and check every word.
    uint64_t bad = 0, checked = 0, zeros = 0, read_errors = 0;
    for (uint64_t b = 0; b < blocks;) {
        uint32_t n = static_cast<uint32_t>(blocks - b < kPagesPerSlot ? blocks - b : kPagesPerSlot);
        uint64_t pages[kPagesPerSlot];
        for (uint32_t k = 0; k < n; ++k) pages[k] = page_va(0, k);
        uint64_t id = 0;
        int16_t status = 0;
        if (!g_front.submit(bh::blkif::kOpRead, b * 8, pages, n, 0)) return 1;
        g_front.push();
        wait_one(id, status);
        if (status != bh::blkif::kRspOkay) ++read_errors;
        for (uint32_t k = 0; k < n && status == bh::blkif::kRspOkay; ++k) {
            auto* w = reinterpret_cast<const uint64_t*>(pages[k]);
            uint32_t blk = static_cast<uint32_t>(b + k);
            bool ok = true;
            for (uint32_t i = 0; i < 512; ++i) ok = ok && w[i] == word(blk, g_gen[blk], i);
            bad += !ok;
            ++checked;
            zeros += g_gen[blk] == 0;
        }
        b += n;
    }
    print("blkclient: wrote %lu blocks in %u requests (%lu errors), flush %s, read back all %lu blocks: %lu bad, "
          "%lu never written and zero", written, kWrites, write_errors, flush_status == 0 ? "ok" : "FAILED", checked,
          bad, zeros);

    // A read past the end: refused, and the ring goes on working.
    uint64_t last = page_va(0, 0), id = 0;
    int16_t past = 0, after = 1;
    g_front.submit(bh::blkif::kOpRead, g_front.sectors() - 4, &last, 1, 7);
    g_front.push();
    wait_one(id, past);
    g_front.submit(bh::blkif::kOpRead, 0, &last, 1, 8);
    g_front.push();
    wait_one(id, after);
    print("blkclient: a read past the end of the disk: status %d; the next read: status %d", past, after);
    bool pass = bad == 0 && write_errors == 0 && read_errors == 0 && flush_status == 0 &&
                past == bh::blkif::kRspError && after == bh::blkif::kRspOkay && written > 0;
    if (!pass) return 1;
    report_ready();
    return 0;
}
