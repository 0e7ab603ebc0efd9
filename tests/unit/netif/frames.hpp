// Frames for the netif tests: a UDP/IPv4 frame built field by field (not with the stack under
// test), and a few addresses.
#pragma once

#include <cstdint>
#include <vector>

#include "bh/netif/frame.hpp"

namespace test_frames {

inline constexpr bh::netif::Mac kMacA{{0x00, 0x16, 0x3e, 0, 0, 0xa}}, kMacB{{0x00, 0x16, 0x3e, 0, 0, 0xb}};
inline constexpr bh::netif::Mac kMacGw{{0x52, 0x55, 0x0a, 0x00, 0x02, 0x02}};
inline constexpr uint32_t kIpA = 0x0a000210, kIpB = 0x0a000211, kIpGw = 0x0a000202;  // 10.0.2.16, .17, .2

inline std::vector<uint8_t> eth(const bh::netif::Mac& dst, const bh::netif::Mac& src, uint16_t type) {
    std::vector<uint8_t> f(14);
    for (int i = 0; i < 6; ++i) f[i] = dst.b[i], f[6 + i] = src.b[i];
    bh::netif::put16(&f[12], type);
    return f;
}

// An IPv4 packet of protocol `proto` with `l4` as its payload (checksum of the header right).
inline std::vector<uint8_t> ipv4(const bh::netif::Mac& dst, const bh::netif::Mac& src, uint32_t sip, uint32_t dip,
                                 uint8_t proto, const std::vector<uint8_t>& l4, uint16_t frag = 0) {
    auto f = eth(dst, src, bh::netif::kEtherIpv4);
    std::vector<uint8_t> ip(20);
    ip[0] = 0x45, ip[8] = 64, ip[9] = proto;
    bh::netif::put16(&ip[2], static_cast<uint16_t>(20 + l4.size()));
    bh::netif::put16(&ip[6], frag);
    bh::netif::put32(&ip[12], sip), bh::netif::put32(&ip[16], dip);
    bh::netif::put16(&ip[10], bh::netif::checksum(ip.data(), 20));
    f.insert(f.end(), ip.begin(), ip.end());
    f.insert(f.end(), l4.begin(), l4.end());
    return f;
}

// A UDP datagram; its checksum computed the long way (pseudo-header bytes laid out).
inline std::vector<uint8_t> udp(const bh::netif::Mac& dst, const bh::netif::Mac& src, uint32_t sip, uint32_t dip,
                                uint16_t sport, uint16_t dport, const std::vector<uint8_t>& data) {
    std::vector<uint8_t> u(8 + data.size());
    bh::netif::put16(&u[0], sport), bh::netif::put16(&u[2], dport);
    bh::netif::put16(&u[4], static_cast<uint16_t>(u.size()));
    std::copy(data.begin(), data.end(), u.begin() + 8);
    std::vector<uint8_t> pseudo(12);
    bh::netif::put32(&pseudo[0], sip), bh::netif::put32(&pseudo[4], dip);
    pseudo[9] = 17, bh::netif::put16(&pseudo[10], static_cast<uint16_t>(u.size()));
    pseudo.insert(pseudo.end(), u.begin(), u.end());
    uint16_t c = bh::netif::checksum(pseudo.data(), static_cast<uint32_t>(pseudo.size()));
    bh::netif::put16(&u[6], c ? c : 0xffff);
    return ipv4(dst, src, sip, dip, 17, u);
}

inline std::vector<uint8_t> arp(uint16_t op, const bh::netif::Mac& src, uint32_t sip, uint32_t tip) {
    auto f = eth(op == 1 ? bh::netif::kBroadcast : kMacGw, src, bh::netif::kEtherArp);
    std::vector<uint8_t> a(28);
    bh::netif::put16(&a[0], 1), bh::netif::put16(&a[2], 0x0800), a[4] = 6, a[5] = 4, bh::netif::put16(&a[6], op);
    for (int i = 0; i < 6; ++i) a[8 + i] = src.b[i];
    bh::netif::put32(&a[14], sip), bh::netif::put32(&a[24], tip);
    f.insert(f.end(), a.begin(), a.end());
    return f;
}

}  // namespace test_frames
