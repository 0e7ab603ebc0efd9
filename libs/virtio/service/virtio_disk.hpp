// VirtioDisk: a driver domain's virtio-blk disk, on the PCI function the supervisor gave it
// (configuration space in BH_SLOT_DEVICE, BARs from BH_SLOT_PCI_BAR0, MSI-X entries from
// BH_SLOT_MSI0). Queue, request headers and status bytes live in the domain's own memory, and
// every address the device is told is a virtual address of the domain: the IOMMU translates.
// Requests are asynchronous: submit (several), kick, and take completions when the port fires.
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

#include "bh/virtio/blk.hpp"
#include "bh/virtio/driver_queue.hpp"
#include "virtio_pci.hpp"

namespace bh::virtio {

struct DiskLayout {
    uint64_t config_va;  // where the function's configuration page is mapped
    uint64_t bar_va;     // BARs are mapped from here, 1 MiB apart
    uint64_t dma_va;     // queue, headers and statuses: kDmaPages pages from here
    bh_slot_t dma_slot;  // for the frames of that area
    bh_slot_t port_slot; // for the MSI-X event channel
};

class VirtioDisk {
public:
    static constexpr uint32_t kQueueSize = 256;
    static constexpr uint32_t kMaxInFlight = 128;  // requests, each with its header and status
    static constexpr uint32_t kDmaPages = 5;  // queue (3 pages at 256 entries), headers, discard ranges

    // Finds and starts the device; false (logged as "virtio-disk: ...") if anything is missing or
    // refused. `wanted`: optional features (VIRTIO_BLK_F_*) to negotiate if offered.
    bool open(const DiskLayout& at, uint64_t wanted);
    uint64_t capacity() const { return capacity_; }  // 512-byte sectors
    bool has(uint32_t feature) const { return (features_ >> feature & 1) != 0; }
    uint64_t features() const { return features_; }
    bh_port_t port() const { return port_; }
    bool broken() const;

    // Room for one more request of n data segments?
    bool can_submit(uint32_t n) const;
    // Room for `requests` requests of up to `n` data segments each.
    bool can_submit(uint32_t n, uint32_t requests) const { return nfree_ >= requests && can_submit(requests * (n + 2) - 2); }
    // Queues a request (blk::kIn / kOut / kFlush) with its data segments (device addresses =
    // our virtual addresses; the device writes them for kIn). Visible to the device at kick().
    bool submit(uint32_t type, uint64_t sector, const Segment* data, uint32_t n, uint64_t cookie);
    // Discards `sectors` from `sector` (VIRTIO_BLK_F_DISCARD negotiated; at most
    // max_discard_sectors()): one range, kept in our memory for the device to read.
    bool submit_discard(uint64_t sector, uint32_t sectors, uint64_t cookie);
    uint32_t max_discard_sectors() const { return max_discard_; }
    uint32_t discard_alignment() const { return discard_align_; }  // sectors
    void kick();
    // The next finished request: its cookie and virtio status (blk::kOk, ...). False if none.
    bool take(uint64_t& cookie, uint8_t& status);
    // Resets the device and sets the queue up again (everything in flight is dropped).
    bool restart();

private:
    bool start();

    DiskLayout at_{};
    mutable VirtioPci pci_;
    volatile uint16_t* doorbell_ = nullptr;
    uint64_t wanted_ = 0, features_ = 0, capacity_ = 0;
    uint32_t max_discard_ = 0, discard_align_ = 1;
    bh_port_t port_ = 0;
    DriverQueue::Slot slots_[kQueueSize];
    alignas(DriverQueue) uint8_t queue_space_[sizeof(DriverQueue)];
    DriverQueue* q_ = nullptr;
    // Request slots: header and status at fixed places in the DMA area; cookie kept here.
    uint64_t cookie_[kMaxInFlight];
    uint16_t free_[kMaxInFlight];
    uint32_t nfree_ = 0;
};

}  // namespace bh::virtio
