// blkclient: a client domain with a virtual disk (xvda) from blkback, through Bulkhead's own
// blkfront (libs/blkif). It writes checksummed blocks all over the disk with up to 16 requests
// in flight (1 to 11 pages each), flushes, reads everything back and checks every word; blocks
// it never wrote must read as zeros. It also asks for a read past the end of the disk, which
// the backend must refuse without breaking the ring. Role 5 (the default system's `files`)
// does the same, then stays up with its disk connected, as a service.
#include <bh/blkif/front.hpp>
#include <bh/blkif/workload.hpp>
#include <bh/xenbus/xs_text.hpp>
#include <bh/rt.hpp>
#include <bh/xenbus/xs_client.hpp>

using namespace bh::rt;
using bh::blkif::BlkFront;

namespace {

constexpr uint32_t kXvda = 202 << 8;
constexpr uint64_t kRingVa = 0x60000000, kBufVa = 0x61000000;  // rings: up to 4 pages
constexpr bh_slot_t kRingSlot = 8, kPortSlot = 9, kBufSlot = 14, kPoolSlot = 16;  // ports 9..12: one per ring
constexpr uint64_t kPoolVa = 0x6a000000;  // persistent grants (roles 1 and 2)
constexpr uint32_t kDepth = 16, kPagesPerSlot = bh::blkif::kMaxIndirectSegments;
constexpr uint64_t kIndirectVa = 0x6c000000;  // indirect segment pages (mapped roles)
constexpr bh_slot_t kIndirectSlot = 17;
constexpr uint32_t kMaxBlocks = 32768;  // 4 KiB blocks: disks up to 128 MiB are checked whole
constexpr uint32_t kWrites = 400;
constexpr uint32_t kKills = 100;  // role 1
constexpr uint32_t kRoleService = 5;
constexpr uint32_t kDiscardBlock = 100;  // role 0 discards 256 blocks from here

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

// Kills of the backend the supervisor makes on our request (role 1): when to ask, and what each
// cost us (kill -> the first completion of a request submitted after it).
struct Killer {
    uint32_t wanted = 0, asked = 0, recovered = 0;
    bool pending = false;     // asked, the supervisor has not said the backend is back yet
    bool waiting = false;     // asked, no post-kill request completed yet
    uint64_t kill_tsc = 0, next_at = 0, done = 0;
    uint64_t outage[128] = {};  // TSC cycles
};

bh_port_t g_ctl_port = 0;
Killer* g_killer = nullptr;

uint64_t ticks() { return call(BH_CALL_TIME).r1; }

// Waits for one response: its id (the slot) and status. Control events (the supervisor saying
// a killed backend is back) are noted on the way.
void wait_one(uint64_t& id, int16_t& status) {
    while (!g_front.take(id, status)) {
        if (g_front.broken()) {
            print("blkclient: FAIL the ring broke");
            for (;;) call(BH_CALL_EXIT, 1);
        }
        bh_port_t p = g_front.wait();
        if (p == g_ctl_port && g_killer) g_killer->pending = false;
    }
}

struct Counts {
    uint64_t written = 0, errors = 0, requests = 0, ticks = 0;
};

// `count` writes of 1-11 blocks with up to kDepth in flight; slot s only touches region s of
// the disk, so requests in flight never overlap. With a killer, asks for kills on the way.
Counts run_writes(uint64_t blocks, uint32_t count, Killer* k) {
    Counts c;
    uint64_t region = blocks / kDepth, t0 = ticks();
    uint32_t start_block[kDepth] = {}, len[kDepth] = {};
    uint64_t submitted_at[kDepth] = {};
    bool busy[kDepth] = {};
    for (uint32_t issued = 0, done = 0; done < count;) {
        for (uint32_t s = 0; s < kDepth && issued < count; ++s) {
            if (busy[s]) continue;
            uint32_t n = 1 + static_cast<uint32_t>(next() % g_front.max_pages());
            uint32_t b = static_cast<uint32_t>(s * region + next() % (region - n));
            uint64_t pages[kPagesPerSlot];
            for (uint32_t j = 0; j < n; ++j) {
                uint16_t gen = static_cast<uint16_t>(g_gen[b + j] + 1 ? g_gen[b + j] + 1 : 1);
                auto* w = reinterpret_cast<uint64_t*>(page_va(s, j));
                for (uint32_t i = 0; i < 512; ++i) w[i] = word(b + j, gen, i);
                pages[j] = page_va(s, j);
            }
            if (!g_front.submit(bh::blkif::kOpWrite, uint64_t{b} * 8, pages, n, s)) break;
            start_block[s] = b, len[s] = n, busy[s] = true, submitted_at[s] = k ? k->asked : 0;
            ++issued;
        }
        g_front.push();
        uint64_t id = 0;
        int16_t status = 0;
        wait_one(id, status);
        if (id >= kDepth || !busy[id]) {
            print("blkclient: FAIL response for slot %lu that is not busy", id);
            for (;;) call(BH_CALL_EXIT, 1);
        }
        busy[id] = false;
        ++done;
        ++c.requests;
        if (status != bh::blkif::kRspOkay) {
            ++c.errors;
        } else {
            for (uint32_t j = 0; j < len[id]; ++j) {
                uint32_t blk = start_block[id] + j;
                g_gen[blk] = static_cast<uint16_t>(g_gen[blk] + 1 ? g_gen[blk] + 1 : 1);
                ++c.written;
            }
        }
        if (!k) continue;
        // A request submitted after the last kill completed: the backend is back for us.
        if (k->waiting && submitted_at[id] == k->asked) {
            k->waiting = false;
            if (k->asked <= 128) k->outage[k->asked - 1] = rdtsc() - k->kill_tsc;
            ++k->recovered;
        }
        ++k->done;
        if (k->asked < k->wanted && !k->pending && !k->waiting && k->done >= k->next_at) {
            k->pending = k->waiting = true;
            ++k->asked;
            k->kill_tsc = rdtsc();
            k->next_at = k->done + 3 + next() % 20;  // a random moment in the stream
            call(BH_CALL_EVTCHN_SEND, BH_SLOT_CONTROL);
        }
    }
    c.ticks = ticks() - t0;
    return c;
}

// Reads every block back, as many at a time as a request carries, and checks every word
// against what was last written.
uint64_t verify(uint64_t blocks, uint64_t* zeros, uint64_t* read_errors) {
    uint64_t bad = 0;
    const uint32_t most = g_front.max_pages();
    for (uint64_t b = 0; b < blocks;) {
        uint32_t n = static_cast<uint32_t>(blocks - b < most ? blocks - b : most);
        uint64_t pages[kPagesPerSlot];
        for (uint32_t k = 0; k < n; ++k) pages[k] = page_va(0, k);
        uint64_t id = 0;
        int16_t status = 0;
        if (!g_front.submit(bh::blkif::kOpRead, b * 8, pages, n, 0)) return ~0ull;
        g_front.push();
        wait_one(id, status);
        if (status != bh::blkif::kRspOkay) ++*read_errors;
        for (uint32_t k = 0; k < n && status == bh::blkif::kRspOkay; ++k) {
            auto* w = reinterpret_cast<const uint64_t*>(pages[k]);
            uint32_t blk = static_cast<uint32_t>(b + k);
            bool ok = true;
            for (uint32_t i = 0; i < 512; ++i) ok = ok && w[i] == word(blk, g_gen[blk], i);
            bad += !ok;
            *zeros += g_gen[blk] == 0;
        }
        b += n;
    }
    return bad;
}

int16_t flush() {
    int16_t status = 1;
    uint64_t id = 0;
    if (g_front.has_flush() && g_front.submit_flush(99)) {
        g_front.push();
        wait_one(id, status);
    }
    return status;
}

}  // namespace

