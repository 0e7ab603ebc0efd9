// Maptrack: the handles of the foreign grant mappings one domain holds.
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

#include "lib/result.hpp"
#include "mem/phys.hpp"
#include "mem/quota.hpp"

namespace bh {

class GrantTable;

// One mapping of another domain's grant. `granter` points at the granter's table rather than
// naming its domid, because a dead granter's table outlives the domain (and its id may be
// reused) until this mapping goes.
struct MapEntry {
    GrantTable* granter;  // nullptr: slot free
    vaddr_t va;           // where the mapper sees the frame
    paddr_t pa;           // machine frame, referenced via GnttabHost::get_granted_frame
    bh_grant_ref_t ref;
    bh_domid_t granter_id;
    uint16_t writable;
};
static_assert(sizeof(MapEntry) == 32);

// A handle is bucket * kPerBucket + slot. Buckets are allocated on demand, charged to the
// mapper's quota, and freed as soon as they empty, so an idle domain holds none.
// Invariants: used_[b] == number of slots of bucket b with granter != nullptr;
// buckets_[b] == nullptr implies used_[b] == 0; count_ == sum of used_.
// Not thread-safe: the caller serialises all calls on one domain's grant table.
class Maptrack {
public:
    static constexpr uint32_t kPerBucket = 64;
    static constexpr uint32_t kMaxBuckets = 128;
    static constexpr uint32_t kMaxHandles = kPerBucket * kMaxBuckets;
    static constexpr uint32_t kBucketBytes = kPerBucket * sizeof(MapEntry);
    static constexpr uint32_t kNone = UINT32_MAX;
    static_assert(kBucketBytes <= 2048, "a bucket must fit one kalloc");

    explicit Maptrack(Quota& quota) : quota_(quota) {}
    ~Maptrack();  // frees the buckets; their entries must already be released
    Maptrack(const Maptrack&) = delete;
    Maptrack& operator=(const Maptrack&) = delete;

    // A free handle, allocating (and charging) a bucket if every existing one is full.
    // The slot stays free until commit(); follow with commit() or cancel() before the next
    // reserve(). Quota when the quota or the fixed kMaxHandles limit is reached; NoMemory.
    Result<uint32_t> reserve();
    void commit(uint32_t handle, const MapEntry& entry);
    // Gives back a reserved, uncommitted handle (frees its bucket if that left it empty).
    void cancel(uint32_t handle);

    // The live entry behind `handle`, or nullptr if unknown or free.
    MapEntry* lookup(uint32_t handle);
    // Frees a committed handle.
    void remove(uint32_t handle);
    // The first live handle >= from, or kNone.
    uint32_t next_used(uint32_t from) const;

    uint32_t count() const { return count_; }
    uint32_t buckets() const;

private:
    void drop_if_empty(uint32_t bucket);

    Quota& quota_;
    MapEntry* buckets_[kMaxBuckets] = {};
    uint8_t used_[kMaxBuckets] = {};
    uint32_t count_ = 0;
};

}  // namespace bh
