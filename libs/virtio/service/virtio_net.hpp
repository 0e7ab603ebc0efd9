// VirtioNet: a driver domain's virtio-net NIC (the PCI function the supervisor gave it, behind
// the IOMMU). One receive and one transmit queue, each frame in one 2 KiB buffer of our own
// memory (header + frame: no offloads, no merged buffers); both queues signal MSI-X entry 1.
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

#include "bh/virtio/driver_queue.hpp"
#include "bh/virtio/net.hpp"
#include "virtio_pci.hpp"

namespace bh::virtio {

struct NetLayout {
    uint64_t config_va;   // the function's configuration page
    uint64_t bar_va;      // BARs, 1 MiB apart
    uint64_t dma_va;      // kDmaPages pages: two queues, then the buffers
    bh_slot_t dma_slot;
    bh_slot_t port_slot;  // the MSI-X event channel
};

class VirtioNet {
public:
    static constexpr uint32_t kQueueSize = 64;
    static constexpr uint32_t kBufSize = 2048;
    static constexpr uint32_t kDmaPages = 2 + 2 * kQueueSize * kBufSize / 4096;

    bool open(const NetLayout& at);
    const uint8_t* mac() const { return mac_; }
    bh_port_t port() const { return port_; }
    bool broken() const;

    // Queues a frame for sending (copied into a transmit buffer); false when all are in use.
    bool send(const void* frame, uint32_t len);
    // The next received frame, copied out (at most cap bytes); its length, or 0 if none.
    uint32_t receive(void* out, uint32_t cap);
    uint64_t sent() const { return sent_; }
    uint64_t received() const { return received_; }

private:
    uint64_t queue_va(uint16_t q) const { return at_.dma_va + q * 0x1000; }
    uint64_t buf_va(uint16_t q, uint32_t i) const {
        return at_.dma_va + 2 * 0x1000 + (uint64_t{q} * kQueueSize + i) * kBufSize;
    }
    void post_rx(uint32_t i);
    void reap_tx();

    NetLayout at_{};
    mutable VirtioPci pci_;
    uint8_t mac_[6] = {};
    bh_port_t port_ = 0;
    volatile uint16_t* bell_[2] = {};
    DriverQueue::Slot slots_[2][kQueueSize];
    alignas(DriverQueue) uint8_t space_[2][sizeof(DriverQueue)];
    DriverQueue* q_[2] = {};
    uint16_t tx_free_[kQueueSize];
    uint32_t tx_nfree_ = 0;
    uint64_t sent_ = 0, received_ = 0;
};

}  // namespace bh::virtio
