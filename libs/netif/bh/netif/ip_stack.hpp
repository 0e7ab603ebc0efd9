// Just enough of an IPv4 stack for a client domain: ARP (answering for our address, asking and
// caching others'), ICMP echo (answering, and pinging), and UDP datagrams. One frame in, at most
// one frame out per call; no fragments, no options, no routing beyond one gateway.
#pragma once

#include <stdint.h>

#include "bh/netif/frame.hpp"

namespace bh::netif {

struct StackConfig {
    Mac mac;
    uint32_t ip = 0, netmask = 0xffffff00, gateway = 0;
};

// What an incoming frame was, for the caller.
struct StackEvent {
    enum Kind : uint8_t { kNone, kUdp, kEchoReply, kArpReply, kAnswered };
    Kind kind = kNone;
    uint32_t src_ip = 0;
    uint16_t sport = 0, dport = 0;   // UDP
    uint16_t id = 0, seq = 0;        // ICMP echo reply
    const uint8_t* data = nullptr;   // UDP payload or echo data, inside the frame given
    uint32_t len = 0;
    bool bad_checksum = false;       // the frame was dropped for it
};

class IpStack {
public:
    // send: hands one frame to the NIC; csum_blank asks it to fill the transport checksum.
    using SendFn = bool (*)(void* ctx, const uint8_t* frame, uint32_t len, bool csum_blank);
    static constexpr uint32_t kArpEntries = 16;

    void init(const StackConfig& c, SendFn send, void* ctx);
    const StackConfig& config() const { return c_; }

    // One received frame: ARP and echo requests are answered here; the rest is reported.
    // rx_csum_blank: the backend says the transport checksum was left for us to trust
    // (NETRXF_csum_blank: it was never computed, the data is known good).
    StackEvent input(const uint8_t* f, uint32_t len, bool rx_csum_blank = false);

    // The MAC for ip (or for the gateway, off the subnet), if known; otherwise asks (ARP) and
    // returns false: try again after the reply.
    bool resolve(uint32_t ip, Mac* out);
    // A neighbour known without asking (`ip neigh add`): for peers that answer no ARP.
    void add_neighbour(uint32_t ip, const Mac& mac) { remember(ip, mac); }
    bool send_udp(uint32_t dst, uint16_t sport, uint16_t dport, const void* data, uint32_t n,
                  bool csum_blank = false);
    bool send_ping(uint32_t dst, uint16_t id, uint16_t seq, const void* data, uint32_t n);

private:
    bool send_arp(uint16_t op, const Mac& to_mac, uint32_t to_ip);
    uint8_t* ip_header(const Mac& dst, uint32_t dst_ip, uint8_t proto, uint32_t payload);
    void remember(uint32_t ip, const Mac& mac);

    StackConfig c_{};
    SendFn send_ = nullptr;
    void* ctx_ = nullptr;
    struct Arp {
        uint32_t ip;
        Mac mac;
        bool used;
    } arp_[kArpEntries] = {};
    uint32_t next_arp_ = 0;
    uint16_t ip_id_ = 1;
    uint8_t out_[kMaxFrame];
};

}  // namespace bh::netif
