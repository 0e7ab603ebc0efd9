// The memory of a virtio 1.x split virtqueue (virtio spec 1.1 §2.6), byte for byte: a
// descriptor table, the available ring the driver writes and the used ring the device writes.
#pragma once

// PROTOCOL (both sides; DriverQueue and DeviceQueue are the two views)
//
// Memory, for a queue of `size` entries (a power of two, 1..32768), little-endian:
//   descriptor table  16-byte aligned, size * {u64 addr, u32 len, u16 flags, u16 next}
//   available ring    2-byte aligned,  u16 flags, u16 idx, u16 ring[size], u16 used_event
//   used ring         4-byte aligned,  u16 flags, u16 idx, {u32 id, u32 len}[size], u16 avail_event
// The driver owns the table and the available ring, the device the used ring; each side's
// fields are written by that side only.
//
// A request is a chain of descriptors linked by `next` while flags has NEXT; device-readable
// buffers come first, then device-writable ones (flags WRITE). The driver puts the chain's head
// into avail.ring[avail.idx % size], then publishes avail.idx + 1 (free-running u16) with release
// order. The device takes heads from last_avail to avail.idx, and for each completed chain writes
// {head, bytes written} into used.ring[used.idx % size] and publishes used.idx + 1.
//
// Notifications (VIRTIO_F_EVENT_IDX): each side writes, in the other's ring, the index after
// which it wants to be told: avail_event (device: "kick me when avail.idx passes this") and
// used_event (driver: "interrupt me when used.idx passes this"). A producer that moved its
// index from old to new notifies iff (u16)(new - event - 1) < (u16)(new - old) — Linux's
// vring_need_event, Xen's ring.h test with event + 1. Without EVENT_IDX, the flags
// NO_NOTIFY / NO_INTERRUPT carry a plain on/off wish. Before sleeping, a consumer re-arms its
// event index, does a full fence, and looks at the producer's index again: the same no-lost-wake-up
// argument as libs/ring (shared_ring.hpp), which the spin model there checks.
//
// What the peer can corrupt: everything in the shared memory. So indexes claiming more entries
// than the queue holds are errors, heads and next links are bounds-checked, chains longer than
// the queue (loops) are errors, descriptors are copied out before use, and the driver trusts a
// used element only if its id is the head of a chain it has in flight and its length fits the
// chain's device-writable bytes. Errors latch.

#include <stddef.h>
#include <stdint.h>

namespace bh::virtio {

inline constexpr uint16_t kDescNext = 1;
inline constexpr uint16_t kDescWrite = 2;
inline constexpr uint16_t kDescIndirect = 4;
inline constexpr uint16_t kUsedNoNotify = 1;
inline constexpr uint16_t kAvailNoInterrupt = 1;
inline constexpr uint32_t kFeatureIndirectDesc = 28;
inline constexpr uint32_t kFeatureEventIdx = 29;
inline constexpr uint32_t kFeatureVersion1 = 32;
// The device's DMA goes through the platform's IOMMU (virtio 1.1 §6: VIRTIO_F_ACCESS_PLATFORM).
inline constexpr uint32_t kFeatureAccessPlatform = 33;
inline constexpr uint32_t kMaxQueueSize = 32768;

struct VirtqDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(VirtqDesc) == 16);

struct VirtqUsedElem {
    uint32_t id;
    uint32_t len;
};
static_assert(sizeof(VirtqUsedElem) == 8);

// Offsets of the three parts when laid out back to back from one base, as the legacy layout
// and most drivers do (the modern transport takes three separate addresses; any placement
// that meets the alignments works).
struct SplitLayout {
    uint32_t size;
    constexpr size_t desc_off() const { return 0; }
    constexpr size_t avail_off() const { return size_t{16} * size; }
    constexpr size_t avail_bytes() const { return 6 + size_t{2} * size; }
    constexpr size_t used_off() const { return (avail_off() + avail_bytes() + 3) & ~size_t{3}; }
    constexpr size_t used_bytes() const { return 6 + size_t{8} * size; }
    constexpr size_t total() const { return used_off() + used_bytes(); }
    static constexpr bool valid_size(uint32_t n) {
        return n != 0 && n <= kMaxQueueSize && (n & (n - 1)) == 0;
    }
};

// Views of the two rings' fixed fields and arrays, over raw shared memory.
struct AvailRing {
    uint16_t* base;
    uint32_t size;
    uint16_t& flags() const { return base[0]; }
    uint16_t& idx() const { return base[1]; }
    uint16_t& ring(uint32_t i) const { return base[2 + i]; }
    uint16_t& used_event() const { return base[2 + size]; }
};

struct UsedRing {
    uint16_t* base;
    uint32_t size;
    uint16_t& flags() const { return base[0]; }
    uint16_t& idx() const { return base[1]; }
    VirtqUsedElem& ring(uint32_t i) const { return reinterpret_cast<VirtqUsedElem*>(base + 2)[i]; }
    uint16_t& avail_event() const { return *reinterpret_cast<uint16_t*>(&ring(size)); }
};

// vring_need_event: true iff moving the index from old to new passed `event`.
inline bool need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx) {
    return static_cast<uint16_t>(new_idx - event - 1) < static_cast<uint16_t>(new_idx - old_idx);
}

}  // namespace bh::virtio
