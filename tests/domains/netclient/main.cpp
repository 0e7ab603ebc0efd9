// netclient: a client domain with a virtual interface (vif/0) from netback, through Bulkhead's
// own netfront (libs/netif) and its small IPv4 stack. Its address is the one the toolstack
// gave the vif (the backend's `ip` node).
//   role 0, echo: two queues, split event channels, checksum offload. Answers ARP and pings,
//     and sends every UDP datagram back to where it came from with its checksum left blank
//     (netback fills it for the wire). Exits after answering one that says "quit".
//   role 1, prober: one queue, one event channel, no checksum offload (netback must finish
//     checksums for it). Pings the gateway (QEMU's 10.0.2.2, through the physical NIC) and the
//     echo client, has 200 UDP datagrams echoed (half sent over two slots), and checks that
//     what its vif's rules deny gets no answer, and that a frame with a forged source address
//     never reaches the echo client.
#include <bh/netif/filter.hpp>
#include <bh/netif/front.hpp>
#include <bh/netif/ip_stack.hpp>
#include <bh/rt.hpp>
#include <bh/xenbus/xs_client.hpp>
#include <bh/xenbus/xs_text.hpp>

using namespace bh::rt;
using namespace bh::netif;
using bh::xenbus::read_text;

namespace {

constexpr uint64_t kNetVa = 0x60000000;
constexpr bh_slot_t kMemSlot = 8, kPortSlot = 12, kTimerSlot = 30;
constexpr bh_grant_ref_t kFirstRef = 16;
constexpr uint32_t kGateway = 0x0a000202;  // QEMU user networking's 10.0.2.2
constexpr uint16_t kEchoPort = 7, kDeniedPort = 9;
constexpr uint32_t kRoleEcho = 0, kRoleProber = 1;

bh::xenbus::XsClient g_xs;
NetFront g_front;
IpStack g_stack;
bh_port_t g_timer = 0;
uint8_t g_frame[2048];
uint64_t g_bad_checksums = 0;
bool g_forged = false;

bool g_split = false;  // the next frame goes over two slots: headers, then the payload
bool g_forge = false;  // the next frame claims another source address

bool send_frame(void*, const uint8_t* f, uint32_t len, bool csum_blank) {
    if (g_forge) {
        static uint8_t forged[kMaxFrame];
        __builtin_memcpy(forged, f, len);
        forged[kEthHeader + 15] ^= 0x40;  // the source address's last byte
        put16(forged + kEthHeader + 10, 0);
        put16(forged + kEthHeader + 10, checksum(forged + kEthHeader, 20));
        blank_checksum(forged, len);  // a checksum right for the forged address
        if (!csum_blank) complete_checksum(forged, len);
        f = forged;
    }
    for (int tries = 0; tries < 1000; ++tries) {  // a full queue drains as the backend answers
        if (g_front.send(f, len, 0, csum_blank, g_split ? kEthHeader + 20 : 0)) return true;
        g_front.wait();
    }
    return false;
}

uint64_t ticks() { return call(BH_CALL_TIME).r1; }

void ip_text(uint32_t ip, char (&out)[16]) {
    bh::xenbus::Text t;
    t << uint64_t{ip >> 24} << "." << uint64_t{ip >> 16 & 255} << "." << uint64_t{ip >> 8 & 255} << "." << uint64_t{ip & 255};
    bh::xenbus::copy(out, sizeof out, t.s);
}

// Feeds received frames to the stack until `want` accepts an event or `ms` pass.
template <class F>
bool wait_for(uint32_t ms, F want) {
    uint64_t end = ticks() + ms / BH_TICK_MS;
    for (;;) {
        RxFrame info;
        while (g_front.receive(g_frame, sizeof g_frame, info)) {
            StackEvent ev = g_stack.input(g_frame, info.len, info.csum_blank);
            g_bad_checksums += ev.bad_checksum;
            if (want(ev)) return true;
        }
        if (ticks() >= end || g_front.broken()) return false;
        g_front.wait();  // our rings, or the timer
    }
}

bool resolve(uint32_t ip) {
    Mac m;
    for (int tries = 0; tries < 10; ++tries) {
        if (g_stack.resolve(ip, &m)) return true;
        wait_for(200, [&](const StackEvent& ev) { return ev.kind == StackEvent::kArpReply && ev.src_ip == ip; });
    }
    return false;
}

bool ping(uint32_t ip, uint16_t seq) {
    const char data[] = "bulkhead netfront ping";
    if (!resolve(ip) || !g_stack.send_ping(ip, 0xb1c0, seq, data, sizeof data)) return false;
    return wait_for(2000, [&](const StackEvent& ev) {
        return ev.kind == StackEvent::kEchoReply && ev.src_ip == ip && ev.seq == seq && ev.len == sizeof data &&
               __builtin_memcmp(ev.data, data, sizeof data) == 0;
    });
}

int echo() {
    char ip[16];
    ip_text(g_stack.config().ip, ip);
    g_xs.write(0, "/test/net/echo", ip);
    print("netclient: echo at %s, %u queues, %s event channels: answering UDP", ip, g_front.queues(),
          g_front.split_events() ? "split" : "shared");
    report_ready();
    uint64_t answered = 0;
    for (;;) {
        bool quit = false;
        wait_for(1000, [&](const StackEvent& ev) {
            if (ev.kind != StackEvent::kUdp) return false;
            quit = ev.len == 4 && __builtin_memcmp(ev.data, "quit", 4) == 0;
            if (ev.len == 6 && __builtin_memcmp(ev.data, "forged", 6) == 0) {
                g_forged = true;  // the switch let a forged source address through
                return true;
            }
            uint8_t copy[1500];
            __builtin_memcpy(copy, ev.data, ev.len);
            char from[16];
            ip_text(ev.src_ip, from);
            if (ev.src_ip == kGateway) print("netclient: %u bytes from the host (%s:%u) echoed", ev.len, from, ev.sport);
            if (g_stack.send_udp(ev.src_ip, ev.dport, ev.sport, quit ? "bye" : reinterpret_cast<char*>(copy),
                                 quit ? 3 : ev.len, true))
                ++answered;
            return quit;
        });
        if (g_forged) {
            print("netclient: FAIL a datagram with a forged source address reached us");
            return 1;
        }
        if (quit) break;
        if (g_front.broken()) {
            print("netclient: FAIL the rings broke");
            return 1;
        }
    }
    print("netclient: echo done: %lu datagrams answered, %lu with bad checksums dropped", answered, g_bad_checksums);
    return 0;
}

int prober() {
    char peer_text[16] = {};
    uint32_t peer = 0;
    for (int i = 0; i < 500 && !(read_text(g_xs, "/test/net", "echo", peer_text, sizeof peer_text) &&
                                 parse_ipv4(peer_text, &peer)); ++i)
        wait_for(20, [](const StackEvent&) { return false; });
    if (!peer) {
        print("netclient: FAIL the echo client never said where it is");
        return 1;
    }
    report_ready();
    bool ok = true;
    bool gw = ping(kGateway, 1);
    print("netclient: ping 10.0.2.2 through the physical NIC: %s", gw ? "reply" : "FAIL no reply");
    bool pe = ping(peer, 2);
    print("netclient: ping %s through netback's switch: %s", peer_text, pe ? "reply" : "FAIL no reply");
    ok = gw && pe;

    // 200 datagrams to the echo client; the odd ones go over two slots (NETTXF_more_data).
    uint32_t echoed = 0;
    for (uint32_t i = 0; i < 200 && ok; ++i) {
        uint8_t data[64 + 8];
        for (uint32_t k = 0; k < sizeof data; ++k) data[k] = static_cast<uint8_t>(i * 7 + k);
        __builtin_memcpy(data, &i, 4);
        g_split = i % 2 == 1;
        if (!g_stack.send_udp(peer, 4000, kEchoPort, data, sizeof data)) ok = false;
        g_split = false;
        bool got = wait_for(2000, [&](const StackEvent& ev) {
            return ev.kind == StackEvent::kUdp && ev.src_ip == peer && ev.sport == kEchoPort && ev.len == sizeof data &&
                   __builtin_memcmp(ev.data, data, sizeof data) == 0;
        });
        echoed += got;
    }
    print("netclient: %u of 200 UDP datagrams echoed by %s with right checksums (%lu bad)", echoed, peer_text,
          g_bad_checksums);
    ok = ok && echoed == 200 && g_bad_checksums == 0;

    // What our vif's rules deny: UDP to port 9. No answer may come.
    const char probe[] = "denied?";
    g_stack.send_udp(peer, 4001, kDeniedPort, probe, sizeof probe);
    bool leaked = wait_for(300, [&](const StackEvent& ev) { return ev.kind == StackEvent::kUdp && ev.sport == kDeniedPort; });
    print("netclient: UDP to port %u: %s", kDeniedPort, leaked ? "FAIL answered" : "no answer (denied by the vif's rule)");
    ok = ok && !leaked;

    // A frame from our MAC with someone else's source address: the switch must drop it (the
    // echo client fails if one ever reaches it; the answer would not come back to us).
    const char forged[] = "forged";
    g_forge = true;
    g_stack.send_udp(peer, 4002, kEchoPort, forged, sizeof forged - 1);
    g_forge = false;
    print("netclient: sent a datagram with a forged source address");
    return ok ? 0 : 1;
}

}  // namespace