// The benchmark (role 2): the workload through blkfront/blkback, alternating with the backend
// running it on its disk directly (asked for through /test/blkbench), three rounds each.
struct FrontDev {
    bool submit(bool write, uint64_t sector, uint64_t va, uint32_t pages, uint64_t cookie) {
        uint64_t p[bh::blkif::kMaxIndirectSegments];
        for (uint32_t i = 0; i < pages; ++i) p[i] = va + uint64_t{i} * 4096;
        return g_front.submit(write ? bh::blkif::kOpWrite : bh::blkif::kOpRead, sector, p, pages, cookie);
    }
    void kick() { g_front.push(); }
    bool wait_take(uint64_t& cookie, bool& ok) {
        int16_t status = 0;
        wait_one(cookie, status);
        ok = status == bh::blkif::kRspOkay;
        return true;
    }
};

int bench(const char* suffix) {
    namespace wl = bh::blkif::workload;
    constexpr uint32_t kRounds = 3;
    constexpr uint64_t kBenchVa = 0x68000000;
    Ret a = call(BH_CALL_FRAME_ALLOC, kBufSlot + 1, wl::kBufferPages);
    Ret m = a.ok() ? call(BH_CALL_FRAME_MAP, kBufSlot + 1, kBenchVa, 1) : a;
    if (!m.ok() || g_xs.watch("/test/blkbench", "bench")) return 1;
    uint64_t per_us = cycles_per_us();
    uint64_t seq[kRounds], rand[kRounds], dseq[kRounds], drand[kRounds], errors = 0;
    for (uint32_t r = 1; r <= kRounds; ++r) {
        bh::xenbus::Text round, key;
        round << uint64_t{r};
        key << "direct-" << uint64_t{r};
        if (g_xs.write(0, "/test/blkbench/round", round.s)) return 1;
        char v[64];
        while (!bh::xenbus::read_text(g_xs, "/test/blkbench", key.s, v, sizeof v)) {
            bh::xenbus::XsWatchEvent ev;
            g_xs.wait_watch(ev);
        }
        uint64_t derr = 0;
        char* p = v;
        auto num = [&p]() {
            uint64_t x = 0;
            while (*p == ' ') ++p;
            while (*p >= '0' && *p <= '9') x = x * 10 + static_cast<uint64_t>(*p++ - '0');
            return x;
        };
        dseq[r - 1] = num(), drand[r - 1] = num(), derr = num();
        FrontDev d;
        auto res = wl::run(d, g_front.max_pages(), kBenchVa, rdtsc);
        seq[r - 1] = res.seq_cycles, rand[r - 1] = res.rand_cycles;
        errors += res.errors + derr;
        print("blkclient: bench round %u: sequential %lu / %lu us, random 4k %lu / %lu us (blkif / direct)", r,
              seq[r - 1] / per_us, dseq[r - 1] / per_us, rand[r - 1] / per_us, drand[r - 1] / per_us);
    }
    sort_u64(seq, kRounds), sort_u64(rand, kRounds), sort_u64(dseq, kRounds), sort_u64(drand, kRounds);
    uint64_t s = seq[kRounds / 2], ds = dseq[kRounds / 2], rn = rand[kRounds / 2], drn = drand[kRounds / 2];
    if (!s || !rn || errors) {
        print("blkclient: FAIL benchmark errors %lu", errors);
        return 1;
    }
    uint64_t bytes = 2 * wl::kSeqBytes;  // written, then read
    auto mib_s = [&](uint64_t cycles) { return bytes * per_us * 1000000 / cycles / (1 << 20); };
    auto bench = [suffix](const char* name, uint64_t v, const char* unit) {
        print("BH-BENCH name=%s%s value=%lu unit=%s", name, suffix, v, unit);
    };
    auto ratio = [suffix](const char* name, uint64_t reference, uint64_t ours) {
        print("BH-BENCH name=%s%s value=%lu.%02lu unit=x", name, suffix, reference * 100 / ours / 100,
              reference * 100 / ours % 100);
    };
    bench("blk_seq_mib_s", mib_s(s), "MiB/s");
    bench("blk_seq_mib_s_direct", mib_s(ds), "MiB/s");
    ratio("blk_seq_ratio", ds, s);
    bench("blk_rand4k_iops", uint64_t{wl::kRandOps} * per_us * 1000000 / rn, "ops/s");
    bench("blk_rand4k_iops_direct", uint64_t{wl::kRandOps} * per_us * 1000000 / drn, "ops/s");
    ratio("blk_rand4k_ratio", drn, rn);
    report_ready();
    return 0;
}

