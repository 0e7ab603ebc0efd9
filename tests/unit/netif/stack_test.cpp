// bh/netif/ip_stack.hpp: ARP both ways, echo answered with the same data, UDP in and out.
#include <vector>

#include <catch2/catch.hpp>

#include "bh/netif/ip_stack.hpp"
#include "frames.hpp"

using namespace bh::netif;
using namespace test_frames;

namespace {
struct Wire {
    std::vector<std::vector<uint8_t>> sent;
    std::vector<bool> blank;
    static bool send(void* ctx, const uint8_t* f, uint32_t len, bool csum_blank) {
        auto* w = static_cast<Wire*>(ctx);
        w->sent.emplace_back(f, f + len);
        w->blank.push_back(csum_blank);
        return true;
    }
};

IpStack make(Wire& w) {
    IpStack s;
    s.init(StackConfig{kMacA, kIpA, 0xffffff00, kIpGw}, Wire::send, &w);
    return s;
}
StackEvent feed(IpStack& s, const std::vector<uint8_t>& f) { return s.input(f.data(), static_cast<uint32_t>(f.size())); }
}  // namespace

TEST_CASE("Stack.AnswersArpForItsAddressOnly") {
    Wire w;
    IpStack s = make(w);
    CHECK(feed(s, arp(1, kMacB, kIpB, kIpGw)).kind == StackEvent::kNone);
    CHECK(w.sent.empty());
    CHECK(feed(s, arp(1, kMacB, kIpB, kIpA)).kind == StackEvent::kAnswered);
    REQUIRE(w.sent.size() == 1);
    FrameInfo fi;
    REQUIRE(parse_frame(w.sent[0].data(), static_cast<uint32_t>(w.sent[0].size()), fi));
    CHECK(fi.arp_op == 2);
    CHECK(fi.dst == kMacB);
    CHECK(fi.arp_sender_ip == kIpA);
    CHECK(fi.arp_target_ip == kIpB);
    Mac m;
    CHECK(s.resolve(kIpB, &m));  // learnt from the request
    CHECK(m == kMacB);
}

TEST_CASE("Stack.UdpWaitsForArpThenGoesOutWithARightChecksum") {
    Wire w;
    IpStack s = make(w);
    const char msg[] = "ping";
    CHECK_FALSE(s.send_udp(kIpGw, 1000, 7, msg, 4));
    REQUIRE(w.sent.size() == 1);  // the ARP request
    CHECK(w.sent[0][0] == 0xff);
    auto reply = arp(2, kMacGw, kIpGw, kIpA);
    for (int i = 0; i < 6; ++i) reply[i] = kMacA.b[i];
    CHECK(feed(s, reply).kind == StackEvent::kArpReply);
    REQUIRE(s.send_udp(kIpGw, 1000, 7, msg, 4));
    auto f = w.sent.back();
    auto want = udp(kMacGw, kMacA, kIpA, kIpGw, 1000, 7, {'p', 'i', 'n', 'g'});
    REQUIRE(f.size() == 60);  // padded to Ethernet's minimum
    f.resize(want.size());
    for (int i : {18, 19, 24, 25}) f[i] = want[i] = 0;  // the IP id and so the header checksum
    CHECK(f == want);
    // Off the subnet: through the gateway's MAC.
    REQUIRE(s.send_udp(0x08080808, 1000, 53, msg, 4, true));
    CHECK(w.blank.back());
    FrameInfo fi;
    parse_frame(w.sent.back().data(), static_cast<uint32_t>(w.sent.back().size()), fi);
    CHECK(fi.dst == kMacGw);
    CHECK_FALSE(l4_checksum_ok(w.sent.back().data(), static_cast<uint32_t>(w.sent.back().size())));
    complete_checksum(w.sent.back().data(), static_cast<uint32_t>(w.sent.back().size()));
    CHECK(l4_checksum_ok(w.sent.back().data(), static_cast<uint32_t>(w.sent.back().size())));
}

TEST_CASE("Stack.ReportsUdpAndDropsBadChecksums") {
    Wire w;
    IpStack s = make(w);
    auto f = udp(kMacA, kMacB, kIpB, kIpA, 5000, 7, {'a', 'b', 'c'});
    StackEvent ev = feed(s, f);
    REQUIRE(ev.kind == StackEvent::kUdp);
    CHECK(ev.src_ip == kIpB);
    CHECK(ev.sport == 5000);
    CHECK(ev.dport == 7);
    REQUIRE(ev.len == 3);
    CHECK(ev.data[2] == 'c');
    f.back() ^= 0x40;
    ev = feed(s, f);
    CHECK(ev.kind == StackEvent::kNone);
    CHECK(ev.bad_checksum);
    // For another host: ignored.
    CHECK(feed(s, udp(kMacA, kMacB, kIpB, kIpGw, 5000, 7, {'a'})).kind == StackEvent::kNone);
}

TEST_CASE("Stack.AnswersEchoWithTheSameData") {
    Wire w;
    IpStack s = make(w);
    std::vector<uint8_t> icmp = {8, 0, 0, 0, 0x12, 0x34, 0, 7, 'x', 'y', 'z'};
    put16(&icmp[2], checksum(icmp.data(), static_cast<uint32_t>(icmp.size())));
    CHECK(feed(s, ipv4(kMacA, kMacB, kIpB, kIpA, kProtoIcmp, icmp)).kind == StackEvent::kAnswered);
    REQUIRE(w.sent.size() == 1);
    auto& r = w.sent[0];
    FrameInfo fi;
    REQUIRE(parse_frame(r.data(), static_cast<uint32_t>(r.size()), fi));
    CHECK(fi.dst == kMacB);
    CHECK(fi.dst_ip == kIpB);
    CHECK(r[fi.l4] == 0);
    CHECK(get16(&r[fi.l4 + 4]) == 0x1234);
    CHECK(r[fi.l4 + 10] == 'z');
    CHECK(checksum(&r[fi.l4], fi.l4_len) == 0);
    // And our own ping's reply is reported.
    std::vector<uint8_t> echo = {0, 0, 0, 0, 0xbe, 0xef, 0, 3, 'q'};
    put16(&echo[2], checksum(echo.data(), static_cast<uint32_t>(echo.size())));
    StackEvent ev = feed(s, ipv4(kMacA, kMacB, kIpB, kIpA, kProtoIcmp, echo));
    CHECK(ev.kind == StackEvent::kEchoReply);
    CHECK(ev.id == 0xbeef);
    CHECK(ev.seq == 3);
}
