// Layout of Bulkhead's rings against libxen-dev's io/ring.h, blkif, netif, console and xs_wire.
#include <stdlib.h>

#include <catch2/catch.hpp>

#include "bh/ring/back_ring.hpp"
#include "bh/ring/console_ring_page.hpp"
#include "bh/ring/front_ring.hpp"
#include "bh/ring/xs_ring_page.hpp"
#include "xen_headers.hpp"

using namespace bh::ring;

namespace {

template <class Ours, class Xen>
void check_header_layout() {
    CHECK(offsetof(Ours, req_prod) == offsetof(Xen, req_prod));
    CHECK(offsetof(Ours, req_event) == offsetof(Xen, req_event));
    CHECK(offsetof(Ours, rsp_prod) == offsetof(Xen, rsp_prod));
    CHECK(offsetof(Ours, rsp_event) == offsetof(Xen, rsp_event));
    CHECK(offsetof(Ours, pvt) == offsetof(Xen, pvt));
    CHECK(offsetof(Ours, pad) == offsetof(Xen, __pad));
    CHECK(offsetof(Ours, ring) == offsetof(Xen, ring));
    CHECK(sizeof(typename Ours::Entry) == sizeof(Xen::ring[0]));
    CHECK(alignof(typename Ours::Entry) == alignof(decltype(Xen::ring[0])));
}

template <size_t Pages>
void check_sizes() {
    using Blk = SharedRing<blkif_request_t, blkif_response_t, Pages>;
    using Tx = SharedRing<netif_tx_request_t, netif_tx_response_t, Pages>;
    using Rx = SharedRing<netif_rx_request_t, netif_rx_response_t, Pages>;
    INFO("pages " << Pages);
    CHECK(Blk::kSize == __CONST_RING_SIZE(blkif, Pages * 4096));
    CHECK(Tx::kSize == __CONST_RING_SIZE(netif_tx, Pages * 4096));
    CHECK(Rx::kSize == __CONST_RING_SIZE(netif_rx, Pages * 4096));
    CHECK(sizeof(Blk) <= Pages * 4096);
    CHECK(sizeof(Tx) <= Pages * 4096);
    CHECK(sizeof(Rx) <= Pages * 4096);
}

}  // namespace

TEST_CASE("Layout.SharedRingHeaderMatchesXenForBlkifAndNetif") {
    check_header_layout<SharedRing<blkif_request_t, blkif_response_t>, blkif_sring>();
    check_header_layout<SharedRing<netif_tx_request_t, netif_tx_response_t>, netif_tx_sring>();
    check_header_layout<SharedRing<netif_rx_request_t, netif_rx_response_t>, netif_rx_sring>();
    CHECK(sizeof(SharedRing<blkif_request_t, blkif_response_t>::Entry) == 112);
    CHECK(sizeof(SharedRing<netif_tx_request_t, netif_tx_response_t>::Entry) == 12);
    CHECK(sizeof(SharedRing<netif_rx_request_t, netif_rx_response_t>::Entry) == 8);
}

TEST_CASE("Layout.RingSizeMatchesXenFor1248Pages") {
    check_sizes<1>();
    check_sizes<2>();
    check_sizes<4>();
    check_sizes<8>();
    CHECK(SharedRing<blkif_request_t, blkif_response_t, 1>::kSize == 32);
    CHECK(SharedRing<netif_tx_request_t, netif_tx_response_t, 1>::kSize == 256);
    CHECK(SharedRing<netif_rx_request_t, netif_rx_response_t, 1>::kSize == 256);
}

TEST_CASE("Layout.InitMatchesSharedRingInit") {
    alignas(4096) static unsigned char ours[4096], xen[4096];
    memset(ours, 0xa5, sizeof ours);
    memset(xen, 0xa5, sizeof xen);
    reinterpret_cast<SharedRing<blkif_request_t, blkif_response_t>*>(ours)->init();
    SHARED_RING_INIT(reinterpret_cast<blkif_sring*>(xen));
    CHECK(memcmp(ours, xen, 64) == 0);
}

