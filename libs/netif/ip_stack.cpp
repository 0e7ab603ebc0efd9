// IpStack (see bh/netif/ip_stack.hpp). RFC 826 (ARP), 791 (IPv4), 792 (ICMP), 768 (UDP).
#include "bh/netif/ip_stack.hpp"

namespace bh::netif {
namespace {
constexpr uint32_t kIpHeader = 20;
}

void IpStack::init(const StackConfig& c, SendFn send, void* ctx) {
    c_ = c;
    send_ = send;
    ctx_ = ctx;
    for (Arp& a : arp_) a.used = false;
}

void IpStack::remember(uint32_t ip, const Mac& mac) {
    for (Arp& a : arp_)
        if (a.used && a.ip == ip) return void(a.mac = mac);
    arp_[next_arp_] = Arp{ip, mac, true};
    next_arp_ = (next_arp_ + 1) % kArpEntries;
}

bool IpStack::send_arp(uint16_t op, const Mac& to_mac, uint32_t to_ip) {
    uint8_t* f = out_;
    __builtin_memset(f, 0, kMinFrame);
    __builtin_memcpy(f, op == 1 ? kBroadcast.b : to_mac.b, 6);
    __builtin_memcpy(f + 6, c_.mac.b, 6);
    put16(f + 12, kEtherArp);
    uint8_t* a = f + kEthHeader;
    put16(a, 1), put16(a + 2, kEtherIpv4), a[4] = 6, a[5] = 4, put16(a + 6, op);
    __builtin_memcpy(a + 8, c_.mac.b, 6), put32(a + 14, c_.ip);
    if (op == 2) __builtin_memcpy(a + 18, to_mac.b, 6);
    put32(a + 24, to_ip);
    return send_(ctx_, f, kMinFrame, false);
}

bool IpStack::resolve(uint32_t ip, Mac* out) {
    uint32_t hop = (ip & c_.netmask) == (c_.ip & c_.netmask) ? ip : c_.gateway;
    for (const Arp& a : arp_)
        if (a.used && a.ip == hop) return *out = a.mac, true;
    send_arp(1, kBroadcast, hop);
    return false;
}

uint8_t* IpStack::ip_header(const Mac& dst, uint32_t dst_ip, uint8_t proto, uint32_t payload) {
    uint8_t* f = out_;
    __builtin_memcpy(f, dst.b, 6);
    __builtin_memcpy(f + 6, c_.mac.b, 6);
    put16(f + 12, kEtherIpv4);
    uint8_t* ip = f + kEthHeader;
    __builtin_memset(ip, 0, kIpHeader);
    ip[0] = 0x45, put16(ip + 2, static_cast<uint16_t>(kIpHeader + payload)), put16(ip + 4, ip_id_++);
    ip[8] = 64, ip[9] = proto;
    put32(ip + 12, c_.ip), put32(ip + 16, dst_ip);
    put16(ip + 10, checksum(ip, kIpHeader));
    return ip + kIpHeader;
}

bool IpStack::send_udp(uint32_t dst, uint16_t sport, uint16_t dport, const void* data, uint32_t n, bool csum_blank) {
    Mac mac;
    if (kEthHeader + kIpHeader + 8 + n > kMaxFrame || !resolve(dst, &mac)) return false;
    uint8_t* u = ip_header(mac, dst, kProtoUdp, 8 + n);
    put16(u, sport), put16(u + 2, dport), put16(u + 4, static_cast<uint16_t>(8 + n)), put16(u + 6, 0);
    __builtin_memcpy(u + 8, data, n);
    uint32_t len = kEthHeader + kIpHeader + 8 + n;
    // The pseudo-header sum goes in first; completing adds the rest (or the NIC will).
    bool ok = blank_checksum(out_, len) && (csum_blank || complete_checksum(out_, len));
    if (len < kMinFrame) __builtin_memset(out_ + len, 0, kMinFrame - len), len = kMinFrame;
    return ok && send_(ctx_, out_, len, csum_blank);
}

bool IpStack::send_ping(uint32_t dst, uint16_t id, uint16_t seq, const void* data, uint32_t n) {
    Mac mac;
    if (kEthHeader + kIpHeader + 8 + n > kMaxFrame || !resolve(dst, &mac)) return false;
    uint8_t* m = ip_header(mac, dst, kProtoIcmp, 8 + n);
    m[0] = 8, m[1] = 0, put16(m + 2, 0), put16(m + 4, id), put16(m + 6, seq);
    __builtin_memcpy(m + 8, data, n);
    put16(m + 2, checksum(m, 8 + n));
    uint32_t len = kEthHeader + kIpHeader + 8 + n;
    if (len < kMinFrame) __builtin_memset(out_ + len, 0, kMinFrame - len), len = kMinFrame;
    return send_(ctx_, out_, len, false);
}

StackEvent IpStack::input(const uint8_t* f, uint32_t len, bool rx_csum_blank) {
    StackEvent ev;
    FrameInfo fi;
    if (!parse_frame(f, len, fi) || !(fi.dst == c_.mac || fi.dst == kBroadcast)) return ev;
    if (fi.ethertype == kEtherArp && fi.arp_op) {
        Mac sender = Mac::at(f + kEthHeader + 8);
        if (fi.arp_target_ip != c_.ip) return ev;
        remember(fi.arp_sender_ip, sender);
        if (fi.arp_op == 1) {
            send_arp(2, sender, fi.arp_sender_ip);
            ev.kind = StackEvent::kAnswered;
        } else {
            ev.kind = StackEvent::kArpReply;
        }
        ev.src_ip = fi.arp_sender_ip;
        return ev;
    }
    if (!fi.ipv4 || fi.dst_ip != c_.ip || fi.fragment || checksum(f + kEthHeader, fi.l4 - kEthHeader) != 0) return ev;
    const uint8_t* l4 = f + fi.l4;
    ev.src_ip = fi.src_ip;
    if (fi.proto == kProtoIcmp && fi.l4_len >= 8) {
        if (checksum(l4, fi.l4_len) != 0) return ev.bad_checksum = true, ev;
        if (l4[0] == 0) {  // echo reply
            ev.kind = StackEvent::kEchoReply;
            ev.id = get16(l4 + 4), ev.seq = get16(l4 + 6);
            ev.data = l4 + 8, ev.len = fi.l4_len - 8;
        } else if (l4[0] == 8) {  // echo request: the same data back
            Mac back = fi.src;
            uint32_t n = fi.l4_len - 8;
            if (kEthHeader + kIpHeader + 8 + n > kMaxFrame) return ev;
            remember(fi.src_ip, back);
            uint8_t* m = ip_header(back, fi.src_ip, kProtoIcmp, 8 + n);
            __builtin_memmove(m, l4, 8 + n);
            m[0] = 0, put16(m + 2, 0), put16(m + 2, checksum(m, 8 + n));
            uint32_t olen = kEthHeader + kIpHeader + 8 + n;
            if (olen < kMinFrame) __builtin_memset(out_ + olen, 0, kMinFrame - olen), olen = kMinFrame;
            send_(ctx_, out_, olen, false);
            ev.kind = StackEvent::kAnswered;
        }
        return ev;
    }
    if (fi.proto == kProtoUdp && fi.ports) {
        uint32_t ulen = get16(l4 + 4);
        if (ulen < 8 || ulen > fi.l4_len) return ev;
        if (!rx_csum_blank && !l4_checksum_ok(f, len)) return ev.bad_checksum = true, ev;
        ev.kind = StackEvent::kUdp;
        ev.sport = fi.sport, ev.dport = fi.dport;
        ev.data = l4 + 8, ev.len = ulen - 8;
    }
    return ev;
}

}  // namespace bh::netif
