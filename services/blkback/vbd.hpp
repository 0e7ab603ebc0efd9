// One exported virtual disk: the backend half of a Xen vbd (xen-blkback's xenbus.c and
// blkback.c, for Bulkhead): the xenbus handshake in our backend directory, the frontend's ring
// and event channel, and its requests turned into virtio-blk requests on our disk slice.
//
// Requests are answered in the order they were taken from the ring, whatever order the disk
// finishes them in: a restarted backend then re-attaches at the ring's rsp_prod and takes the
// unanswered ones again (reference §6.6).
#pragma once

#include <stdint.h>

#include <bh/blkif/protocol.hpp>
#include <bh/blkif/request_check.hpp>
#include <bh/ring/back_ring.hpp>
#include <bh/xenbus/xs_client.hpp>
#include <virtio_disk.hpp>

namespace blkback {

inline constexpr uint32_t kMaxVbds = 6;
// Rings per vbd (multi-queue-max-queues): Linux's blkfront asks for one per vCPU, at most 4.
inline constexpr uint32_t kMaxQueues = 4;

class Vbd {
public:
    // The vbd at /local/domain/<self>/backend/vbd/<fe>/<devid>: reads the toolstack's nodes,
    // publishes the disk and goes InitWait. False (logged) if the nodes are wrong.
    bool init(uint32_t index, bh_domid_t fe, uint32_t devid, bh::xenbus::XsClient& xs,
              bh::virtio::VirtioDisk& disk);
    bh_domid_t frontend() const { return fe_; }
    uint32_t devid() const { return devid_; }
    bool watches(const char* path) const;
    bool owns_port(bh_port_t p) const;
    // The frontend's state changed (or may have): step the handshake.
    void on_store(bh::xenbus::XsClient& xs);
    // Takes requests from the ring while the disk has room; answers what is done, in order.
    void serve(bh::virtio::VirtioDisk& disk);
    // The disk finished the request with this tag (its queue << 8 | its FIFO slot).
    void complete(uint32_t tag, uint8_t virtio_status);
    // The frontend broke the ring protocol: we dropped its ring; the caller closes the vbd.
    bool broken_by_frontend() const { return broken_ && !connected_; }
    void close(bh::xenbus::XsClient& xs);

private:
    struct InFlight {
        uint64_t id;
        uint8_t op, nseg;
        bool done;
        int16_t status;
        uint8_t parts;  // virtio requests still at the disk (an indirect request may need two)
        uint64_t handles[bh::blkif::kMaxIndirectSegments];
    };
    static constexpr uint32_t kFifo = 32;  // a one-page ring never has more unanswered

    // Persistent grants (feature-persistent): a frontend page stays mapped from its first use
    // to the disconnect, so requests cost no map, unmap or IOMMU flush. Open addressing on gref.
    static constexpr uint32_t kPersistent = 512;
    uint64_t persistent_va(uint32_t gref);  // 0 if it cannot be mapped (or the table is full)
    void drop_persistent();

    // One ring (one queue) of the vbd, with the requests taken from it, answered in order.
    struct Queue {
        bh::ring::BackRing<bh::blkif::Ring64>* ring64 = nullptr;
        bh::ring::BackRing<bh::blkif::Ring32>* ring32 = nullptr;
        alignas(8) uint8_t ring_space[sizeof(bh::ring::BackRing<bh::blkif::Ring64>)];
        uint64_t ring_handle = 0;
        bh_port_t port = 0;
        InFlight fifo[kFifo];
        uint32_t head = 0, tail = 0;  // answered up to head, taken up to tail
    };

    bool connect(bh::xenbus::XsClient& xs);
    bool connect_queue(bh::xenbus::XsClient& xs, uint32_t q, const char* dir, bool is32);
    void disconnect();
    template <class R>
    void take_requests(bh::ring::BackRing<R>& ring, bh::virtio::VirtioDisk& disk, uint32_t q);
    template <class R>
    void answer(bh::ring::BackRing<R>& ring, uint32_t q);
    void admit(bh::blkif::Request& r, bh::virtio::VirtioDisk& disk, uint32_t q);
    bool fetch_indirect(bh::blkif::Request& r);
    void unmap(InFlight& e);
    uint64_t data_va(uint32_t q, uint32_t slot, uint32_t seg) const;
    bh_slot_t port_slot(uint32_t q) const;
    uint32_t in_flight() const;
    bool set_state(bh::xenbus::XsClient& xs, bh::blkif::XenbusState s);

    uint32_t index_ = 0, devid_ = 0;
    bh_domid_t fe_ = 0;
    char dir_[96] = {}, fe_dir_[96] = {}, fe_state_[112] = {};
    uint64_t offset_ = 0;
    uint32_t max_discard_ = 0;
    bh::blkif::DiskLimits limits_{};
    bool connected_ = false, x86_32_ = false, reattach_ = false, persistent_ = false, broken_ = false;
    uint32_t p_gref_[kPersistent] = {};
    uint64_t p_handle_[kPersistent] = {};
    bool p_used_[kPersistent] = {};
    uint32_t p_count_ = 0;
    bh::blkif::XenbusState state_ = bh::blkif::XenbusState::Initialising;
    Queue q_[kMaxQueues];
    uint32_t nq_ = 0;
    bh::blkif::Request req_{};  // the request being admitted (large: not on the stack)
};

}  // namespace blkback
