// Compile-only check: every virtio header builds freestanding (no libc, no FPU, no exceptions).
#include "bh/virtio/blk.hpp"
#include "bh/virtio/device_queue.hpp"
#include "bh/virtio/driver_queue.hpp"
#include "bh/virtio/mmio_regs.hpp"
#include "bh/virtio/modern_transport.hpp"
#include "bh/virtio/pci_caps.hpp"

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

bool use_transport(volatile uint8_t* bar) {
    MmioRegs r{bar};
    ModernTransport<MmioRegs> t(r);
    uint64_t f = 0;
    uint16_t n = 0;
    return t.negotiate(uint64_t{1} << kFeatureEventIdx, &f) == TransportError::None &&
           t.setup_queue(0, 8, 0, 0, 0, &n) == TransportError::None;
}

bool use_caps(const volatile uint8_t* cs) {
    Segment data{0x3000, 4096, true};
    blk::Chain chain(0x1000, true, &data, 1, 0x2000);
    return find_pci_caps(bh::pci::Config{cs}).complete() && chain.n == 3;
}

}  // namespace bh::virtio::check
