// libs/virtio against Linux's own virtio headers (linux-libc-dev, through linux_vring.c):
// layouts, flags, the event test.
#include <cstddef>
#include <random>

#include <catch2/catch.hpp>

#include "bh/virtio/split_layout.hpp"
#include "linux_vring.h"

using namespace bh::virtio;

TEST_CASE("Layout.StructsMatchLinux") {
    linux_vring_facts lx;
    linux_vring_get_facts(&lx);
    CHECK(sizeof(VirtqDesc) == lx.desc_size);
    CHECK(offsetof(VirtqDesc, addr) == lx.desc_addr);
    CHECK(offsetof(VirtqDesc, len) == lx.desc_len);
    CHECK(offsetof(VirtqDesc, flags) == lx.desc_flags);
    CHECK(offsetof(VirtqDesc, next) == lx.desc_next);
    CHECK(sizeof(VirtqUsedElem) == lx.used_elem_size);
    CHECK(offsetof(VirtqUsedElem, len) == lx.used_elem_len);
    CHECK(kDescNext == lx.f_next);
    CHECK(kDescWrite == lx.f_write);
    CHECK(kDescIndirect == lx.f_indirect);
    CHECK(kUsedNoNotify == lx.used_no_notify);
    CHECK(kAvailNoInterrupt == lx.avail_no_interrupt);
    CHECK(kFeatureIndirectDesc == lx.feature_indirect);
    CHECK(kFeatureEventIdx == lx.feature_event_idx);
}

TEST_CASE("Layout.OffsetsMatchLinuxVringInit") {
    for (uint32_t n = 1; n <= kMaxQueueSize; n *= 2) {
        linux_vring_offsets lx;
        linux_vring_layout(n, &lx);
        SplitLayout l{n};
        CHECK(lx.desc == l.desc_off());
        CHECK(lx.avail == l.avail_off());
        CHECK(lx.used == l.used_off());
        CHECK(lx.total == l.total());
        // The event fields sit where Linux's accessors put them.
        AvailRing a{reinterpret_cast<uint16_t*>(l.avail_off()), n};
        UsedRing u{reinterpret_cast<uint16_t*>(l.used_off()), n};
        CHECK(reinterpret_cast<uintptr_t>(&a.used_event()) == lx.used_event);
        CHECK(reinterpret_cast<uintptr_t>(&u.avail_event()) == lx.avail_event);
    }
    CHECK(SplitLayout::valid_size(256));
    CHECK_FALSE(SplitLayout::valid_size(0));
    CHECK_FALSE(SplitLayout::valid_size(96));
    CHECK_FALSE(SplitLayout::valid_size(65536));
}

TEST_CASE("Layout.NeedEventIsLinuxs") {
    std::mt19937 rng(5);
    for (int i = 0; i < 200000; ++i) {
        auto e = static_cast<uint16_t>(rng()), nw = static_cast<uint16_t>(rng()), old = static_cast<uint16_t>(nw - rng() % 300);
        REQUIRE(need_event(e, nw, old) == (linux_need_event(e, nw, old) != 0));
    }
}
