// L2Switch (see bh/netif/l2switch.hpp).
#include "bh/netif/l2switch.hpp"

namespace bh::netif {

void L2Switch::set_port(uint32_t port, const PortConfig& c) {
    if (port >= kMaxPorts) return;
    ports_[port] = c;
    present_ |= 1u << port;
}

void L2Switch::remove_port(uint32_t port) {
    if (port >= kMaxPorts) return;
    present_ &= ~(1u << port);
    for (Entry& e : table_)
        if (e.used && e.port == port) e.used = false;
}

uint32_t L2Switch::slot(const Mac& mac) const {
    uint32_t h = 2166136261u;  // FNV-1a
    for (uint8_t b : mac.b) h = (h ^ b) * 16777619u;
    return h % kTable;
}

int L2Switch::pinned_port(const Mac& mac) const {
    for (uint32_t p = 0; p < kMaxPorts; ++p)
        if ((present_ >> p & 1) && ports_[p].guarded && ports_[p].mac == mac) return static_cast<int>(p);
    return -1;
}

void L2Switch::learn(const Mac& mac, uint32_t port, uint64_t now) {
    if (mac.multicast()) return;
    uint32_t h = slot(mac);
    // Linear probing over a short window; a full window evicts its oldest entry.
    uint32_t victim = h;
    for (uint32_t k = 0; k < 8; ++k) {
        Entry& e = table_[(h + k) % kTable];
        if (!e.used || e.mac == mac) {
            e = Entry{mac, static_cast<uint8_t>(port), true, now};
            return;
        }
        if (e.seen < table_[victim].seen) victim = (h + k) % kTable;
    }
    table_[victim] = Entry{mac, static_cast<uint8_t>(port), true, now};
}

int L2Switch::lookup(const Mac& mac, uint64_t now) const {
    int pinned = pinned_port(mac);
    if (pinned >= 0) return pinned;
    uint32_t h = slot(mac);
    for (uint32_t k = 0; k < 8; ++k) {
        const Entry& e = table_[(h + k) % kTable];
        if (e.used && e.mac == mac) return now - e.seen <= max_age_ && (present_ >> e.port & 1) ? e.port : -1;
    }
    return -1;
}

uint32_t L2Switch::route(uint32_t in, const uint8_t* f, uint32_t len, uint64_t now) {
    FrameInfo fi;
    if (in >= kMaxPorts || !(present_ >> in & 1) || !parse_frame(f, len, fi)) {
        ++counters_.runts;
        return 0;
    }
    const PortConfig& src = ports_[in];
    if (src.guarded) {
        bool ip_ok = !src.has_ip || (fi.ethertype == kEtherArp ? fi.arp_op != 0 && (fi.arp_sender_ip == src.ip || fi.arp_sender_ip == 0)
                                                                : !fi.ipv4 || fi.src_ip == src.ip);
        // A vif with an address speaks IPv4 and ARP from it (an ARP probe's 0.0.0.0 too);
        // nothing else (DHCP is not served here: the toolstack gives addresses).
        if (src.has_ip && fi.ethertype != kEtherArp && fi.ethertype != kEtherIpv4) ip_ok = false;
        if (!(fi.src == src.mac) || !ip_ok) {
            ++counters_.spoofed;
            return 0;
        }
    }
    if (!src.rules.allows(Rule::kIn, fi)) {
        ++counters_.filtered;
        return 0;
    }
    // Learn from the sender, unless its source is another port's pinned MAC.
    int pinned = pinned_port(fi.src);
    if (pinned < 0 || pinned == static_cast<int>(in)) learn(fi.src, in, now);
    else return ++counters_.spoofed, 0;

    uint32_t out = 0;
    int to = fi.dst.multicast() ? -1 : lookup(fi.dst, now);
    if (to >= 0) {
        if (static_cast<uint32_t>(to) == in) return 0;  // already where it is going
        out = 1u << to;
        ++counters_.forwarded;
    } else {
        out = present_ & ~(1u << in);
        ++counters_.flooded;
    }
    for (uint32_t p = 0; p < kMaxPorts; ++p) {
        if (!(out >> p & 1)) continue;
        // A unicast for a vif's pinned MAC goes nowhere else; a flood reaches a guarded
        // port only if it is broadcast/multicast or for its MAC (no eavesdropping on floods).
        bool for_it = fi.dst.multicast() || !ports_[p].guarded || ports_[p].mac == fi.dst;
        if (!for_it || !ports_[p].rules.allows(Rule::kOut, fi)) {
            if (for_it) ++counters_.filtered;
            out &= ~(1u << p);
        }
    }
    return out;
}

}  // namespace bh::netif
