// virtio-blk (virtio 1.1 §5.2): the request layout, request types, feature bits and the
// device configuration offsets. A request is one chain: a 16-byte header the device reads,
// data buffers (read by the device for OUT, written for IN), and one status byte it writes.
#pragma once

#include <stdint.h>

#include "bh/virtio/driver_queue.hpp"

namespace bh::virtio::blk {

inline constexpr uint32_t kSectorSize = 512;  // sector numbers count 512 bytes whatever blk_size says

// Feature bits.
inline constexpr uint32_t kFeatureSizeMax = 1, kFeatureSegMax = 2, kFeatureGeometry = 4;
inline constexpr uint32_t kFeatureRo = 5, kFeatureBlkSize = 6, kFeatureFlush = 9;
inline constexpr uint32_t kFeatureTopology = 10, kFeatureConfigWce = 11, kFeatureMq = 12;
inline constexpr uint32_t kFeatureDiscard = 13, kFeatureWriteZeroes = 14;

// Request types.
inline constexpr uint32_t kIn = 0, kOut = 1, kFlush = 4, kGetId = 8, kDiscard = 11, kWriteZeroes = 13;
// Status values.
inline constexpr uint8_t kOk = 0, kIoErr = 1, kUnsupported = 2;

// Offsets in the device configuration structure (Linux: struct virtio_blk_config).
namespace config {
inline constexpr uint16_t kCapacity = 0, kSizeMax = 8, kSegMax = 12, kBlkSize = 20;
inline constexpr uint16_t kNumQueues = 34, kMaxDiscardSectors = 36, kMaxDiscardSeg = 40;
inline constexpr uint16_t kDiscardSectorAlignment = 44;
}  // namespace config

// Linux: struct virtio_blk_outhdr.
struct RequestHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
static_assert(sizeof(RequestHeader) == 16);

// The chain for one request: header, data, status. `hdr` and `status` are device addresses of
// the driver's header and status byte; data segments come from the caller (at most max_data).
struct Chain {
    static constexpr uint32_t kMaxData = 16;
    Segment segs[kMaxData + 2];
    uint32_t n = 0;

    Chain(uint64_t hdr, bool device_writes_data, const Segment* data, uint32_t ndata, uint64_t status) {
        segs[n++] = Segment{hdr, sizeof(RequestHeader), false};
        for (uint32_t i = 0; i < ndata && i < kMaxData; ++i)
            segs[n++] = Segment{data[i].addr, data[i].len, device_writes_data};
        segs[n++] = Segment{status, 1, true};
    }
};

}  // namespace bh::virtio::blk
