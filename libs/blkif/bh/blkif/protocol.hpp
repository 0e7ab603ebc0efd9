// Xen's block interface, blkif (xen/include/public/io/blkif.h), byte for byte: the ring entries
// of both x86 ABIs a frontend may name in its `protocol` node, the operations and statuses,
// and the xenbus states of the handshake. Host tests compare every layout with libxen-dev's.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bh/ring/shared_ring.hpp"

namespace bh::blkif {

inline constexpr uint8_t kOpRead = 0, kOpWrite = 1, kOpWriteBarrier = 2, kOpFlush = 3;
inline constexpr uint8_t kOpDiscard = 5, kOpIndirect = 6;
inline constexpr int16_t kRspOkay = 0, kRspError = -1, kRspNotSupported = -2;
inline constexpr uint32_t kMaxSegments = 11;
// Indirect requests (feature-max-indirect-segments): the segments sit in granted pages of their
// own, 512 to a page, at most 8 pages. We offer 32 segments: what Linux's blkfront asks for by
// default (xen_blkif_max_segments), and two virtio requests at most.
inline constexpr uint32_t kMaxIndirectPages = 8, kSegmentsPerIndirectPage = 512;
inline constexpr uint32_t kMaxIndirectSegments = 32;
inline constexpr uint32_t kSectorSize = 512;              // sector numbers count 512 bytes
inline constexpr uint32_t kSectorsPerPage = 4096 / kSectorSize;
// The `info` node's bits (VDISK_*).
inline constexpr uint32_t kInfoCdrom = 1, kInfoRemovable = 2, kInfoReadOnly = 4;

// xenbus states (xen/include/public/io/xenbus.h).
enum class XenbusState : uint8_t {
    Unknown = 0, Initialising = 1, InitWait = 2, Initialised = 3, Connected = 4, Closing = 5,
    Closed = 6, Reconfiguring = 7, Reconfigured = 8,
};

struct Segment {
    uint32_t gref;
    uint8_t first_sect, last_sect;  // sectors of the granted page: first..last, inclusive, < 8
    uint16_t pad;
};
static_assert(sizeof(Segment) == 8);

// The x86_64 ABI (also the native one of every 64-bit frontend): natural alignment.
struct Request64 {
    uint8_t operation;
    uint8_t nr_segments;
    uint16_t handle;
    uint32_t pad;
    uint64_t id;
    uint64_t sector_number;
    Segment seg[kMaxSegments];
};
struct Response64 {
    uint64_t id;
    uint8_t operation;
    uint8_t pad;
    int16_t status;
    uint32_t pad2;
};
static_assert(sizeof(Request64) == 112 && offsetof(Request64, id) == 8 && offsetof(Request64, seg) == 24);
static_assert(sizeof(Response64) == 16 && offsetof(Response64, status) == 10);

// The x86_32 ABI (a 686-pae frontend): uint64_t aligned to 4, so no padding before id.
struct __attribute__((packed, aligned(4))) Request32 {
    uint8_t operation;
    uint8_t nr_segments;
    uint16_t handle;
    uint64_t id;
    uint64_t sector_number;
    Segment seg[kMaxSegments];
};
struct __attribute__((packed, aligned(4))) Response32 {
    uint64_t id;
    uint8_t operation;
    uint8_t pad;
    int16_t status;
};
static_assert(sizeof(Request32) == 108 && offsetof(Request32, id) == 4 && offsetof(Request32, seg) == 20);
static_assert(sizeof(Response32) == 12 && offsetof(Response32, status) == 10);

// BLKIF_OP_INDIRECT's slot, in each ABI (blkif_request_indirect; Linux's x86_32 variant).
struct Indirect64 {
    uint8_t operation;
    uint8_t indirect_op;  // kOpRead or kOpWrite
    uint16_t nr_segments;
    uint32_t pad;
    uint64_t id;
    uint64_t sector_number;
    uint16_t handle;
    uint16_t pad2;
    uint32_t indirect_grefs[kMaxIndirectPages];
    uint32_t pad3;
};
struct __attribute__((packed, aligned(4))) Indirect32 {
    uint8_t operation;
    uint8_t indirect_op;
    uint16_t nr_segments;
    uint64_t id;
    uint64_t sector_number;
    uint16_t handle;
    uint16_t pad;
    uint32_t indirect_grefs[kMaxIndirectPages];
    uint64_t pad2;
};
static_assert(sizeof(Indirect64) == 64 && offsetof(Indirect64, id) == 8 && offsetof(Indirect64, indirect_grefs) == 28);
static_assert(sizeof(Indirect32) == 64 && offsetof(Indirect32, id) == 4 && offsetof(Indirect32, indirect_grefs) == 24);
static_assert(sizeof(Indirect64) <= sizeof(Request64) && sizeof(Indirect32) <= sizeof(Request32));

// Discard shares the request's slot: its sector count sits where the segments begin.
struct DiscardTail {
    uint64_t nr_sectors;
};

using Ring64 = bh::ring::SharedRing<Request64, Response64, 1>;
using Ring32 = bh::ring::SharedRing<Request32, Response32, 1>;

// A request of either ABI, copied out of the ring (the backend works on this copy only). An
// indirect one arrives as kOpIndirect with its grefs; once the backend has copied its segments
// in, it becomes indirect_op with `indirect` set and up to kMaxIndirectSegments segments.
struct Request {
    uint8_t operation;
    uint16_t nr_segments;
    uint16_t handle;
    uint64_t id;
    uint64_t sector_number;
    uint64_t discard_sectors;  // kOpDiscard only
    uint8_t indirect_op;       // kOpIndirect only
    bool indirect;             // the segments came from indirect pages
    uint32_t indirect_grefs[kMaxIndirectPages];
    Segment seg[kMaxIndirectSegments];
};

// Field by field between request layouts (the ABIs differ only in alignment); a discard's
// sector count travels in the segments' bytes.
template <class To, class From>
To convert_request(const From& r) {
    To q{};
    q.operation = r.operation;
    q.nr_segments = r.nr_segments;
    q.handle = r.handle;
    q.id = r.id;
    q.sector_number = r.sector_number;
    for (uint32_t i = 0; i < kMaxSegments; ++i) q.seg[i] = r.seg[i];
    return q;
}

template <class Raw>
struct IndirectOf;
template <>
struct IndirectOf<Request64> {
    using Type = Indirect64;
};
template <>
struct IndirectOf<Request32> {
    using Type = Indirect32;
};

// Copies a raw slot into `q` (the caller's: it is large). Indirect slots are read in their own
// layout, chosen by the raw request's ABI.
template <class Raw>
void decode(const Raw& r, Request& q) {
    q.operation = r.operation;
    q.nr_segments = r.nr_segments;
    q.handle = r.handle;
    q.id = r.id;
    q.sector_number = r.sector_number;
    q.indirect = false;
    for (uint32_t i = 0; i < kMaxSegments; ++i) q.seg[i] = r.seg[i];
    __builtin_memcpy(&q.discard_sectors, &r.seg[0], sizeof q.discard_sectors);
    if (r.operation != kOpIndirect) return;
    typename IndirectOf<Raw>::Type ind;
    __builtin_memcpy(&ind, &r, sizeof ind);
    q.indirect_op = ind.indirect_op;
    q.nr_segments = ind.nr_segments;
    q.id = ind.id;
    q.sector_number = ind.sector_number;
    q.handle = ind.handle;
    for (uint32_t i = 0; i < kMaxIndirectPages; ++i) q.indirect_grefs[i] = ind.indirect_grefs[i];
}

template <class Raw>
Raw encode_response(uint64_t id, uint8_t operation, int16_t status) {
    Raw r{};
    r.id = id;
    r.operation = operation;
    r.status = status;
    return r;
}

}  // namespace bh::blkif