TEST_CASE("Layout.ConsolePageMatchesXenconsInterface") {
    CHECK(offsetof(ConsoleRingPage, in) == offsetof(xencons_interface, in));
    CHECK(offsetof(ConsoleRingPage, out) == offsetof(xencons_interface, out));
    CHECK(offsetof(ConsoleRingPage, in_cons) == offsetof(xencons_interface, in_cons));
    CHECK(offsetof(ConsoleRingPage, in_prod) == offsetof(xencons_interface, in_prod));
    CHECK(offsetof(ConsoleRingPage, out_cons) == offsetof(xencons_interface, out_cons));
    CHECK(offsetof(ConsoleRingPage, out_prod) == offsetof(xencons_interface, out_prod));
    // Debian 12's header predates `connection`; ours adds it right after the indexes.
    CHECK(offsetof(ConsoleRingPage, connection) == sizeof(xencons_interface));
}

TEST_CASE("Layout.XenstorePageMatchesXenstoreDomainInterface") {
    using X = xenstore_domain_interface;
    CHECK(offsetof(XsRingPage, req) == offsetof(X, req));
    CHECK(offsetof(XsRingPage, rsp) == offsetof(X, rsp));
    CHECK(offsetof(XsRingPage, req_cons) == offsetof(X, req_cons));
    CHECK(offsetof(XsRingPage, req_prod) == offsetof(X, req_prod));
    CHECK(offsetof(XsRingPage, rsp_cons) == offsetof(X, rsp_cons));
    CHECK(offsetof(XsRingPage, rsp_prod) == offsetof(X, rsp_prod));
    CHECK(offsetof(XsRingPage, server_features) == offsetof(X, server_features));
    CHECK(offsetof(XsRingPage, connection) == offsetof(X, connection));
    CHECK(offsetof(XsRingPage, error) == offsetof(X, error));
    CHECK(offsetof(XsRingPage, evtchn_port) == sizeof(X));  // newer field, after `error`
    CHECK(kXsRingSize == XENSTORE_RING_SIZE);
    CHECK(kXsPayloadMax == XENSTORE_PAYLOAD_MAX);
}

// Byte-level interoperability: our front against Xen's own back-end macros on the same page.
TEST_CASE("Interop.FrontRingTalksToXenBackMacros") {
    using Ring = SharedRing<blkif_request_t, blkif_response_t>;
    alignas(4096) static unsigned char page[4096];
    auto& s = *reinterpret_cast<Ring*>(page);
    auto front = FrontRing<Ring>::init(s);
    blkif_back_ring_t back;
    BACK_RING_INIT(&back, reinterpret_cast<blkif_sring*>(page), 4096);

    uint64_t next_id = 0, answered = 0;
    for (int round = 0; round < 10; ++round) {  // 10 * 20 requests: the indexes wrap the ring
        for (int i = 0; i < 20; ++i) {
            blkif_request_t* r = front.next_request();
            REQUIRE(r != nullptr);
            memset(r, 0, sizeof *r);
            r->operation = BLKIF_OP_READ;
            r->id = next_id++;
        }
        (void)front.push_requests();
        int more;
        RING_FINAL_CHECK_FOR_REQUESTS(&back, more);
        REQUIRE(more);
        while (RING_HAS_UNCONSUMED_REQUESTS(&back)) {
            blkif_request_t req;
            RING_COPY_REQUEST(&back, back.req_cons, &req);
            ++back.req_cons;
            blkif_response_t* rsp = RING_GET_RESPONSE(&back, back.rsp_prod_pvt++);
            rsp->id = req.id;
            rsp->operation = req.operation;
            rsp->status = BLKIF_RSP_OKAY;
        }
        int notify;
        RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&back, notify);
        (void)notify;
        blkif_response_t rsp;
        while (front.consume_response(rsp) == RingError::None) CHECK(rsp.id == answered++);
        CHECK(front.error() == RingError::None);
    }
    CHECK(answered == 200);
}
