// virtio-net (virtio 1.1 §5.1): feature bits, the device configuration, and the header every
// frame carries (with VERSION_1 always 12 bytes: num_buffers is there even without
// VIRTIO_NET_F_MRG_RXBUF).
#pragma once

#include <stdint.h>

namespace bh::virtio::net {

inline constexpr uint32_t kFeatureCsum = 0, kFeatureGuestCsum = 1, kFeatureMac = 5;
inline constexpr uint32_t kFeatureMrgRxbuf = 15, kFeatureStatus = 16, kFeatureCtrlVq = 17, kFeatureMq = 22;
inline constexpr uint16_t kQueueRx = 0, kQueueTx = 1;

namespace config {
inline constexpr uint16_t kMac = 0, kStatus = 6, kMaxQueuePairs = 8, kMtu = 10;
}

// Linux: struct virtio_net_hdr_v1.
struct Header {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;
};
static_assert(sizeof(Header) == 12);

inline constexpr uint32_t kMaxFrame = 1514;  // Ethernet without FCS, no VLAN tag, MTU 1500

}  // namespace bh::virtio::net
