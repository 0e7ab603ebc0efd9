// PortStore: bucketed port records charged to the owning domain's quota.
#include "evtchn/port_store.hpp"

#include <new>

#include "mem/kheap.hpp"

namespace bh {

static_assert(PortStore::kBucketBytes <= 2048, "a bucket must fit one kalloc size class");

PortStore::~PortStore() {
    for (uint32_t i = 0; i < nr_buckets_; ++i) {
        kfree(buckets_[i], kBucketBytes);
        quota_.release(kBucketBytes);
    }
}

PortRecord* PortStore::get(bh_port_t port) {
    if (port == 0 || port >= capacity()) return nullptr;
    return &buckets_[port / kPortsPerBucket][port % kPortsPerBucket];
}

const PortRecord* PortStore::get(bh_port_t port) const {
    if (port == 0 || port >= capacity()) return nullptr;
    return &buckets_[port / kPortsPerBucket][port % kPortsPerBucket];
}

Result<void> PortStore::grow() {
    if (nr_buckets_ == kMaxBuckets) return Error::NoPorts;
    TRYV(quota_.charge(kBucketBytes));
    void* mem = kalloc(kBucketBytes);
    if (!mem) {
        quota_.release(kBucketBytes);
        return Error::NoMemory;
    }
    auto* records = static_cast<PortRecord*>(mem);
    for (uint32_t i = 0; i < kPortsPerBucket; ++i) new (&records[i]) PortRecord{};
    buckets_[nr_buckets_++] = records;
    return success();
}

}  // namespace bh
