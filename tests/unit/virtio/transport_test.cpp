// ModernTransport against a model of a virtio device's common configuration (and its layout
// against Linux's struct virtio_pci_common_cfg): initialisation, feature negotiation, queue
// set-up, and the ways a device can refuse.
#include <cstring>

#include <catch2/catch.hpp>

#include "bh/virtio/modern_transport.hpp"
#include "linux_vring.h"

using namespace bh::virtio;

namespace {

// What a device does with its common configuration registers, as the spec describes.
struct FakeDevice {
    uint64_t offered = uint64_t{1} << kFeatureVersion1 | uint64_t{1} << kFeatureAccessPlatform;
    bool refuse_features = false;  // clears FEATURES_OK whatever the driver asks
    bool stuck = false;            // never finishes a reset
    uint32_t dev_sel = 0, drv_sel = 0;
    uint64_t driver = 0;
    uint8_t status = 0;
    uint16_t nq = 2, sel = 0;
    struct Queue {
        uint16_t max, size, enable;
        uint64_t desc, avail, used;
        uint16_t vector;
    } q[2] = {{256, 256, 0, 0, 0, 0, 0xffff}, {0, 0, 0, 0, 0, 0, 0xffff}};  // queue 1 unavailable
    uint16_t config_vector = 0xffff;

    uint8_t r8(uint16_t off) { return off == common::kDeviceStatus ? status : 0; }
    uint16_t r16(uint16_t off) {
        Queue& c = q[sel % 2];
        switch (off) {
        case common::kNumQueues: return nq;
        case common::kQueueSize: return c.size;
        case common::kQueueEnable: return c.enable;
        case common::kQueueNotifyOff: return static_cast<uint16_t>(sel * 3);
        case common::kQueueMsixVector: return c.vector;
        case common::kMsixConfig: return config_vector;
        default: return 0;
        }
    }
    uint32_t r32(uint16_t off) {
        if (off == common::kDeviceFeature) return dev_sel < 2 ? static_cast<uint32_t>(offered >> (32 * dev_sel)) : 0;
        return 0;
    }
    void w8(uint16_t off, uint8_t v) {
        if (off != common::kDeviceStatus) return;
        if (v == 0) {
            if (!stuck) *this = reset_copy();
            return;
        }
        if ((v & kStatusFeaturesOk) && !(status & kStatusFeaturesOk)) {
            // QEMU refuses a driver that ignores ACCESS_PLATFORM when it offers it.
            bool ok = !refuse_features && (driver & ~offered) == 0 && (driver >> kFeatureVersion1 & 1) &&
                      (driver >> kFeatureAccessPlatform & 1) == (offered >> kFeatureAccessPlatform & 1);
            if (!ok) v = static_cast<uint8_t>(v & ~kStatusFeaturesOk);
        }
        status = v;
    }
    void w16(uint16_t off, uint16_t v) {
        Queue& c = q[sel % 2];
        if (off == common::kQueueSelect) sel = v;
        else if (off == common::kQueueSize) c.size = v;
        else if (off == common::kQueueEnable) c.enable = v;
        // Two MSI-X entries: a vector past them reads back as NO_VECTOR.
        else if (off == common::kQueueMsixVector) c.vector = v < 2 ? v : 0xffff;
        else if (off == common::kMsixConfig) config_vector = v < 2 ? v : 0xffff;
    }
    void w32(uint16_t off, uint32_t v) {
        Queue& c = q[sel % 2];
        auto set = [&](uint64_t& f, uint16_t base) {
            if (off == base) f = (f & ~uint64_t{0xffffffff}) | v;
            else f = (f & 0xffffffff) | uint64_t{v} << 32;
        };
        if (off == common::kDeviceFeatureSelect) dev_sel = v;
        else if (off == common::kDriverFeatureSelect) drv_sel = v;
        else if (off == common::kDriverFeature && drv_sel < 2)
            driver = (driver & ~(uint64_t{0xffffffff} << (32 * drv_sel))) | uint64_t{v} << (32 * drv_sel);
        else if (off == common::kQueueDesc || off == common::kQueueDesc + 4) set(c.desc, common::kQueueDesc);
        else if (off == common::kQueueDriver || off == common::kQueueDriver + 4) set(c.avail, common::kQueueDriver);
        else if (off == common::kQueueDevice || off == common::kQueueDevice + 4) set(c.used, common::kQueueDevice);
    }
    FakeDevice reset_copy() const {
        FakeDevice d;
        d.offered = offered;
        d.refuse_features = refuse_features;
        return d;
    }
};

}  // namespace

