// Maptrack: bucketed handle table of a domain's foreign grant mappings.
#include "gnttab/maptrack.hpp"

#include "mem/kheap.hpp"

namespace bh {

Maptrack::~Maptrack() {
    for (uint32_t b = 0; b < kMaxBuckets; ++b) {
        if (!buckets_[b]) continue;
        kfree(buckets_[b], kBucketBytes);
        quota_.release(kBucketBytes);
    }
}

Result<uint32_t> Maptrack::reserve() {
    // Fill existing buckets before charging for a new one.
    for (uint32_t b = 0; b < kMaxBuckets; ++b) {
        if (!buckets_[b] || used_[b] == kPerBucket) continue;
        for (uint32_t s = 0; s < kPerBucket; ++s)
            if (!buckets_[b][s].granter) return b * kPerBucket + s;
    }
    for (uint32_t b = 0; b < kMaxBuckets; ++b) {
        if (buckets_[b]) continue;
        TRYV(quota_.charge(kBucketBytes));
        void* mem = kalloc(kBucketBytes);  // zeroed: every slot starts free
        if (!mem) {
            quota_.release(kBucketBytes);
            return Error::NoMemory;
        }
        buckets_[b] = static_cast<MapEntry*>(mem);
        return b * kPerBucket;
    }
    // The fixed per-domain handle limit is reported as the domain's quota being exhausted.
    return Error::Quota;
}

void Maptrack::commit(uint32_t handle, const MapEntry& entry) {
    const uint32_t b = handle / kPerBucket;
    buckets_[b][handle % kPerBucket] = entry;
    ++used_[b];
    ++count_;
}

void Maptrack::cancel(uint32_t handle) { drop_if_empty(handle / kPerBucket); }

MapEntry* Maptrack::lookup(uint32_t handle) {
    if (handle >= kMaxHandles) return nullptr;
    MapEntry* bucket = buckets_[handle / kPerBucket];
    if (!bucket) return nullptr;
    MapEntry* e = &bucket[handle % kPerBucket];
    return e->granter ? e : nullptr;
}

void Maptrack::remove(uint32_t handle) {
    const uint32_t b = handle / kPerBucket;
    buckets_[b][handle % kPerBucket] = MapEntry{};
    --used_[b];
    --count_;
    drop_if_empty(b);
}

uint32_t Maptrack::next_used(uint32_t from) const {
    for (uint32_t h = from; h < kMaxHandles; ++h) {
        const MapEntry* bucket = buckets_[h / kPerBucket];
        if (!bucket) {
            h = (h / kPerBucket + 1) * kPerBucket - 1;  // skip the rest of an absent bucket
            continue;
        }
        if (bucket[h % kPerBucket].granter) return h;
    }
    return kNone;
}

uint32_t Maptrack::buckets() const {
    uint32_t n = 0;
    for (uint32_t b = 0; b < kMaxBuckets; ++b) n += buckets_[b] ? 1 : 0;
    return n;
}

void Maptrack::drop_if_empty(uint32_t bucket) {
    if (!buckets_[bucket] || used_[bucket] != 0) return;
    kfree(buckets_[bucket], kBucketBytes);
    buckets_[bucket] = nullptr;
    quota_.release(kBucketBytes);
}

}  // namespace bh
