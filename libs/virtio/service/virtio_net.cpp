// VirtioNet (see virtio_net.hpp).
#include "virtio_net.hpp"

#include <new>

#include <bh/rt.hpp>

using namespace bh::rt;

namespace bh::virtio {
namespace {
constexpr uint16_t kVirtioNetModern = 0x1041;
static_assert(SplitLayout{VirtioNet::kQueueSize}.total() <= 0x1000, "each queue fits its page");
}  // namespace

bool VirtioNet::open(const NetLayout& at) {
    at_ = at;
    if (!pci_.attach(at.config_va, at.bar_va, kVirtioNetModern, "virtio-net")) return false;
    port_ = pci_.take_memory_and_irq(at.dma_va, at.dma_slot, kDmaPages, at.port_slot);
    uint64_t features = 0;
    if (!port_) return false;
    if (!pci_.negotiate(uint64_t{1} << net::kFeatureMac, &features)) return false;
    for (uint16_t q = 0; q < 2; ++q) {
        q_[q] = new (space_[q]) DriverQueue(reinterpret_cast<void*>(queue_va(q)), kQueueSize, slots_[q], false);
        bell_[q] = pci_.setup_queue(q, kQueueSize, queue_va(q), 1);
        if (!bell_[q]) return false;
    }
    for (int i = 0; i < 6; ++i) mac_[i] = pci_.device_config()[net::config::kMac + i];
    tx_nfree_ = 0;
    for (uint32_t i = kQueueSize; i-- > 0;) tx_free_[tx_nfree_++] = static_cast<uint16_t>(i);
    pci_.driver_ok();
    for (uint32_t i = 0; i < kQueueSize; ++i) post_rx(i);
    if (q_[net::kQueueRx]->kick()) *bell_[net::kQueueRx] = net::kQueueRx;
    return true;
}

bool VirtioNet::broken() const {
    return !q_[0] || q_[0]->error() != QueueError::None || q_[1]->error() != QueueError::None || pci_.needs_reset();
}

void VirtioNet::post_rx(uint32_t i) {
    Segment s{buf_va(net::kQueueRx, i), kBufSize, true};
    (void)q_[net::kQueueRx]->add(&s, 1, i);
}

void VirtioNet::reap_tx() {
    Completion c;
    while (q_[net::kQueueTx]->take(c) == QueueError::None) {
        tx_free_[tx_nfree_++] = static_cast<uint16_t>(c.cookie);
        ++sent_;
    }
}

bool VirtioNet::send(const void* frame, uint32_t len) {
    reap_tx();
    if (len > net::kMaxFrame || tx_nfree_ == 0) return false;
    uint32_t i = tx_free_[--tx_nfree_];
    auto* buf = reinterpret_cast<uint8_t*>(buf_va(net::kQueueTx, i));
    *reinterpret_cast<net::Header*>(buf) = net::Header{};  // no offload asked for
    __builtin_memcpy(buf + sizeof(net::Header), frame, len);
    Segment s{buf_va(net::kQueueTx, i), static_cast<uint32_t>(sizeof(net::Header) + len), false};
    if (q_[net::kQueueTx]->add(&s, 1, i) != QueueError::None) {
        tx_free_[tx_nfree_++] = static_cast<uint16_t>(i);
        return false;
    }
    if (q_[net::kQueueTx]->kick()) *bell_[net::kQueueTx] = net::kQueueTx;
    return true;
}

uint32_t VirtioNet::receive(void* out, uint32_t cap) {
    reap_tx();
    Completion c;
    if (q_[net::kQueueRx]->take(c) != QueueError::None) return 0;
    uint32_t i = static_cast<uint32_t>(c.cookie);
    uint32_t len = c.len > sizeof(net::Header) ? c.len - static_cast<uint32_t>(sizeof(net::Header)) : 0;
    if (len > cap) len = cap;
    __builtin_memcpy(out, reinterpret_cast<const uint8_t*>(buf_va(net::kQueueRx, i)) + sizeof(net::Header), len);
    post_rx(i);  // the buffer goes straight back to the device
    if (q_[net::kQueueRx]->kick()) *bell_[net::kQueueRx] = net::kQueueRx;
    ++received_;
    return len ? len : receive(out, cap);  // an empty frame: skip it
}

}  // namespace bh::virtio
