// The driver side of the virtio 1.x PCI transport's common configuration (virtio 1.1 §4.1.4.3,
// §3.1.1 device initialisation), over any register access, so a host test can drive a model of
// the device and a driver domain its mapped BAR. Queue and buffer addresses are the caller's: in
// Bulkhead, device addresses behind the IOMMU (the owner domain's own virtual addresses), so a
// device that bypasses the IOMMU (no VIRTIO_F_ACCESS_PLATFORM) is refused: it would take them
// for physical addresses.
#pragma once

#include <stdint.h>

#include "bh/virtio/split_layout.hpp"

namespace bh::virtio {

// Offsets in the common configuration structure (Linux: struct virtio_pci_common_cfg).
namespace common {
inline constexpr uint16_t kDeviceFeatureSelect = 0x00, kDeviceFeature = 0x04;
inline constexpr uint16_t kDriverFeatureSelect = 0x08, kDriverFeature = 0x0c;
inline constexpr uint16_t kMsixConfig = 0x10, kNumQueues = 0x12, kDeviceStatus = 0x14;
inline constexpr uint16_t kConfigGeneration = 0x15, kQueueSelect = 0x16, kQueueSize = 0x18;
inline constexpr uint16_t kQueueMsixVector = 0x1a, kQueueEnable = 0x1c, kQueueNotifyOff = 0x1e;
inline constexpr uint16_t kQueueDesc = 0x20, kQueueDriver = 0x28, kQueueDevice = 0x30;
}  // namespace common

// device_status bits.
inline constexpr uint8_t kStatusAcknowledge = 1, kStatusDriver = 2, kStatusDriverOk = 4;
inline constexpr uint8_t kStatusFeaturesOk = 8, kStatusNeedsReset = 0x40, kStatusFailed = 0x80;

enum class TransportError : uint8_t {
    None = 0,
    ResetTimeout,    // the device never read back status 0 after a reset
    NoVersion1,      // not a modern device: VIRTIO_F_VERSION_1 not offered
    BypassesIommu,   // VIRTIO_F_ACCESS_PLATFORM not offered: its DMA would not be translated
    FeaturesRefused, // FEATURES_OK did not stick: the device refuses our subset
    NoSuchQueue,     // queue index past num_queues
    QueueUnusable,   // size 0 (not available), or not a power of two, or already enabled
};

// Regs: uint8_t r8(uint16_t), uint16_t r16(uint16_t), uint32_t r32(uint16_t), and w8/w16/w32.
template <class Regs>
class ModernTransport {
public:
    explicit ModernTransport(Regs& regs) : r_(regs) {}

    // Writes 0 and waits (bounded) for the device to read back 0, as the spec asks.
    TransportError reset(uint32_t max_polls = 1000000) {
        r_.w8(common::kDeviceStatus, 0);
        for (uint32_t i = 0; i < max_polls; ++i)
            if (r_.r8(common::kDeviceStatus) == 0) return TransportError::None;
        return TransportError::ResetTimeout;
    }

    uint64_t device_features() {
        r_.w32(common::kDeviceFeatureSelect, 0);
        uint64_t lo = r_.r32(common::kDeviceFeature);
        r_.w32(common::kDeviceFeatureSelect, 1);
        return lo | uint64_t{r_.r32(common::kDeviceFeature)} << 32;
    }

    // Steps 1-6 of §3.1.1: reset, ACKNOWLEDGE, DRIVER, features (what is both wanted and
    // offered; VERSION_1 and ACCESS_PLATFORM required), FEATURES_OK, and checks the device kept it. *accepted gets
    // the negotiated set. On failure the device is left with FAILED set.
    TransportError negotiate(uint64_t wanted, uint64_t* accepted) {
        if (TransportError e = reset(); e != TransportError::None) return e;
        set_status(kStatusAcknowledge);
        set_status(kStatusDriver);
        uint64_t offered = device_features();
        if (!(offered >> kFeatureVersion1 & 1)) return fail(TransportError::NoVersion1);
        if (!(offered >> kFeatureAccessPlatform & 1)) return fail(TransportError::BypassesIommu);
        uint64_t use = (wanted & offered) | uint64_t{1} << kFeatureVersion1 |
                       uint64_t{1} << kFeatureAccessPlatform;
        r_.w32(common::kDriverFeatureSelect, 0);
        r_.w32(common::kDriverFeature, static_cast<uint32_t>(use));
        r_.w32(common::kDriverFeatureSelect, 1);
        r_.w32(common::kDriverFeature, static_cast<uint32_t>(use >> 32));
        set_status(kStatusFeaturesOk);
        if (!(r_.r8(common::kDeviceStatus) & kStatusFeaturesOk)) return fail(TransportError::FeaturesRefused);
        *accepted = use;
        return TransportError::None;
    }

    uint16_t num_queues() { return r_.r16(common::kNumQueues); }

    // The largest size the device allows for queue q (0: not available).
    uint16_t max_queue_size(uint16_t q) {
        r_.w16(common::kQueueSelect, q);
        return r_.r16(common::kQueueSize);
    }

    // Sets queue q up with `size` entries (a power of two, at most the device's) at the three
    // bus addresses and enables it; *notify_off gets its queue_notify_off (the doorbell is at
    // notify base + notify_off * the notify capability's multiplier).
    TransportError setup_queue(uint16_t q, uint16_t size, uint64_t desc, uint64_t driver,
                               uint64_t device, uint16_t* notify_off) {
        if (q >= num_queues()) return TransportError::NoSuchQueue;
        uint16_t max = max_queue_size(q);
        if (max == 0 || size == 0 || size > max || !SplitLayout::valid_size(size) ||
            r_.r16(common::kQueueEnable) != 0)
            return TransportError::QueueUnusable;
        r_.w16(common::kQueueSize, size);
        write64(common::kQueueDesc, desc);
        write64(common::kQueueDriver, driver);
        write64(common::kQueueDevice, device);
        *notify_off = r_.r16(common::kQueueNotifyOff);
        r_.w16(common::kQueueEnable, 1);
        return TransportError::None;
    }

    // Which MSI-X table entry signals queue q's completions (before setup_queue enables it), or
    // configuration changes; kNoVector for none. False if the device refused it (it reads back
    // kNoVector: no room for the vector, virtio 1.1 §4.1.5.1.2).
    static constexpr uint16_t kNoVector = 0xffff;
    bool queue_vector(uint16_t q, uint16_t vector) {
        r_.w16(common::kQueueSelect, q);
        r_.w16(common::kQueueMsixVector, vector);
        return r_.r16(common::kQueueMsixVector) == vector;
    }
    bool config_vector(uint16_t vector) {
        r_.w16(common::kMsixConfig, vector);
        return r_.r16(common::kMsixConfig) == vector;
    }

    // Step 8: the driver is ready; the device may now use its queues.
    void driver_ok() { set_status(kStatusDriverOk); }

private:
    void set_status(uint8_t bit) { r_.w8(common::kDeviceStatus, static_cast<uint8_t>(r_.r8(common::kDeviceStatus) | bit)); }
    TransportError fail(TransportError e) {
        set_status(kStatusFailed);
        return e;
    }
    void write64(uint16_t off, uint64_t v) {
        r_.w32(off, static_cast<uint32_t>(v));
        r_.w32(static_cast<uint16_t>(off + 4), static_cast<uint32_t>(v >> 32));
    }

    Regs& r_;
};

}  // namespace bh::virtio
