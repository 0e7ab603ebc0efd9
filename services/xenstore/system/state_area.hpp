// StateArea: where the store keeps its state so that a restarted instance gets it back — frame
// runs the supervisor owns and hands to every instance. It is a journal: two regions, each a
// full state record followed by deltas (core/state_format.hpp), one batch per serving round. A
// round costs what changed in it, not the size of the store; when a region's log grows long or
// full, the whole state is written to the other region, which then takes over (compaction).
//
// Each batch is checksummed and carries its region's epoch and a sequence number, and the ring
// indexes of every link; a store killed mid-write loses only the batch being written, whose
// ring indexes were not yet published (main.cpp), so ring and state always agree on restart.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <span>

#include "client_link.hpp"
#include "core/journal_marks.hpp"

namespace xsd {

inline constexpr uint32_t kMaxLinks = 32;

class StateArea {
public:
    // Maps `caps` frame-run caps of `pages_per_cap` pages each from slot `first_slot` on, one
    // after another, at a fixed address; false if any failed or the area is too small.
    bool map(bh_slot_t first_slot, uint32_t caps, uint32_t pages_per_cap);
    // Uses `bytes` of memory at `mem` as the area (map() does this; host tests use a buffer).
    bool attach(uint8_t* mem, size_t bytes);
    // Saves what changed since the last save, or the whole state when there is no valid region
    // to add to or the log is due for compaction. False if even the whole state did not fit:
    // then nothing valid is left (a restart starts empty rather than from an old state).
    bool save(bh::xs::Store& s, std::span<const LinkRecord> links);
    // Rebuilds s (not init()ed) from the newest valid region and gives its links (at most
    // kMaxLinks). The next save() writes the whole state afresh.
    bool load(bh::xs::Store& s, LinkRecord* links, uint32_t* nlinks);
    size_t region_bytes() const { return region_; }

private:
    struct Batch;

    uint8_t* region(unsigned r) const { return base_ + r * region_; }
    const Batch* batch_at(unsigned r, size_t off, uint64_t epoch, uint64_t seq) const;
    bool write_batch(bh::xs::Store& s, std::span<const LinkRecord> links, bool full);

    uint8_t* base_ = nullptr;
    size_t region_ = 0;
    // The region being added to: its epoch, the next batch's offset and sequence number, and
    // the size of the full record it starts with. valid_ false: the next save is a full one.
    bool valid_ = false;
    unsigned active_ = 0;
    uint64_t epoch_ = 0, seq_ = 0;
    size_t tail_ = 0, base_len_ = 0;
    bh::xs::JournalMarks marks_;  // what the last save covered
};

}  // namespace xsd
