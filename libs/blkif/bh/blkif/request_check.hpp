// What a backend accepts from a frontend, decided before anything is mapped or sent to the
// disk (the checks Linux's xen-blkback makes in dispatch_rw_block_io and xen_vbd_translate).
#pragma once

#include <stdint.h>

#include "bh/blkif/protocol.hpp"

namespace bh::blkif {

struct DiskLimits {
    uint64_t sectors;   // the virtual disk's length in 512-byte sectors
    bool read_only;
    bool flush;         // feature-flush-cache advertised
    bool discard;       // feature-discard advertised
    uint32_t max_indirect = 0;  // feature-max-indirect-segments advertised (0: none)
};

struct Checked {
    int16_t status;     // kRspOkay: go ahead; otherwise answer with it
    uint64_t sectors;   // sectors the request moves (read/write) or discards
};

// An indirect request before its segments are fetched: is it one we can serve, and how many
// indirect pages does it name? (Linux's blkback: read or write only, 1..max segments.)
inline Checked check_indirect(const Request& r, const DiskLimits& d) {
    if (!d.max_indirect) return Checked{kRspNotSupported, 0};
    if ((r.indirect_op != kOpRead && r.indirect_op != kOpWrite) || r.nr_segments == 0 || r.nr_segments > d.max_indirect)
        return Checked{kRspError, 0};
    return Checked{kRspOkay, (r.nr_segments + kSegmentsPerIndirectPage - 1u) / kSegmentsPerIndirectPage};
}

inline Checked check_request(const Request& r, const DiskLimits& d) {
    auto fail = [](int16_t s) { return Checked{s, 0}; };
    switch (r.operation) {
    case kOpRead:
    case kOpWrite: {
        if (r.operation == kOpWrite && d.read_only) return fail(kRspError);
        uint32_t max = r.indirect ? d.max_indirect : kMaxSegments;
        if (r.nr_segments == 0 || r.nr_segments > max || max > kMaxIndirectSegments) return fail(kRspError);
        uint64_t n = 0;
        for (uint32_t i = 0; i < r.nr_segments; ++i) {
            const Segment& s = r.seg[i];
            if (s.last_sect >= kSectorsPerPage || s.last_sect < s.first_sect) return fail(kRspError);
            n += s.last_sect - s.first_sect + 1u;
        }
        if (r.sector_number > d.sectors || n > d.sectors - r.sector_number) return fail(kRspError);
        return Checked{kRspOkay, n};
    }
    case kOpFlush:
    case kOpWriteBarrier:
        // Both ask that what was written is durable first; a barrier also orders, which a
        // backend that answers in order and flushes gives it.
        if (!d.flush) return fail(kRspNotSupported);
        return Checked{kRspOkay, 0};
    case kOpDiscard:
        if (!d.discard) return fail(kRspNotSupported);
        if (d.read_only || r.discard_sectors == 0 || r.sector_number > d.sectors ||
            r.discard_sectors > d.sectors - r.sector_number)
            return fail(kRspError);
        return Checked{kRspOkay, r.discard_sectors};
    case kOpIndirect:
        // Its segments must be fetched first (check_indirect), then it is checked as a read
        // or a write.
        return fail(d.max_indirect ? kRspError : kRspNotSupported);
    default:
        return fail(kRspNotSupported);
    }
}

}  // namespace bh::blkif
