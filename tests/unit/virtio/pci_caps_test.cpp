// find_pci_caps on the capability list QEMU's modern virtio-blk shows (what pcidrv met under
// QEMU), and on lists a broken device could show; virtio-blk's layout against Linux's.
#include <cstring>

#include <catch2/catch.hpp>

#include "bh/virtio/blk.hpp"
#include "bh/virtio/pci_caps.hpp"
#include "linux_vring.h"

using namespace bh::virtio;

namespace {

struct Space {
    alignas(4) uint8_t cs[4096] = {};
    uint8_t last = 0;
    Space() {
        cs[0x06] = 0x10;  // status: capability list
    }
    void w32(uint16_t off, uint32_t v) { std::memcpy(cs + off, &v, 4); }
    // Appends a virtio_pci_cap (len 16, or 20 for notify) at off.
    void cap(uint8_t off, uint8_t type, uint8_t bar, uint32_t offset, uint32_t length,
             uint32_t mult = 0, uint8_t len = 0) {
        if (last) cs[last + 1] = off;
        else cs[0x34] = off;
        cs[off] = bh::pci::kCapVendor;
        cs[off + 1] = 0;
        cs[off + 2] = len ? len : (type == kCapNotify ? 20 : 16);
        cs[off + 3] = type;
        cs[off + 4] = bar;
        w32(off + 8, offset);
        w32(off + 12, length);
        if (type == kCapNotify) w32(off + 16, mult);
        last = off;
    }
    bh::pci::Config config() const { return bh::pci::Config{cs}; }
};

}  // namespace

TEST_CASE("PciCaps.QemuModernVirtioBlk") {
    Space s;
    s.cap(0xa0, kCapCommon, 4, 0x0000, 0x1000);
    s.cap(0x80, kCapIsr, 4, 0x1000, 0x1000);
    s.cap(0x70, kCapDevice, 4, 0x2000, 0x1000);
    s.cap(0x50, kCapNotify, 4, 0x3000, 0x1000, 4);  // 20 bytes
    s.cap(0x40, 5, 0, 0, 0);  // PCI configuration access: noted, not used
    PciCaps c = find_pci_caps(s.config());
    REQUIRE(c.complete());
    CHECK(c.seen == 0x3e);
    CHECK(c.common.bar == 4);
    CHECK(c.isr.offset == 0x1000);
    CHECK(c.device.offset == 0x2000);
    CHECK(c.notify.offset == 0x3000);
    CHECK(c.notify.length == 0x1000);
    CHECK(c.notify_multiplier == 4);
}

TEST_CASE("PciCaps.BrokenListsAreIncomplete") {
    SECTION("a BAR index past 5 is skipped for the next of its type") {
        Space s;
        s.cap(0x40, kCapCommon, 6, 0, 0x1000);
        s.cap(0x60, kCapNotify, 4, 0x3000, 0x1000, 4);
        s.cap(0x80, kCapIsr, 4, 0x1000, 0x1000);
        s.cap(0xa0, kCapDevice, 4, 0x2000, 0x1000);
        CHECK_FALSE(find_pci_caps(s.config()).complete());
        s.cap(0xc0, kCapCommon, 4, 0x800, 0x1000);
        PciCaps c = find_pci_caps(s.config());
        CHECK(c.complete());
        CHECK(c.common.offset == 0x800);
    }
    SECTION("a notify capability too short to hold its multiplier") {
        Space s;
        s.cap(0x40, kCapCommon, 4, 0, 0x1000);
        s.cap(0x60, kCapNotify, 4, 0x3000, 0x1000, 4, 16);
        s.cap(0x80, kCapIsr, 4, 0x1000, 0x1000);
        s.cap(0xa0, kCapDevice, 4, 0x2000, 0x1000);
        CHECK_FALSE(find_pci_caps(s.config()).complete());
    }
    SECTION("a capability list that loops") {
        Space s;
        s.cap(0x40, kCapCommon, 4, 0, 0x1000);
        s.cs[0x41] = 0x40;
        PciCaps c = find_pci_caps(s.config());
        CHECK_FALSE(c.complete());
        CHECK(c.common.found());
    }
    SECTION("the first of each type wins") {
        Space s;
        s.cap(0x40, kCapCommon, 4, 0, 0x1000);
        s.cap(0x50, kCapCommon, 2, 0x8000, 0x1000);
        CHECK(find_pci_caps(s.config()).common.bar == 4);
    }
}

TEST_CASE("Blk.LayoutMatchesLinux") {
    linux_blk_facts lx;
    linux_virtio_blk_facts(&lx);
    CHECK(sizeof(blk::RequestHeader) == lx.outhdr_size);
    CHECK(offsetof(blk::RequestHeader, type) == lx.outhdr_type);
    CHECK(offsetof(blk::RequestHeader, sector) == lx.outhdr_sector);
    CHECK(blk::config::kCapacity == lx.capacity);
    CHECK(blk::config::kSizeMax == lx.size_max);
    CHECK(blk::config::kSegMax == lx.seg_max);
    CHECK(blk::config::kBlkSize == lx.blk_size);
    CHECK(blk::config::kNumQueues == lx.num_queues);
    CHECK(blk::config::kMaxDiscardSectors == lx.max_discard_sectors);
    CHECK(blk::config::kMaxDiscardSeg == lx.max_discard_seg);
    CHECK(blk::config::kDiscardSectorAlignment == lx.discard_sector_alignment);
    const uint32_t ours[] = {blk::kIn, blk::kOut, blk::kFlush, blk::kGetId, blk::kDiscard,
                             blk::kWriteZeroes, blk::kOk, blk::kIoErr, blk::kUnsupported,
                             blk::kFeatureSizeMax, blk::kFeatureSegMax, blk::kFeatureRo,
                             blk::kFeatureBlkSize, blk::kFeatureFlush, blk::kFeatureMq,
                             blk::kFeatureDiscard, blk::kFeatureWriteZeroes};
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; ++i) {
        INFO("constant " << i);
        CHECK(ours[i] == lx.constants[i]);
    }
}
