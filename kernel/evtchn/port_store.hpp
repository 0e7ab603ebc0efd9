// PortStore: a domain's port records, grown 64 ports at a time in quota-charged buckets.
#pragma once

#include <stdint.h>

#include "evtchn/port.hpp"
#include "evtchn/shared_info.hpp"
#include "lib/result.hpp"
#include "mem/quota.hpp"

namespace bh {

// Invariant: buckets_[0, nr_buckets_) are allocated and each is charged kBucketBytes to quota_;
// the rest are null. Ports [0, capacity()) have records; port 0's record is never used.
// Buckets are only freed by the destructor, so a PortRecord* stays valid for the store's life.
class PortStore {
public:
    static constexpr uint32_t kPortsPerBucket = 64;
    static constexpr uint32_t kMaxBuckets = kMaxPorts64 / kPortsPerBucket;
    static constexpr uint64_t kBucketBytes = kPortsPerBucket * sizeof(PortRecord);

    explicit PortStore(Quota& quota) : quota_(quota) {}
    ~PortStore();
    PortStore(const PortStore&) = delete;
    PortStore& operator=(const PortStore&) = delete;

    // Ports that have a record.
    uint32_t capacity() const { return nr_buckets_ * kPortsPerBucket; }
    // The record of `port`, or nullptr for port 0 and ports beyond capacity().
    PortRecord* get(bh_port_t port);
    const PortRecord* get(bh_port_t port) const;

    // Adds one bucket. Error::Quota (charge refused) or NoMemory (kalloc failed) leave the store
    // unchanged; NoPorts when all kMaxBuckets exist.
    Result<void> grow();

private:
    Quota& quota_;
    uint32_t nr_buckets_ = 0;
    PortRecord* buckets_[kMaxBuckets] = {};
};

}  // namespace bh
