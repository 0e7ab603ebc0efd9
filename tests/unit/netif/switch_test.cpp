// bh/netif/l2switch.hpp: learning, flooding, aging, anti-spoofing, pinned MACs, rules.
#include <catch2/catch.hpp>

#include "bh/netif/l2switch.hpp"
#include "frames.hpp"

using namespace bh::netif;
using namespace test_frames;

namespace {
const Mac kOther{{0x52, 0x54, 0x00, 0x12, 0x34, 0x99}};

PortConfig vif(const Mac& mac, uint32_t ip) {
    PortConfig c;
    c.guarded = true, c.mac = mac, c.has_ip = true, c.ip = ip;
    return c;
}

uint32_t route(L2Switch& sw, uint32_t in, const std::vector<uint8_t>& f, uint64_t now = 0) {
    return sw.route(in, f.data(), static_cast<uint32_t>(f.size()), now);
}

// Uplink 0, vif A on 1, vif B on 2.
L2Switch three(uint64_t age = ~0ull) {
    L2Switch sw(age);
    sw.set_port(0, PortConfig{});
    sw.set_port(1, vif(kMacA, kIpA));
    sw.set_port(2, vif(kMacB, kIpB));
    return sw;
}
}  // namespace

TEST_CASE("Switch.KnownUnicastGoesToOnePortBroadcastToAllOthers") {
    L2Switch sw = three();
    CHECK(route(sw, 1, arp(1, kMacA, kIpA, kIpGw)) == 0b101);          // broadcast: uplink and B
    CHECK(route(sw, 1, udp(kMacB, kMacA, kIpA, kIpB, 1, 7, {1})) == 0b100);  // B's MAC is pinned to 2
    CHECK(route(sw, 1, udp(kMacGw, kMacA, kIpA, kIpGw, 1, 7, {1})) == 0b001);  // unknown: the uplink only
    CHECK(route(sw, 0, udp(kMacA, kMacGw, kIpGw, kIpA, 7, 1, {1})) == 0b010);  // learnt the gateway
    CHECK(route(sw, 1, udp(kMacGw, kMacA, kIpA, kIpGw, 1, 7, {1})) == 0b001);
    CHECK(sw.lookup(kMacGw, 0) == 0);
    CHECK(sw.counters().forwarded >= 3);
}

TEST_CASE("Switch.LearntEntriesAgeOut") {
    L2Switch sw = three(100);
    route(sw, 0, udp(kMacA, kOther, kIpGw, kIpA, 7, 1, {1}), 10);
    CHECK(sw.lookup(kOther, 110) == 0);
    CHECK(sw.lookup(kOther, 111) == -1);
    sw.remove_port(0);
    CHECK(sw.lookup(kOther, 10) == -1);
}

TEST_CASE("Switch.VifsCannotSpoofMacOrAddress") {
    L2Switch sw = three();
    CHECK(route(sw, 1, udp(kMacB, kOther, kIpA, kIpB, 1, 7, {1})) == 0);   // not A's MAC
    CHECK(route(sw, 1, udp(kMacB, kMacA, kIpGw, kIpB, 1, 7, {1})) == 0);   // not A's IP
    CHECK(route(sw, 1, arp(2, kMacA, kIpB, kIpGw)) == 0);                  // ARP claiming B's IP
    CHECK(route(sw, 1, arp(1, kMacA, 0, kIpA)) != 0);                      // an ARP probe is fine
    CHECK(sw.counters().spoofed == 3);
}

TEST_CASE("Switch.APinnedMacCannotBeStolenFromTheUplink") {
    L2Switch sw = three();
    // Someone on the wire sends from B's MAC: the switch keeps B where it is.
    CHECK(route(sw, 0, udp(kMacA, kMacB, kIpGw, kIpA, 1, 7, {1})) == 0);
    CHECK(sw.lookup(kMacB, 0) == 2);
    CHECK(route(sw, 1, udp(kMacB, kMacA, kIpA, kIpB, 1, 7, {1})) == 0b100);
}

TEST_CASE("Switch.FloodsDoNotReachOtherVifsUnicast") {
    L2Switch sw = three();
    // An unknown unicast from the wire goes nowhere: every vif's MAC is known.
    CHECK(route(sw, 0, udp(kOther, kMacGw, kIpGw, kIpA, 1, 7, {1})) == 0);
    PortConfig open;  // a second unguarded port does get the flood
    sw.set_port(3, open);
    CHECK(route(sw, 0, udp(kOther, kMacGw, kIpGw, kIpA, 1, 7, {1})) == 0b1000);
}

TEST_CASE("Switch.RulesApplyOnTheWayInAndOut") {
    L2Switch sw = three();
    PortConfig a = vif(kMacA, kIpA);
    const char* why = nullptr;
    REQUIRE(parse_rule("deny in proto=udp ip=10.0.2.17", a.rules.rules[0], &why));
    REQUIRE(parse_rule("deny out proto=icmp", a.rules.rules[1], &why));
    a.rules.n = 2;
    sw.set_port(1, a);
    CHECK(route(sw, 1, udp(kMacB, kMacA, kIpA, kIpB, 1, 7, {1})) == 0);      // A may not send UDP to B
    CHECK(route(sw, 1, udp(kMacGw, kMacA, kIpA, kIpGw, 1, 7, {1})) == 0b001);  // but to the gateway
    auto ping = ipv4(kMacA, kMacB, kIpB, kIpA, kProtoIcmp, std::vector<uint8_t>(8, 0));
    CHECK(route(sw, 2, ping) == 0);                                           // nor be pinged
    CHECK(route(sw, 2, udp(kMacA, kMacB, kIpB, kIpA, 1, 7, {1})) == 0b010);   // B's UDP reaches A
    CHECK(sw.counters().filtered == 2);
}
