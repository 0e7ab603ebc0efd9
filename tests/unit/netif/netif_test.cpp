// libs/netif against libxen-dev's xen/io/netif.h: entries, flags, statuses, ring sizes.
#include <cstddef>

#include <catch2/catch.hpp>

extern "C" {
#include <xen/io/netif.h>
}

#include "bh/netif/protocol.hpp"

using namespace bh::netif;

TEST_CASE("Netif.LayoutMatchesXen") {
    CHECK(sizeof(TxRequest) == sizeof(netif_tx_request_t));
    CHECK(offsetof(TxRequest, gref) == offsetof(netif_tx_request_t, gref));
    CHECK(offsetof(TxRequest, offset) == offsetof(netif_tx_request_t, offset));
    CHECK(offsetof(TxRequest, flags) == offsetof(netif_tx_request_t, flags));
    CHECK(offsetof(TxRequest, id) == offsetof(netif_tx_request_t, id));
    CHECK(offsetof(TxRequest, size) == offsetof(netif_tx_request_t, size));
    CHECK(sizeof(TxResponse) == sizeof(netif_tx_response_t));
    CHECK(offsetof(TxResponse, status) == offsetof(netif_tx_response_t, status));
    CHECK(sizeof(RxRequest) == sizeof(netif_rx_request_t));
    CHECK(offsetof(RxRequest, id) == offsetof(netif_rx_request_t, id));
    CHECK(offsetof(RxRequest, gref) == offsetof(netif_rx_request_t, gref));
    CHECK(sizeof(RxResponse) == sizeof(netif_rx_response_t));
    CHECK(offsetof(RxResponse, offset) == offsetof(netif_rx_response_t, offset));
    CHECK(offsetof(RxResponse, flags) == offsetof(netif_rx_response_t, flags));
    CHECK(offsetof(RxResponse, status) == offsetof(netif_rx_response_t, status));
    CHECK(sizeof(ExtraInfo) == sizeof(struct netif_extra_info));
    CHECK(offsetof(ExtraInfo, u) == offsetof(struct netif_extra_info, u));
    CHECK(TxRing::kSize == __CONST_RING_SIZE(netif_tx, 4096));
    CHECK(RxRing::kSize == __CONST_RING_SIZE(netif_rx, 4096));
    CHECK(TxRing::kSize == 256);
}

TEST_CASE("Netif.FlagsAndStatusesMatchXen") {
    const unsigned ours[] = {kTxCsumBlank, kTxDataValidated, kTxMoreData, kTxExtraInfo, kRxDataValidated,
                             kRxCsumBlank, kRxMoreData, kRxExtraInfo, kRxGsoPrefix, kExtraGso,
                             kExtraMcastAdd, kExtraMcastDel, kExtraHash, kExtraFlagMore, kSlotsMin, kMaxTxSize};
    const unsigned xen[] = {NETTXF_csum_blank, NETTXF_data_validated, NETTXF_more_data, NETTXF_extra_info,
                            NETRXF_data_validated, NETRXF_csum_blank, NETRXF_more_data, NETRXF_extra_info,
                            NETRXF_gso_prefix, XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
                            XEN_NETIF_EXTRA_TYPE_MCAST_DEL, XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_FLAG_MORE,
                            XEN_NETIF_NR_SLOTS_MIN, XEN_NETIF_MAX_TX_SIZE};
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; ++i) {
        INFO("constant " << i);
        CHECK(ours[i] == xen[i]);
    }
    CHECK(kRspDropped == NETIF_RSP_DROPPED);
    CHECK(kRspError == NETIF_RSP_ERROR);
    CHECK(kRspOkay == NETIF_RSP_OKAY);
    CHECK(kRspNull == NETIF_RSP_NULL);
}
