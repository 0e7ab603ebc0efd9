// The block benchmark's workload, one definition for both sides of the comparison: the driver
// domain on its virtio disk directly, and a client through blkfront/blkback. Same sectors, same
// order (a fixed seed), same bytes in flight; each side uses its own largest request (virtio:
// 16 pages in one descriptor, blkif: 11 segments).
//
// Dev: bool submit(bool write, uint64_t sector, uint64_t va, uint32_t pages, uint64_t cookie);
//      void kick();  bool wait_take(uint64_t& cookie, bool& ok)  (blocks for one completion).
#pragma once

#include <stdint.h>

namespace bh::blkif::workload {

inline constexpr uint64_t kSeqBytes = 16ull << 20;   // per direction, in 1 MiB units
inline constexpr uint32_t kSeqInFlightPages = 256;   // 1 MiB outstanding
inline constexpr uint32_t kRandOps = 2000;           // 4 KiB, half writes
inline constexpr uint32_t kRandDepth = 16;
inline constexpr uint64_t kSpanSectors = 65536;      // the first 32 MiB of the disk
inline constexpr uint32_t kBufferPages = kSeqInFlightPages;

struct Result {
    uint64_t seq_cycles;   // the sequential write then read of kSeqBytes
    uint64_t rand_cycles;  // kRandOps random 4 KiB requests
    uint64_t errors;
};

// Sequential: requests of up to max_pages, kSeqInFlightPages pages outstanding, buffer pages
// reused round-robin (the data is not checked: the correctness tests do that).
template <class Dev>
uint64_t sequential(Dev& d, bool write, uint32_t max_pages, uint64_t buf_va, uint64_t (*now)(), uint64_t& errors) {
    uint64_t t0 = now();
    uint64_t total_pages = kSeqBytes / 4096, issued = 0, done = 0, in_flight = 0;
    uint64_t page_of[kSeqInFlightPages];  // cookie -> pages it carries
    uint32_t next_buf = 0;
    while (done < total_pages) {
        while (issued < total_pages && in_flight + max_pages <= kSeqInFlightPages) {
            uint32_t n = static_cast<uint32_t>(total_pages - issued < max_pages ? total_pages - issued : max_pages);
            if (next_buf + n > kSeqInFlightPages) next_buf = 0;
            uint64_t cookie = issued % kSeqInFlightPages;
            if (!d.submit(write, issued * 8, buf_va + uint64_t{next_buf} * 4096, n, cookie)) break;
            page_of[cookie] = n;
            issued += n, in_flight += n, next_buf += n;
        }
        d.kick();
        uint64_t cookie = 0;
        bool ok = false;
        if (!d.wait_take(cookie, ok)) return 0;
        errors += !ok;
        uint64_t n = page_of[cookie % kSeqInFlightPages];
        done += n, in_flight -= n;
    }
    return now() - t0;
}

// Random: kRandOps 4 KiB requests at xorshift-chosen 4 KiB-aligned places in the span, alternate
// writes and reads, kRandDepth outstanding, each in its own buffer page.
template <class Dev>
uint64_t random4k(Dev& d, uint64_t buf_va, uint64_t (*now)(), uint64_t& errors) {
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    uint64_t t0 = now();
    uint32_t issued = 0, done = 0, in_flight = 0;
    bool busy[kRandDepth] = {};
    while (done < kRandOps) {
        for (uint32_t s = 0; s < kRandDepth && issued < kRandOps; ++s) {
            if (busy[s]) continue;
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            uint64_t sector = (rng % (kSpanSectors / 8)) * 8;
            if (!d.submit(issued % 2 == 0, sector, buf_va + uint64_t{s} * 4096, 1, s)) break;
            busy[s] = true, ++issued, ++in_flight;
        }
        d.kick();
        uint64_t cookie = 0;
        bool ok = false;
        if (!d.wait_take(cookie, ok) || cookie >= kRandDepth) return 0;
        errors += !ok;
        busy[cookie] = false, ++done, --in_flight;
    }
    return now() - t0;
}

template <class Dev>
Result run(Dev& d, uint32_t max_pages, uint64_t buf_va, uint64_t (*now)()) {
    Result r{0, 0, 0};
    r.seq_cycles = sequential(d, true, max_pages, buf_va, now, r.errors);
    r.seq_cycles += sequential(d, false, max_pages, buf_va, now, r.errors);
    r.rand_cycles = random4k(d, buf_va, now, r.errors);
    return r;
}

}  // namespace bh::blkif::workload