int bh_main(uint64_t, uint64_t arg1) {
    uint32_t role = static_cast<uint32_t>(arg1);
    if (!g_xs.connect()) {
        print("netclient: FAIL no xenstore connection");
        return 1;
    }
    Ret t = call(BH_CALL_EVTCHN_BIND_VIRQ, kTimerSlot, BH_VIRQ_TIMER);
    if (t.ok()) g_timer = static_cast<bh_port_t>(t.r1), call(BH_CALL_SET_TIMER, 5);  // waits end within 10 ms
    NetFrontLayout at{kNetVa, kMemSlot, kPortSlot, kFirstRef, role == kRoleEcho ? 2u : 1u, role == kRoleEcho,
                      role == kRoleEcho};
    if (!g_front.connect(g_xs, 0, at)) {
        print("netclient: FAIL vif/0 did not connect");
        return 1;
    }
    char ip[20];
    uint32_t addr = 0;
    if (!read_text(g_xs, g_front.backend_path(), "ip", ip, sizeof ip) || !parse_ipv4(ip, &addr)) {
        print("netclient: FAIL the toolstack gave vif/0 no address");
        return 1;
    }
    const uint8_t* m = g_front.mac().b;
    print("netclient: vif/0 connected to domain %u: %02x:%02x:%02x:%02x:%02x:%02x, %s", g_front.backend(), m[0], m[1],
          m[2], m[3], m[4], m[5], ip);
    g_stack.init(StackConfig{g_front.mac(), addr, 0xffffff00, kGateway}, send_frame, nullptr);
    int rc = role == kRoleProber ? prober() : echo();
    if (rc == 0 && role == kRoleProber) print("netclient: prober done");
    return rc;
}
