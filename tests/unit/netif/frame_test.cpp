// bh/netif/frame.hpp: header parsing and checksums (RFC 1071; blank checksums filled).
#include <catch2/catch.hpp>

#include "frames.hpp"

using namespace bh::netif;
using namespace test_frames;

TEST_CASE("Frame.ParsesUdpOverIpv4") {
    auto f = udp(kMacB, kMacA, kIpA, kIpB, 4000, 7, {1, 2, 3, 4, 5});
    FrameInfo fi;
    REQUIRE(parse_frame(f.data(), static_cast<uint32_t>(f.size()), fi));
    CHECK(fi.ipv4);
    CHECK(fi.proto == kProtoUdp);
    CHECK(fi.src_ip == kIpA);
    CHECK(fi.dst_ip == kIpB);
    CHECK(fi.ports);
    CHECK(fi.sport == 4000);
    CHECK(fi.dport == 7);
    CHECK(fi.l4 == 34);
    CHECK(fi.l4_len == 13);
    CHECK(fi.src == kMacA);
    CHECK(l4_checksum_ok(f.data(), static_cast<uint32_t>(f.size())));
}

TEST_CASE("Frame.ShortOrLyingHeadersAreNotIpv4") {
    auto f = udp(kMacB, kMacA, kIpA, kIpB, 1, 2, {9});
    FrameInfo fi;
    CHECK_FALSE(parse_frame(f.data(), 13, fi));
    put16(&f[16], 200);  // total length beyond the frame
    REQUIRE(parse_frame(f.data(), static_cast<uint32_t>(f.size()), fi));
    CHECK_FALSE(fi.ipv4);
    CHECK_FALSE(fi.ports);
}

TEST_CASE("Frame.BlankChecksumIsCompletedToTheRightValue") {
    auto good = udp(kMacB, kMacA, kIpA, kIpB, 1234, 7, {'h', 'e', 'l', 'l', 'o', '!'});
    auto f = good;
    uint32_t n = static_cast<uint32_t>(f.size());
    REQUIRE(blank_checksum(f.data(), n));
    CHECK(f != good);                        // the field now holds the pseudo-header sum
    CHECK_FALSE(l4_checksum_ok(f.data(), n));
    REQUIRE(complete_checksum(f.data(), n));
    CHECK(f == good);
    CHECK(l4_checksum_ok(f.data(), n));
    f[f.size() - 1] ^= 1;                    // one bit off: caught
    CHECK_FALSE(l4_checksum_ok(f.data(), n));
}

TEST_CASE("Frame.ArpFieldsAreRead") {
    auto f = arp(1, kMacA, kIpA, kIpGw);
    FrameInfo fi;
    REQUIRE(parse_frame(f.data(), static_cast<uint32_t>(f.size()), fi));
    CHECK(fi.ethertype == kEtherArp);
    CHECK(fi.arp_op == 1);
    CHECK(fi.arp_sender_ip == kIpA);
    CHECK(fi.arp_target_ip == kIpGw);
}
