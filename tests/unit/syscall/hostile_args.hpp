// Argument generation for the randomized conformance test: call numbers and arguments mixed
// the way a fuzzer would — mostly plausible, often hostile — from a seeded generator.
#pragma once

#include <stdint.h>

#include <iterator>
#include <random>
#include <vector>

#include "gnttab_helpers.hpp"

namespace bhtest {

constexpr vaddr_t kPrivateVa = 0x33000000;  // the victim's private pages
constexpr vaddr_t kRwVa = kScratch;             // attacker: writable scratch
constexpr vaddr_t kRoVa = kScratch + 0x10000;   // attacker: read-only scratch
constexpr vaddr_t kTabVa = kScratch + 0x20000;  // attacker: its grant table

// Arguments the way a fuzzer would mix them: mostly plausible, often hostile.
class Chooser {
public:
    Chooser(uint64_t seed, const std::vector<uint64_t>& calls, std::vector<uint64_t> domids)
        : rng_(seed), calls_(calls), domids_(std::move(domids)) {}

    uint64_t call_number() {
        if (pick(8) == 0) return pick(2) ? pick(100) : any64();
        return calls_[pick(calls_.size())];
    }

    uint64_t arg() {
        switch (pick(10)) {
        case 0: return pick(10);                        // small numbers, widths, flags
        case 1: return pick(16);                        // slots likely in use
        case 2: return pick(72);                        // any slot, some past the end
        case 3: return pointer();
        case 4: return pointer();
        case 5: return domids_[pick(domids_.size())];
        case 6: return pick(4100);                      // ports, refs, handles, quotas
        case 7: return (uint64_t{1} << 32) + pick(16);  // one past a 32-bit argument
        case 8: return ~uint64_t{0} - pick(8);
        default: return any64();
        }
    }

    uint64_t pointer() {
        static const vaddr_t bases[] = {kRwVa, kRoVa, kTabVa, BH_USER_SHARED_INFO,
                                        kPrivateVa /* victim's, unmapped here */, kGrantVa,
                                        kMapVa, kUnmapped, 0x401000, BH_USER_STACK_TOP - 4096,
                                        kKernelPtr, 0xffffffff80000000ull, kNonCanonical,
                                        kHighNonCanonical, kUserTop - 8, 0};
        vaddr_t base = bases[pick(std::size(bases))];
        switch (pick(4)) {
        case 0: return base;
        case 1: return base + pick(4096);
        case 2: return base + bh::kPageSize - pick(64);  // runs into the next page
        default: return base + pick(64) * bh::kPageSize;
        }
    }

    // Arguments shaped for `nr` (the right kinds of slot, aligned addresses, small flags), so
    // that calls get past decoding and do real work some of the time.
    void plausible(uint64_t nr, uint64_t (&a)[6], bh_domid_t victim) {
        const uint64_t slot = pick(16), page = pointer() & ~uint64_t{0xfff};
        switch (nr) {
        case BH_CALL_CONSOLE_WRITE: a[0] = pointer(); a[1] = pick(300); break;
        case BH_CALL_SET_TIMER: a[0] = pick(3) ? pick(1000) : 100000 + pick(3); break;
        case BH_CALL_CAP_COPY:
        case BH_CALL_CAP_MINT:
        case BH_CALL_CAP_MOVE: a[0] = slot; a[1] = pick(20); a[2] = pick(32); a[3] = pick(3); break;
        case BH_CALL_CAP_DELETE:
        case BH_CALL_CAP_REVOKE:
        case BH_CALL_CAP_INFO:
        case BH_CALL_EVTCHN_SEND:
        case BH_CALL_EVTCHN_CLOSE:
        case BH_CALL_EVTCHN_UNMASK:
        case BH_CALL_EVTCHN_STATUS:
        case BH_CALL_FRAME_ALLOC: a[0] = pick(20); break;
        case BH_CALL_FRAME_MAP: a[0] = slot; a[1] = page; a[2] = pick(3); break;
        case BH_CALL_FRAME_UNMAP: a[0] = page; break;
        case BH_CALL_EVTCHN_ALLOC_UNBOUND: a[0] = pick(20); a[1] = pick(2) ? victim : pick(4); break;
        case BH_CALL_EVTCHN_BIND_INTERDOMAIN: a[0] = pick(20); a[1] = victim; a[2] = pick(8); break;
        case BH_CALL_EVTCHN_BIND_VIRQ: a[0] = pick(20); a[1] = pick(26); break;
        case BH_CALL_EVTCHN_BIND_IRQ: a[0] = pick(2) ? 12 : slot; a[1] = pick(20); break;
        case BH_CALL_GNTTAB_SETUP: a[0] = BH_SLOT_GNTTAB; a[1] = page; a[2] = 1 + pick(3); break;
        case BH_CALL_GNTTAB_MAP:
            a[0] = BH_SLOT_GNTTAB; a[1] = victim; a[2] = pick(4); a[3] = page; a[4] = pick(3);
            break;
        case BH_CALL_GNTTAB_UNMAP: a[0] = BH_SLOT_GNTTAB; a[1] = pick(4); break;
        case BH_CALL_GNTTAB_COPY: a[0] = BH_SLOT_GNTTAB; a[1] = kRwVa; a[2] = 1 + pick(17); break;
        case BH_CALL_DOMAIN_INFO: a[0] = pick(2) ? 10 : 0; a[1] = pointer(); break;
        case BH_CALL_IO_OUT:
        case BH_CALL_IO_IN:  // the region's edges, and ports whose end wraps past 2^64
            a[0] = 11;
            a[1] = pick(4) ? 0x6f + pick(4) : ~uint64_t{0} - pick(4);
            a[2] = uint64_t{1} << pick(3);
            break;
        case BH_CALL_IRQ_ACK: a[0] = 12; break;
        default: a[0] = slot; a[1] = pick(4); a[2] = page; a[3] = pick(20); break;
        }
    }

    uint64_t pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
    uint64_t any64() { return rng_(); }

private:
    std::mt19937_64 rng_;
    const std::vector<uint64_t>& calls_;
    std::vector<uint64_t> domids_;
};

// Plausible grant-copy segments in the attacker's scratch page, so GNTTAB_COPY gets past
// decoding into per-segment work.
inline void seed_copy_ops(Domain& x, Domain& victim, Chooser& ch) {
    bh_grant_copy ops[16];
    for (auto& op : ops) {
        op = {};
        bool src_gref = ch.pick(2);
        op.flags = static_cast<uint16_t>((src_gref ? BH_GNTCOPY_SOURCE_GREF : BH_GNTCOPY_DEST_GREF) |
                                         (ch.pick(8) == 0 ? ch.pick(8) : 0));
        bh_grant_copy_ptr gref{ch.pick(4), victim.id, static_cast<uint16_t>(ch.pick(64)), 0};
        bh_grant_copy_ptr local{ch.pick(2) ? kRwVa + 0x1000 * ch.pick(2) : ch.pointer(), x.id,
                                static_cast<uint16_t>(ch.pick(64)), 0};
        op.source = src_gref ? gref : local;
        op.dest = src_gref ? local : gref;
        op.len = static_cast<uint16_t>(ch.pick(5000));
    }
    (void)x.as.copy_out(kRwVa, ops, sizeof ops);  // the attacker may have unmapped it: fine
}

}  // namespace bhtest
