// Xen's network interface, netif (xen/include/public/io/netif.h), byte for byte: the transmit
// and receive ring entries (the same in both x86 ABIs: no 64-bit fields), their flags and
// statuses, and the extra-info slots. The ground netback and netfront will stand on; host tests
// compare every layout with libxen-dev's.
#pragma once

#include <stdint.h>

#include "bh/ring/shared_ring.hpp"

namespace bh::netif {

// netif_tx_request.flags
inline constexpr uint16_t kTxCsumBlank = 1u << 0, kTxDataValidated = 1u << 1;
inline constexpr uint16_t kTxMoreData = 1u << 2, kTxExtraInfo = 1u << 3;
// netif_rx_response.flags
inline constexpr uint16_t kRxDataValidated = 1u << 0, kRxCsumBlank = 1u << 1, kRxMoreData = 1u << 2;
inline constexpr uint16_t kRxExtraInfo = 1u << 3, kRxGsoPrefix = 1u << 4;
// statuses
inline constexpr int16_t kRspDropped = -2, kRspError = -1, kRspOkay = 0, kRspNull = 1;
// netif_extra_info.type and .flags
inline constexpr uint8_t kExtraNone = 0, kExtraGso = 1, kExtraMcastAdd = 2, kExtraMcastDel = 3, kExtraHash = 4;
inline constexpr uint8_t kExtraFlagMore = 1u << 0;
// A frame may span at most this many transmit slots before a backend may call it malicious.
inline constexpr uint32_t kSlotsMin = 18;
inline constexpr uint32_t kMaxTxSize = 0xffff;

struct TxRequest {
    uint32_t gref;
    uint16_t offset;
    uint16_t flags;
    uint16_t id;
    uint16_t size;  // the first slot: the whole frame's size; the others: this slot's
};
static_assert(sizeof(TxRequest) == 12);

struct TxResponse {
    uint16_t id;
    int16_t status;
};
static_assert(sizeof(TxResponse) == 4);

struct RxRequest {
    uint16_t id;
    uint16_t pad;
    uint32_t gref;
};
static_assert(sizeof(RxRequest) == 8);

struct RxResponse {
    uint16_t id;
    uint16_t offset;
    uint16_t flags;
    int16_t status;  // > 0: bytes received; <= 0: a status
};
static_assert(sizeof(RxResponse) == 8);

// An extra-info slot (GSO, multicast, hash), 8 bytes, following a request flagged for it.
struct ExtraInfo {
    uint8_t type;
    uint8_t flags;
    uint8_t u[6];  // gso: size (u16), type (u8), pad, features (u16); mcast: the address
};
static_assert(sizeof(ExtraInfo) == 8);

using TxRing = bh::ring::SharedRing<TxRequest, TxResponse, 1>;
using RxRing = bh::ring::SharedRing<RxRequest, RxResponse, 1>;

}  // namespace bh::netif
