// Compile-only check: every virtio header builds freestanding (no libc, no FPU, no exceptions).
#include "bh/virtio/device_queue.hpp"
#include "bh/virtio/driver_queue.hpp"

namespace bh::virtio::check {

alignas(16) uint8_t g_mem[SplitLayout{8}.total()];
DriverQueue::Slot g_slots[8];

bool use() {
    DriverQueue d(g_mem, 8, g_slots, true);
    DeviceQueue v(g_mem, 8, true);
    Segment s{0x1000, 512, false};
    Chain c;
    Completion done;
    return d.add(&s, 1, 1) == QueueError::None && d.kick() && v.pop(c) == QueueError::None &&
           (v.push(c.head, 0), v.publish()) && d.take(done) == QueueError::None;
}

}  // namespace bh::virtio::check
