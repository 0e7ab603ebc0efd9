// One virtual interface: the backend half of a Xen vif (xen-netback's xenbus.c and netback.c,
// for Bulkhead) and its port on the switch. The xenbus handshake in our backend directory; per
// queue a transmit and a receive ring and one or two event channels (split); frames the
// frontend sends are copied out of its grants (grant copy) and handed to the switch, frames
// for it wait in a small backlog until it posts receive buffers, and are copied into them.
//
// Every slot of a transmit ring is answered in order, a frame's slots together, and every
// receive response is written as its request is used: a restarted backend re-attaches both
// rings at their rsp_prod and takes the unanswered requests again (reference §6.6).
#pragma once

#include <stdint.h>

#include <bh/netif/filter.hpp>
#include <bh/netif/l2switch.hpp>
#include <bh/netif/protocol.hpp>
#include <bh/ring/back_ring.hpp>
#include <bh/xenbus/xs_client.hpp>

namespace netback {

inline constexpr uint32_t kMaxVifs = 8, kMaxQueues = 2;

// A frame as it crosses the switch: where it came from and what its checksum state is.
struct Frame {
    const uint8_t* data;
    uint32_t len;
    bool csum_blank;      // the sender left the transport checksum for someone to fill
    bool data_validated;  // the sender vouches for the data
};

// Hands a frame a vif received from its frontend to the switch (main.cpp). False: its one
// destination has no room yet; the vif holds the frame (and stops taking from that ring) until
// it is offered again, so a fast sender is slowed down rather than dropped.
using DeliverFn = bool (*)(uint32_t port, const Frame& f);

struct VifCounters {
    uint64_t tx_frames = 0, tx_errors = 0, tx_dropped = 0, rx_frames = 0, rx_dropped = 0;
};

class Vif {
public:
    static constexpr uint32_t kBacklog = 32;  // frames per queue waiting for receive buffers

    // The vif at backend/vif/<fe>/<devid>: reads the toolstack's nodes (mac, ip, filter/N),
    // publishes our features and goes InitWait, or re-attaches if a previous instance of us had
    // it Connected. False (logged) if the nodes are wrong.
    bool init(uint32_t index, bh_domid_t fe, uint32_t devid, bh::xenbus::XsClient& xs);
    bh_domid_t frontend() const { return fe_; }
    uint32_t devid() const { return devid_; }
    uint32_t switch_port() const { return index_ + 1; }  // port 0 is the uplink
    const bh::netif::PortConfig& port_config() const { return config_; }
    bool watches(const char* path) const;
    bool owns_port(bh_port_t p) const;
    bool connected() const { return connected_; }
    void on_store(bh::xenbus::XsClient& xs);
    // Takes what the frontend sent (to `deliver`), and fills its receive buffers from the
    // backlog. True if it stopped with frames still on a transmit ring (its budget spent, so one
    // busy frontend cannot starve the rest): serve it again before blocking.
    bool serve(DeliverFn deliver);
    // A frame is held for want of room at its destination: serve again when room is made.
    bool holding() const;
    // Is there room for a frame in the backlog the flow of `f` goes to? Also true when that
    // backlog has been full for long (the frontend takes nothing): frames for it are dropped
    // then, rather than held, so its senders' other traffic goes on.
    bool has_room(const Frame& f);
    // A frame for this vif's domain: into a queue's backlog (false, dropped, when it is full).
    bool enqueue(const Frame& f);
    // Copies backlogged frames into posted receive buffers; answers and notifies.
    void flush_rx();
    bool broken_by_frontend() const { return broken_ && !connected_; }
    void close(bh::xenbus::XsClient& xs);
    const VifCounters& counters() const { return counters_; }

private:
    // Slots one frame may take: netif's minimum a backend must accept, plus extra-info slots.
    static constexpr uint32_t kMaxSlots = bh::netif::kSlotsMin + 4;
    struct Queue {
        bh::ring::BackRing<bh::netif::TxRing>* tx = nullptr;
        bh::ring::BackRing<bh::netif::RxRing>* rx = nullptr;
        alignas(8) uint8_t tx_space[sizeof(bh::ring::BackRing<bh::netif::TxRing>)];
        alignas(8) uint8_t rx_space[sizeof(bh::ring::BackRing<bh::netif::RxRing>)];
        uint64_t tx_handle = 0, rx_handle = 0;
        bh_port_t tx_port = 0, rx_port = 0;  // ours (rx_port == tx_port unless split)
        bool split = false;
        // A frame whose slots are not all on the ring yet.
        uint32_t slots = 0, want = 0, got = 0;
        bool more = false, extra = false, bad = false, blank = false, validated = false;
        bool held = false;       // a whole frame sits in scratch, waiting for room
        int16_t status = 0;      // what its slots will be answered with
        uint32_t held_len = 0;
        uint64_t held_since = 0;  // kernel ticks
        bh::netif::TxRequest reqs[kMaxSlots];
        bool null_rsp[kMaxSlots];  // an extra-info slot: answered RSP_NULL
        // Backlog: a ring of frames, each in its own half page.
        uint32_t head = 0, tail = 0;
        uint64_t full_since = 0;  // kernel ticks; 0: not full
        uint16_t len[kBacklog];
        uint8_t flags[kBacklog];
    };
    static constexpr uint32_t kRingPages = 2 * kMaxQueues;

    bool connect(bh::xenbus::XsClient& xs);
    bool connect_queue(bh::xenbus::XsClient& xs, uint32_t q, const char* dir);
    void disconnect();
    bool take_tx(uint32_t q, DeliverFn deliver);
    void finish_frame(uint32_t q, DeliverFn deliver, int16_t status);
    bool offer(uint32_t q, DeliverFn deliver);  // the held frame: delivered and answered, or still held
    uint32_t queue_of(const Frame& f) const;
    void fail(uint32_t q, const char* why);
    uint8_t* backlog(uint32_t q, uint32_t slot) const;
    uint8_t* scratch(uint32_t q) const;
    bh_slot_t port_slot(uint32_t q, bool rx) const;
    bool set_state(bh::xenbus::XsClient& xs, uint64_t s);
    void notify(uint32_t q, bool rx);

    uint32_t index_ = 0, devid_ = 0, nq_ = 0;
    bh_domid_t fe_ = 0;
    char dir_[96] = {}, fe_dir_[96] = {}, fe_state_[112] = {};
    bh::netif::PortConfig config_{};
    bool connected_ = false, reattach_ = false, broken_ = false, csum_ok_ = true, stalled_ = false;
    uint64_t state_ = 1;
    Queue q_[kMaxQueues];
    VifCounters counters_;
};

}  // namespace netback
