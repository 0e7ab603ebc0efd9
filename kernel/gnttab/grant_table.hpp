// GrantTable: one domain's grant entries (as granter) and its maptrack (as mapper).
#pragma once

#include <stdint.h>

#include <span>

#include <bulkhead/abi.h>

#include "gnttab/gnttab_host.hpp"
#include "gnttab/grant_entry.hpp"
#include "gnttab/maptrack.hpp"
#include "lib/result.hpp"
#include "mem/phys.hpp"
#include "mem/quota.hpp"

namespace bh {

// Kernel-side use counts of one entry (Xen's "active entry"): how many mappings and in-flight
// copies of the grant exist, read-only ones and writable ones apart.
struct GrantPins {
    uint16_t readers;
    uint16_t writers;
};

// One per domain. Two roles:
//  - Granter: nr_frames() kernel-allocated frames of GrantEntryV1 that the domain maps and
//    writes, plus a pin count per entry. Invariants: for every entry,
//    readers + writers > 0  <=>  the kernel set GTF_reading, and writers > 0 <=> GTF_writing
//    (the kernel sets and clears those bits only together with the pins);
//    active_maps() == the number of maptrack entries, in any table, pointing here.
//  - Mapper: a Maptrack of the mappings this domain holds of other domains' grants; each holds
//    one pin on the granter's entry and one frame reference (GnttabHost::get_granted_frame).
// Every operation validates its arguments before any side effect and, when a later step fails
// for lack of resources, undoes the earlier ones in reverse order: a failed call changes nothing.
// Concurrency: the caller serialises calls on all grant tables (the kernel lock); only the
// entries' flags race with guests, and only they are touched atomically.
// Lifetime: retire() when the owner dies; delete the table when retire() returns true or when
// GnttabHost::table_idle() reports it, never while active_maps() != 0. The owner's Quota must
// outlive the table.
class GrantTable {
public:
    static constexpr uint32_t kMaxFrames = 32;
    static constexpr uint32_t kMaxCopyOps = 64;
    static constexpr uint32_t kPinsBytes = kGrantEntriesPerFrame * sizeof(GrantPins);
    static_assert(kPinsBytes <= 2048, "one frame's pins must fit one kalloc");

    GrantTable(bh_domid_t owner, GnttabHost& host, Quota& quota);
    ~GrantTable();  // releases this domain's own mappings, frees frames, releases quota
    GrantTable(const GrantTable&) = delete;
    GrantTable& operator=(const GrantTable&) = delete;

    // ---- Granter side ----
    // Grows the table to `nr_frames` frames (never shrinks: a smaller number is a no-op).
    // Each frame charges a page plus its pins to the quota. BadArg beyond kMaxFrames;
    // Quota / NoMemory leave the size unchanged; Dead once retired.
    Result<void> grow(uint32_t nr_frames);
    uint32_t nr_frames() const { return nr_frames_; }
    uint32_t nr_entries() const { return nr_frames_ * kGrantEntriesPerFrame; }
    // Machine address of frame i (for mapping it into the owner), 0 if i >= nr_frames().
    paddr_t frame_paddr(uint32_t i) const { return i < nr_frames_ ? frames_[i] : 0; }
    // The 512 entries of frame i, viewed through the direct map; empty if i >= nr_frames().
    std::span<GrantEntryV1> entries(uint32_t frame);
    GrantPins pins(bh_grant_ref_t ref) const;
    // Mappings held (by any domain, this one included) of this table's grants.
    uint32_t active_maps() const { return active_maps_; }

    // The owner died: drops the mappings it holds (release_all), then refuses new maps and
    // copies of its grants while existing mappings stay valid. Returns true if none remain
    // (the caller deletes the table now); otherwise GnttabHost::table_idle is called exactly
    // once, at the last unmap. Call once.
    bool retire();
    bool retired() const { return retired_; }
    bh_domid_t owner() const { return owner_; }

    // ---- Mapper side (this table belongs to the mapper) ----
    // Maps grant `ref` of domain `granter` at `va` -> handle. Errors: Dead (this owner retired),
    // BadAddress (va not page-aligned, or refused by the host), BadDomain (granter unknown or
    // dead), BadGrant (ref out of range, entry not a plain permit_access, sub_page, transitive,
    // or granted to another domain, or the granter changed it under us), GrantDenied (writable
    // map of a read-only grant), Busy (pin count saturated, or the entry kept changing),
    // Quota / NoMemory (maptrack bucket), or the host's error for the frame or the mapping.
    Result<uint32_t> map(bh_domid_t granter, bh_grant_ref_t ref, vaddr_t va, bool readonly);
    // BadHandle for an unknown or already unmapped handle.
    Result<void> unmap(uint32_t handle);
    // Unmaps handles[0..n) in three steps — every mapping, one device-cache flush, then every
    // grant release — so no granter gets a page back that a device could still reach. status[i]
    // gets each one's result (BadHandle for an unknown or repeated handle). n <= kMaxBatch.
    static constexpr uint32_t kMaxBatch = 16;
    void unmap_many(const uint32_t* handles, uint32_t n, Error* status);
    // Grant copy. `ops` is kernel memory (the syscall layer copies it in and out). BadArg if
    // count > kMaxCopyOps or ops is null with count > 0; Dead if retired; otherwise success,
    // and each op's status holds BH_OK or its bh_error. Per-op errors: BadArg (unknown flags,
    // offset + len > 4096), BadDomain (unknown granter, or a local side naming another domain),
    // BadAddress (local page unaligned or unusable), BadGrant / GrantDenied / Busy as for map.
    Result<void> copy(bh_grant_copy* ops, uint32_t count);
    // The owner died (or is restarting): unmaps every mapping it holds, clearing GTF_reading /
    // GTF_writing in the granters' entries so they can revoke.
    void release_all();
    uint32_t maptrack_count() const { return maptrack_.count(); }
    uint32_t maptrack_buckets() const { return maptrack_.buckets(); }

private:
    struct CopySide;

    // Granter-side primitives, called on the granter's table by the mapper's.
    GrantEntryV1& entry(bh_grant_ref_t ref) const;
    GrantPins& pin(bh_grant_ref_t ref) const;
    // Validates a use by `user` from a plain read of the entry, without side effects.
    Result<void> check(bh_domid_t user, bh_grant_ref_t ref, bool writable) const;
    // Re-validates atomically, sets GTF_reading (and GTF_writing), pins -> the frame field.
    Result<uint32_t> acquire(bh_domid_t user, bh_grant_ref_t ref, bool writable);
    // Unpins; clears GTF_writing with the last writer and GTF_reading with the last user.
    void release(bh_grant_ref_t ref, bool writable);
    // One mapping of this table's grants went away; may report the table idle (then `this`
    // may be deleted before the call returns: touch nothing after).
    void mapping_gone();

    Result<GrantTable*> live_table(bh_domid_t domid) const;
    Result<void> add_frame();
    void drop_last_frame();

    Error copy_one(const bh_grant_copy& op);
    Result<void> decode_side(const bh_grant_copy_ptr& p, bool gref, bool write) const;
    Result<CopySide> open_side(const bh_grant_copy_ptr& p, bool gref, bool write);
    void close_side(const CopySide& side);

    bh_domid_t owner_;
    bool retired_ = false;
    GnttabHost& host_;
    Quota& quota_;
    uint32_t nr_frames_ = 0;
    uint32_t active_maps_ = 0;
    paddr_t frames_[kMaxFrames] = {};
    GrantPins* pins_[kMaxFrames] = {};
    Maptrack maptrack_;
};

}  // namespace bh