TEST_CASE("Transport.LayoutAndBitsMatchLinux") {
    size_t off[16];
    unsigned st[6], v1, ap;
    linux_virtio_pci_facts(off, st, &v1, &ap);
    const uint16_t ours[16] = {common::kDeviceFeatureSelect, common::kDeviceFeature,
                               common::kDriverFeatureSelect, common::kDriverFeature, common::kMsixConfig,
                               common::kNumQueues, common::kDeviceStatus, common::kConfigGeneration,
                               common::kQueueSelect, common::kQueueSize, common::kQueueMsixVector,
                               common::kQueueEnable, common::kQueueNotifyOff, common::kQueueDesc,
                               common::kQueueDriver, common::kQueueDevice};
    for (int i = 0; i < 16; ++i) CHECK(ours[i] == off[i]);
    const uint8_t bits[6] = {kStatusAcknowledge, kStatusDriver, kStatusDriverOk, kStatusFeaturesOk,
                             kStatusNeedsReset, kStatusFailed};
    for (int i = 0; i < 6; ++i) CHECK(bits[i] == st[i]);
    CHECK(kFeatureVersion1 == v1);
    CHECK(kFeatureAccessPlatform == ap);
}

TEST_CASE("Transport.NegotiatesWhatBothSideWantAndSetsUpAQueue") {
    FakeDevice d;
    d.offered |= uint64_t{1} << kFeatureEventIdx | 1u << 5;
    d.status = kStatusDriverOk;  // left over from an earlier driver: reset first
    ModernTransport<FakeDevice> t(d);
    uint64_t got = 0;
    REQUIRE(t.negotiate(uint64_t{1} << kFeatureEventIdx | 1u << 7, &got) == TransportError::None);
    CHECK(got == (uint64_t{1} << kFeatureVersion1 | uint64_t{1} << kFeatureAccessPlatform |
                  uint64_t{1} << kFeatureEventIdx));
    CHECK(d.status == (kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk));
    CHECK(t.num_queues() == 2);
    CHECK(t.max_queue_size(0) == 256);
    uint16_t notify = 0xffff;
    REQUIRE(t.setup_queue(0, 128, 0x1000, 0x2000, 0x3000, &notify) == TransportError::None);
    CHECK(d.q[0].size == 128);
    CHECK(d.q[0].desc == 0x1000);
    CHECK(d.q[0].avail == 0x2000);
    CHECK(d.q[0].used == 0x3000);
    CHECK(d.q[0].enable == 1);
    CHECK(notify == 0);
    t.driver_ok();
    CHECK(d.status == (kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk));
}

TEST_CASE("Transport.MsixVectorsStickOnlyWhenTheDeviceHasThem") {
    FakeDevice d;
    ModernTransport<FakeDevice> t(d);
    uint64_t got = 0;
    REQUIRE(t.negotiate(0, &got) == TransportError::None);
    CHECK(t.config_vector(0));
    CHECK(t.queue_vector(0, 1));
    CHECK(d.q[0].vector == 1);
    CHECK_FALSE(t.queue_vector(0, 7));  // past the table: NO_VECTOR read back
    CHECK(t.queue_vector(0, ModernTransport<FakeDevice>::kNoVector));
}

TEST_CASE("Transport.RefusalsAreReportedAndMarkTheDeviceFailed") {
    uint64_t got = 0;
    uint16_t notify = 0;
    SECTION("a legacy-only device") {
        FakeDevice d;
        d.offered = 0;
        ModernTransport<FakeDevice> t(d);
        CHECK(t.negotiate(0, &got) == TransportError::NoVersion1);
        CHECK((d.status & kStatusFailed) != 0);
    }
    SECTION("a device that bypasses the IOMMU") {
        FakeDevice d;
        d.offered = uint64_t{1} << kFeatureVersion1;
        ModernTransport<FakeDevice> t(d);
        CHECK(t.negotiate(0, &got) == TransportError::BypassesIommu);
        CHECK((d.status & kStatusFailed) != 0);
    }
    SECTION("features refused") {
        FakeDevice d;
        d.refuse_features = true;
        ModernTransport<FakeDevice> t(d);
        CHECK(t.negotiate(0, &got) == TransportError::FeaturesRefused);
        CHECK((d.status & kStatusFailed) != 0);
    }
    SECTION("a reset that never finishes") {
        FakeDevice d;
        d.stuck = true;
        d.status = kStatusDriver;
        ModernTransport<FakeDevice> t(d);
        CHECK(t.reset(1000) == TransportError::ResetTimeout);
    }
    SECTION("queues that cannot be used") {
        FakeDevice d;
        ModernTransport<FakeDevice> t(d);
        REQUIRE(t.negotiate(0, &got) == TransportError::None);
        CHECK(t.setup_queue(2, 64, 0, 0, 0, &notify) == TransportError::NoSuchQueue);
        CHECK(t.setup_queue(1, 64, 0, 0, 0, &notify) == TransportError::QueueUnusable);    // not available
        CHECK(t.setup_queue(0, 512, 0, 0, 0, &notify) == TransportError::QueueUnusable);   // over the max
        CHECK(t.setup_queue(0, 96, 0, 0, 0, &notify) == TransportError::QueueUnusable);    // not a power of 2
        REQUIRE(t.setup_queue(0, 64, 0x1000, 0x2000, 0x3000, &notify) == TransportError::None);
        CHECK(t.setup_queue(0, 64, 0, 0, 0, &notify) == TransportError::QueueUnusable);    // enabled already
        CHECK(d.q[0].desc == 0x1000);
    }
}