int bh_main(uint64_t, uint64_t arg1) {
    uint32_t role = static_cast<uint32_t>(arg1);
    g_ctl_port = static_cast<bh_port_t>(call(BH_CALL_EVTCHN_STATUS, BH_SLOT_CONTROL).r2 >> 32);
    // Grants mapped per request (with indirect requests of up to 32 pages), or persistent ones.
    bool mapped = role == 0 || role == 2 || role == kRoleService;
    if (!g_xs.connect() ||
        !g_front.connect(g_xs, kXvda, bh::blkif::FrontLayout{kRingVa, kRingSlot, kPortSlot, 16, role == 3,
                                                             mapped ? 0 : kPoolVa, kPoolSlot,
                                                             mapped ? kIndirectVa : 0, kIndirectSlot,
                                                             role == 0 || role == 1 || role == kRoleService ? 2u : 1u})) {
        print("blkclient: FAIL no disk");
        return 1;
    }
    uint64_t blocks = g_front.sectors() / 8;
    print("blkclient: xvda connected to domain %u: %lu sectors, %s%s%s%s, up to %u pages a request%s, %u ring%s",
          g_front.backend(), g_front.sectors(), g_front.read_only() ? "read-only" : "read-write",
          g_front.has_flush() ? ", flush" : "", g_front.persistent() ? ", persistent grants" : "",
          g_front.x86_32() ? ", x86_32-abi" : "", g_front.max_pages(),
          g_front.max_pages() > bh::blkif::kMaxSegments ? " (indirect)" : "", g_front.queues(),
          g_front.queues() > 1 ? "s" : "");
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
    uint64_t zeros = 0, read_errors = 0;
    if (role == 2) return bench("");
    if (role == 4) return bench("_persistent");
    if (role == 1) {
        // Restart without reboot: the backend is killed kKills times while we write. Ready first,
        // and wait until the supervisor has seen it: our later control events are kill requests.
        report_ready();
        while (wait_event() != g_ctl_port) {
        }
        static Killer k;
        k.wanted = kKills;
        k.next_at = 5;
        g_killer = &k;
        Counts calm = run_writes(blocks, 200, nullptr);
        Counts rough = run_writes(blocks, kKills * 40, &k);
        while (k.waiting || k.pending) {  // the last kill: let it finish
            Counts more = run_writes(blocks, 16, &k);
            rough.written += more.written, rough.errors += more.errors, rough.requests += more.requests,
                rough.ticks += more.ticks;
        }
        int16_t fl = flush();
        uint64_t bad = verify(blocks, &zeros, &read_errors);
        uint32_t n = k.asked < 128 ? k.asked : 128;
        uint64_t per_us = cycles_per_us(), total = 0;
        for (uint32_t i = 0; i < n; ++i) total += k.outage[i] /= per_us;
        sort_u64(k.outage, n);
        uint64_t median = n ? k.outage[n / 2] : 0, cold = 0;
        print("blkclient: %u kills of the backend, %u recovered; outage (kill -> first completed I/O) "
              "median %lu us, mean %lu us, max %lu us", k.asked, k.recovered, median, n ? total / n : 0,
              n ? k.outage[n - 1] : 0);
        print("blkclient: writes without kills %lu req/s, with kills %lu req/s (%lu and %lu requests)",
              calm.requests * 1000 / (calm.ticks * BH_TICK_MS + 1), rough.requests * 1000 / (rough.ticks * BH_TICK_MS + 1),
              calm.requests, rough.requests);
        print("blkclient: acknowledged writes %lu (%lu errors), flush %s, read back all %lu blocks: %lu bad "
              "(lost or corrupted)", calm.written + rough.written, calm.errors + rough.errors, fl == 0 ? "ok" : "FAILED",
              blocks, bad);
        print("BH-BENCH name=restart_recovered value=%u unit=of-%u-kills", k.recovered, k.asked);
        print("BH-BENCH name=restart_lost_writes value=%lu unit=blocks", bad);
        print("BH-BENCH name=restart_outage_us value=%lu unit=us", median);
        // The yardstick: the backend's own cold start, build to ready, as the supervisor saw it.
        if (bh::xenbus::read_u64(g_xs, "/test/coldstart", "blkback", &cold) && cold)
            print("BH-BENCH name=restart_outage_ratio value=%lu.%02lu unit=x-cold-start", median / cold,
                  median * 100 / cold % 100);
        else
            print("blkclient: no cold-start figure for the backend in /test/coldstart");
        bool pass = k.asked == kKills && k.recovered == kKills && bad == 0 && read_errors == 0 &&
                    calm.errors + rough.errors == 0 && fl == 0;
        return pass ? 0 : 1;
    }
    Counts c = run_writes(blocks, kWrites, nullptr);
    // Discard 1 MiB that was written: it must read back as zeros (the image's hole).
    int16_t discard_status = 1;
    uint64_t id = 0;
    if (g_front.has_discard() && g_front.submit_discard(kDiscardBlock * 8, 256 * 8, 42)) {
        g_front.push();
        wait_one(id, discard_status);
        for (uint32_t b = kDiscardBlock; discard_status == 0 && b < kDiscardBlock + 256; ++b) g_gen[b] = 0;
    }
    int16_t flush_status = flush();
    uint64_t bad = verify(blocks, &zeros, &read_errors);
    print("blkclient: wrote %lu blocks in %u requests (%lu errors), discarded 256 (status %d), flush %s, "
          "read back all %lu blocks: %lu bad, %lu never written (or discarded) and zero", c.written, kWrites,
          c.errors, discard_status, flush_status == 0 ? "ok" : "FAILED", blocks, bad, zeros);

    // A read past the end: refused, and the ring goes on working.
    uint64_t last = page_va(0, 0);
    int16_t past = 0, after = 1;
    g_front.submit(bh::blkif::kOpRead, g_front.sectors() - 4, &last, 1, 7);
    g_front.push();
    wait_one(id, past);
    g_front.submit(bh::blkif::kOpRead, 0, &last, 1, 8);
    g_front.push();
    wait_one(id, after);
    print("blkclient: a read past the end of the disk: status %d; the next read: status %d", past, after);
    bool pass = bad == 0 && c.errors == 0 && read_errors == 0 && flush_status == 0 && discard_status == 0 &&
                past == bh::blkif::kRspError && after == bh::blkif::kRspOkay && c.written > 0;
    if (!pass) return 1;
    report_ready();
    if (role == kRoleService)
        for (;;) wait_event();  // a service keeps its disk: the supervisor judges it running
    return 0;
}
