// Ethernet frames as the switch, the filters and the client stack see them: big-endian field
// access, the Internet checksum (RFC 1071), a parse of the headers a rule can name (Ethernet,
// ARP, IPv4, ICMP, UDP, TCP), and completing a checksum a sender left blank (Xen's
// NETTXF_csum_blank: the field holds the pseudo-header sum, the rest is ours to add).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace bh::netif {

inline constexpr uint32_t kEthHeader = 14, kMinFrame = 60, kMaxFrame = 1514;
inline constexpr uint16_t kEtherIpv4 = 0x0800, kEtherArp = 0x0806;
inline constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17;

inline uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t get32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }
inline void put16(uint8_t* p, uint16_t v) { p[0] = static_cast<uint8_t>(v >> 8), p[1] = static_cast<uint8_t>(v); }
inline void put32(uint8_t* p, uint32_t v) { put16(p, static_cast<uint16_t>(v >> 16)), put16(p + 2, static_cast<uint16_t>(v)); }

struct Mac {
    uint8_t b[6];
    bool operator==(const Mac& o) const { return __builtin_memcmp(b, o.b, 6) == 0; }
    bool multicast() const { return b[0] & 1; }  // broadcast included
    static Mac at(const uint8_t* p) {
        Mac m;
        __builtin_memcpy(m.b, p, 6);
        return m;
    }
};
inline constexpr Mac kBroadcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

// The ones'-complement sum of n bytes, added to `sum` (not folded, not complemented).
inline uint32_t sum16(const uint8_t* p, uint32_t n, uint32_t sum = 0) {
    for (uint32_t i = 0; i + 1 < n; i += 2) sum += get16(p + i);
    if (n & 1) sum += uint32_t{p[n - 1]} << 8;
    return sum;
}
inline uint16_t fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}
inline uint16_t checksum(const uint8_t* p, uint32_t n) { return static_cast<uint16_t>(~fold(sum16(p, n))); }

// What the headers of a frame say, as far as it is long enough to say it.
struct FrameInfo {
    Mac dst, src;
    uint16_t ethertype = 0;
    bool ipv4 = false;        // a well-formed IPv4 header (version, length, total length)
    uint8_t proto = 0;        // IPv4 protocol
    uint32_t src_ip = 0, dst_ip = 0;
    uint32_t l4 = 0;          // offset of the transport header
    uint32_t l4_len = 0;      // transport header + payload, as IPv4's total length says
    bool ports = false;       // UDP or TCP header present
    uint16_t sport = 0, dport = 0;
    bool fragment = false;    // not the first fragment: no transport header here
    uint32_t arp_sender_ip = 0, arp_target_ip = 0;  // ARP for IPv4 over Ethernet
    uint16_t arp_op = 0;
};

inline bool parse_frame(const uint8_t* f, uint32_t len, FrameInfo& out) {
    out = FrameInfo{};
    if (len < kEthHeader) return false;
    out.dst = Mac::at(f), out.src = Mac::at(f + 6);
    out.ethertype = get16(f + 12);
    const uint8_t* p = f + kEthHeader;
    uint32_t n = len - kEthHeader;
    if (out.ethertype == kEtherArp) {
        if (n < 28 || get16(p) != 1 || get16(p + 2) != kEtherIpv4 || p[4] != 6 || p[5] != 4) return true;
        out.arp_op = get16(p + 6);
        out.arp_sender_ip = get32(p + 14), out.arp_target_ip = get32(p + 24);
        return true;
    }
    if (out.ethertype != kEtherIpv4 || n < 20 || (p[0] >> 4) != 4) return true;
    uint32_t ihl = (p[0] & 0xfu) * 4u, total = get16(p + 2);
    if (ihl < 20 || total < ihl || total > n) return true;
    out.ipv4 = true;
    out.proto = p[9];
    out.src_ip = get32(p + 12), out.dst_ip = get32(p + 16);
    out.l4 = kEthHeader + ihl;
    out.l4_len = total - ihl;
    out.fragment = (get16(p + 6) & 0x1fff) != 0;
    if (!out.fragment && (out.proto == kProtoUdp || out.proto == kProtoTcp) && out.l4_len >= (out.proto == kProtoUdp ? 8u : 20u)) {
        out.ports = true;
        out.sport = get16(f + out.l4), out.dport = get16(f + out.l4 + 2);
    }
    return true;
}

// Where a transport protocol keeps its checksum, from the start of its header; 0 if none we fill.
inline uint32_t l4_checksum_offset(uint8_t proto) {
    return proto == kProtoUdp ? 6 : proto == kProtoTcp ? 16 : 0;
}

// The IPv4 pseudo-header's sum for a transport segment of l4_len bytes (RFC 768, 793).
inline uint32_t pseudo_sum(const FrameInfo& fi) {
    return (fi.src_ip >> 16) + (fi.src_ip & 0xffff) + (fi.dst_ip >> 16) + (fi.dst_ip & 0xffff) + fi.proto + fi.l4_len;
}

// A frame sent with its transport checksum blank (the field holds the pseudo-header sum, as
// Linux leaves a CHECKSUM_PARTIAL packet): fills it in. False if the frame is not IPv4 UDP/TCP
// (first fragment) or too short to hold what its headers claim.
inline bool complete_checksum(uint8_t* f, uint32_t len) {
    FrameInfo fi;
    if (!parse_frame(f, len, fi) || !fi.ports || fi.l4 + fi.l4_len > len) return false;
    uint32_t at = fi.l4 + l4_checksum_offset(fi.proto);
    uint16_t c = static_cast<uint16_t>(~fold(sum16(f + fi.l4, fi.l4_len)));
    if (fi.proto == kProtoUdp && c == 0) c = 0xffff;  // UDP's 0 means "no checksum"
    put16(f + at, c);
    return true;
}

// Puts the pseudo-header sum where a blank checksum goes (what a sender offloading does).
inline bool blank_checksum(uint8_t* f, uint32_t len) {
    FrameInfo fi;
    if (!parse_frame(f, len, fi) || !fi.ports || fi.l4 + fi.l4_len > len) return false;
    put16(f + fi.l4 + l4_checksum_offset(fi.proto), fold(pseudo_sum(fi)));
    return true;
}

// True if the transport checksum is right (UDP's 0 = none counts as right).
inline bool l4_checksum_ok(const uint8_t* f, uint32_t len) {
    FrameInfo fi;
    if (!parse_frame(f, len, fi) || !fi.ports || fi.l4 + fi.l4_len > len) return false;
    if (fi.proto == kProtoUdp && get16(f + fi.l4 + 6) == 0) return true;
    return fold(sum16(f + fi.l4, fi.l4_len, pseudo_sum(fi))) == 0xffff;
}

}  // namespace bh::netif
