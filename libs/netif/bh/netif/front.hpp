// NetFront: Bulkhead's own netif frontend, for native client domains (Linux guests bring their
// own xen-netfront). It follows Linux's xen-netfront through the handshake: on the backend's
// InitWait it sets up each queue (a tx and an rx ring, each one granted page, and one event
// channel or, with feature-split-event-channels, one per ring), writes the keys
// (multi-queue-num-queues and queue-N/ when there is more than one queue), request-rx-copy,
// feature-sg, feature-rx-notify, and goes Connected.
//
// Transmit: a frame is copied into one of the queue's pages (granted read-only) and posted,
// in one slot or split over two (NETTXF_more_data), optionally with its checksum left blank
// (NETTXF_csum_blank) for the backend to fill. Receive: every posted rx request is a whole
// page granted writable, into which the backend copies one frame (rx-copy). A restarted
// backend takes the rings back where they were: nothing here has to notice.
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

#include <bh/ring/front_ring.hpp>
#include <bh/xenbus/xs_client.hpp>

#include "bh/netif/frame.hpp"
#include "bh/netif/protocol.hpp"

namespace bh::netif {

struct NetFrontLayout {
    uint64_t va;               // kQueueSpan bytes per queue, page-aligned
    bh_slot_t mem_slot;        // one frame capability per queue: mem_slot + q
    bh_slot_t port_slot;       // queue q: port_slot + 2q (tx, or both), + 2q + 1 (rx when split)
    bh_grant_ref_t first_ref;  // kRefsPerQueue per queue
    uint32_t queues = 1;       // asked for; the backend's multi-queue-max-queues caps it
    bool split_events = false; // asked for; used if the backend offers it
    bool csum_offload = true;  // accept frames whose checksum the sender left blank
};

struct RxFrame {
    uint32_t len = 0;
    bool csum_blank = false;      // NETRXF_csum_blank: trust it, nobody computed it
    bool data_validated = false;  // NETRXF_data_validated
    uint32_t queue = 0;
};

class NetFront {
public:
    static constexpr uint32_t kMaxQueues = 4, kTxBufs = 32, kRxBufs = 64;
    static constexpr uint32_t kPagesPerQueue = 2 + kTxBufs + kRxBufs;
    static constexpr uint64_t kQueueSpan = uint64_t{kPagesPerQueue} * 4096;
    static constexpr uint32_t kRefsPerQueue = kPagesPerQueue;

    // devid: the vif's handle (vif/0 = 0). False (logged) on any failure.
    bool connect(bh::xenbus::XsClient& xs, uint32_t devid, const NetFrontLayout& at);
    const Mac& mac() const { return mac_; }
    bh_domid_t backend() const { return backend_; }
    const char* backend_path() const { return backend_path_; }
    uint32_t queues() const { return nq_; }
    bool split_events() const { return split_; }
    bool owns_port(bh_port_t p) const;
    bool broken() const;

    // Queues a frame on `queue` (split_at > 0: the first split_at bytes in one slot, the rest
    // in a second). False when the queue has no free buffer (reap and retry) or on bad input.
    bool send(const uint8_t* f, uint32_t len, uint32_t queue = 0, bool csum_blank = false, uint32_t split_at = 0);
    // The next received frame on any queue, copied into out (cap >= kMaxFrame); false if none.
    bool receive(uint8_t* out, uint32_t cap, RxFrame& info);
    // Collects transmit responses; returns how many frames completed since the last call.
    uint32_t reap();
    uint64_t tx_errors() const { return tx_errors_; }
    uint64_t tx_done() const { return tx_done_; }
    uint32_t tx_free(uint32_t queue) const { return queue < nq_ ? q_[queue].ntx_free : 0; }
    // Blocks until a frame has arrived (0) or another port fires (returned to the caller);
    // transmit answers are reaped on the way.
    bh_port_t wait();
    // Blocks until `queue` has a free transmit buffer (0), or another port fires (returned).
    bh_port_t wait_tx(uint32_t queue);

private:
    struct Queue {
        bh::ring::FrontRing<TxRing>* tx = nullptr;
        bh::ring::FrontRing<RxRing>* rx = nullptr;
        alignas(8) uint8_t tx_space[sizeof(bh::ring::FrontRing<TxRing>)];
        alignas(8) uint8_t rx_space[sizeof(bh::ring::FrontRing<RxRing>)];
        bh_port_t tx_port = 0, rx_port = 0;
        uint16_t tx_free[kTxBufs];
        uint32_t ntx_free = 0;
        bool tx_first[kTxBufs];  // the buffer holds a frame's first slot: its response counts the frame
        bool rx_posted[kRxBufs];
        bool broken = false;
    };
    uint64_t page(uint32_t q, uint32_t i) const { return at_.va + q * kQueueSpan + uint64_t{i} * 4096; }
    bh_grant_ref_t ref(uint32_t q, uint32_t i) const { return at_.first_ref + q * kRefsPerQueue + i; }
    bool setup_queue(uint32_t q);
    bool publish(bh::xenbus::XsClient& xs, const char* dir);
    bool wait_backend(bh::xenbus::XsClient& xs, uint64_t at_least);
    void post_rx(uint32_t q);
    void notify(uint32_t q, bool rx);

    NetFrontLayout at_{};
    Mac mac_{};
    char backend_path_[96] = {};
    bh_domid_t backend_ = 0;
    uint32_t nq_ = 0;
    bool split_ = false;
    Queue q_[kMaxQueues];
    uint32_t rx_next_q_ = 0;
    uint64_t tx_errors_ = 0, tx_done_ = 0;
};

}  // namespace bh::netif
