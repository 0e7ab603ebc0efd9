// A queue's memory with both views over it, for tests.
#pragma once

#include <cstdlib>
#include <vector>

#include "bh/virtio/device_queue.hpp"
#include "bh/virtio/driver_queue.hpp"

struct QueuePair {
    uint32_t size;
    uint8_t* mem;
    std::vector<bh::virtio::DriverQueue::Slot> slots;
    bh::virtio::DriverQueue driver;
    bh::virtio::DeviceQueue device;

    QueuePair(uint32_t n, bool event_idx)
        : size(n), mem(alloc(n)), slots(n), driver(mem, n, slots.data(), event_idx),
          device(mem, n, event_idx) {}
    ~QueuePair() { std::free(mem); }
    QueuePair(const QueuePair&) = delete;
    QueuePair& operator=(const QueuePair&) = delete;

    static uint8_t* alloc(uint32_t n) {
        size_t bytes = (bh::virtio::SplitLayout{n}.total() + 4095) & ~size_t{4095};
        auto* p = static_cast<uint8_t*>(std::aligned_alloc(4096, bytes));
        std::fill(p, p + bytes, 0);
        return p;
    }
};
