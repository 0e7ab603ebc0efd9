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
//   role 5: the prober, after flooding a client that takes nothing (netfuzz).
//   role 2, restart: keeps datagrams and pings flowing to the echo client while it has netback
//     killed 100 times at random moments (the supervisor rebuilds it under the same id); every
//     kill must be recovered, with neither client restarted. Then tells the echo client to quit.
//   role 3, sink, and role 4, source: UDP throughput (bh/netif/udp_stream.hpp), client to
//     client through netback's switch and client to the host's sink, beside netback's own.
#include <bh/netif/filter.hpp>
#include <bh/netif/front.hpp>
#include <bh/netif/ip_stack.hpp>
#include <bh/netif/udp_stream.hpp>
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
constexpr uint32_t kRoleEcho = 0, kRoleProber = 1, kRoleRestart = 2, kRoleSink = 3, kRoleSource = 4;
constexpr uint32_t kRoleProberFlood = 5;
constexpr uint16_t kSinkPort = 9000;
constexpr uint32_t kStreamDatagrams = 4000, kStreamSize = 1472;
constexpr uint32_t kKills = 100;

bh::xenbus::XsClient g_xs;
NetFront g_front;
IpStack g_stack;
bh_port_t g_timer = 0;
uint8_t g_frame[2048];
uint64_t g_bad_checksums = 0;
bool g_forged = false;
bh_port_t g_ctl_port = 0;
uint32_t g_ctl_events = 0;  // the supervisor's answers: a killed backend is back

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
        if (g_front.wait_tx(0) == g_ctl_port) ++g_ctl_events;
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
        if (g_front.wait() == g_ctl_port) ++g_ctl_events;  // else our rings, or the timer
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

// "bye" is on its way: let the backend take it before this domain (and its grants) goes.
void let_bye_go() {
    uint64_t done = g_front.tx_done(), until = ticks() + 500 / BH_TICK_MS;
    while (g_front.tx_done() == done && ticks() < until) wait_for(10, [](const StackEvent&) { return false; });
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
    let_bye_go();
    print("netclient: echo done: %lu datagrams answered, %lu with bad checksums dropped", answered, g_bad_checksums);
    return 0;
}

// Tells the echo or sink client at `peer` to quit, until it says "bye" (datagrams get lost).
bool tell_quit(uint32_t peer) {
    for (int i = 0; i < 20; ++i) {
        g_stack.send_udp(peer, 5001, kEchoPort, "quit", 4);
        if (wait_for(200, [](const StackEvent& ev) { return ev.kind == StackEvent::kUdp && ev.len == 3; })) return true;
    }
    return false;
}

// Role 5, first: 300 datagrams to a client that takes nothing (/test/silent, netfuzz).
// netback holds a frame for it a while, then drops what it cannot take; this must neither stall
// us for long nor cost the checks that follow. Tells the silent one when done (/test/flooded).
bool flood_silent() {
    char text[16] = {}, mac_text[24] = {};
    uint32_t silent = 0;
    Mac mac;
    for (int i = 0; i < 1500 && !(read_text(g_xs, "/test", "silent", text, sizeof text) && parse_ipv4(text, &silent)); ++i)
        wait_for(20, [](const StackEvent&) { return false; });
    bool got_mac = silent && read_text(g_xs, "/test", "silent-mac", mac_text, sizeof mac_text);
    if (!silent || !got_mac || !parse_mac(mac_text, &mac))
        return print("netclient: FAIL no silent client to flood ('%s', '%s')", text, mac_text), false;
    g_stack.add_neighbour(silent, mac);  // it answers no ARP
    uint8_t data[1024] = {};
    uint64_t t0 = ticks();
    for (uint32_t i = 0; i < 300; ++i) g_stack.send_udp(silent, 4003, 9999, data, sizeof data);
    // Until netback has answered every frame (delivered, or dropped after its hold).
    while (g_front.tx_free(0) < NetFront::kTxBufs && ticks() - t0 < 10000 / BH_TICK_MS)
        wait_for(10, [](const StackEvent&) { return false; });
    uint64_t ms = (ticks() - t0) * BH_TICK_MS;
    g_xs.write(0, "/test/flooded", "1");
    // Without the drop, each of the ~70 frames past its buffers would wait out its own hold.
    print("netclient: 300 datagrams to %s, which takes nothing, sent in %s", text, ms < 5000 ? "under 5 s" : "FAIL over 5 s");
    return ms < 5000;
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

// Traffic to the echo client: a window of datagrams and pings in flight, each numbered; one
// that is not answered within 200 ms counts as lost (UDP: nobody resends). With kills > 0, asks
// the supervisor to kill netback at random moments and times each outage: the kill -> the first
// answer to something sent after it (a probe datagram goes every 4 ms until one is answered,
// so the window's stale slots do not hide the recovery).
struct Traffic {
    static constexpr uint32_t kWindow = 8, kLossMs = 200;
    uint32_t peer = 0;
    uint32_t sent = 0, answered = 0, lost = 0;
    uint32_t kills_wanted = 0, asked = 0, recovered = 0;
    bool waiting = false;  // asked; nothing sent after the kill answered yet
    uint32_t acked = 0;    // kills the supervisor has answered (the backend is back)
    uint64_t kill_tsc = 0, next_at = 0, probe_at = 0;
    uint64_t outage[kKills] = {};
    static constexpr uint32_t kProbe = 1u << 31;  // a probe's seq: this bit | the kill's number
    struct Slot {
        bool busy;
        uint32_t seq, gen;
        uint64_t at;
    } slot[kWindow] = {};
    uint64_t rng = 0x9E3779B97F4A7C15ull;

    uint64_t random() {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        return rng;
    }
    bool send(Slot& s) {
        uint8_t data[64];
        for (uint32_t k = 0; k < sizeof data; ++k) data[k] = static_cast<uint8_t>(s.seq * 13 + k);
        __builtin_memcpy(data, &s.seq, 4);
        // Every fourth is a ping, the rest UDP datagrams.
        return s.seq % 4 == 3 && !(s.seq & kProbe) ? g_stack.send_ping(peer, 0x5eed, static_cast<uint16_t>(s.seq), data, sizeof data)
                              : g_stack.send_udp(peer, 5000, kEchoPort, data, sizeof data);
    }
    void recover() {
        waiting = false;
        outage[asked - 1] = rdtsc() - kill_tsc;
        ++recovered;
    }
    void answer(uint32_t seq) {
        if (seq & kProbe) {
            if (waiting && (seq & ~kProbe) == asked) recover();
            return;
        }
        for (Slot& s : slot) {
            if (!s.busy || s.seq != seq) continue;
            s.busy = false;
            ++answered;
            if (waiting && s.gen == asked) recover();  // sent after the last kill, and answered
        }
    }
    // Runs until `count` have been sent and settled.
    void run(uint32_t count) {
        uint32_t target = sent + count;
        for (;;) {
            uint64_t now = ticks();
            bool idle = true;
            for (Slot& s : slot) {
                if (s.busy && now - s.at > kLossMs / BH_TICK_MS) s.busy = false, ++lost;
                if (s.busy) {
                    idle = false;
                    continue;
                }
                if (sent == target) continue;
                s = Slot{true, sent, asked, now};
                ++sent;
                if (!send(s)) s.busy = false, ++lost;  // the address forgotten: a loss too
                idle = false;
            }
            if (idle && sent == target) return;
            if (kills_wanted && asked < kills_wanted && acked == asked && !waiting && answered >= next_at) {
                ++asked;
                waiting = true;
                kill_tsc = rdtsc();
                next_at = answered + 5 + random() % 40;  // a random moment in the stream
                call(BH_CALL_EVTCHN_SEND, BH_SLOT_CONTROL);
            }
            if (waiting && now >= probe_at) {
                Slot probe{false, kProbe | asked, asked, now};
                send(probe);
                probe_at = now + 4 / BH_TICK_MS;
            }
            uint32_t before = g_ctl_events;
            // Until an answer frees a slot (or 4 ms, for the probes and the loss clock).
            wait_for(4, [&](const StackEvent& ev) {
                bool ours = ev.src_ip == peer && ev.len == 64 &&
                            ((ev.kind == StackEvent::kUdp && ev.sport == kEchoPort) || ev.kind == StackEvent::kEchoReply);
                uint32_t seq = 0;
                if (ours) __builtin_memcpy(&seq, ev.data, 4), answer(seq);
                return ours;
            });
            acked += g_ctl_events - before;
            if (!resolve_quietly()) continue;
        }
    }
    bool resolve_quietly() {
        Mac m;
        return g_stack.resolve(peer, &m);
    }
};

int restarter() {
    char peer_text[16] = {};
    uint32_t peer = 0;
    for (int i = 0; i < 500 && !(read_text(g_xs, "/test/net", "echo", peer_text, sizeof peer_text) &&
                                 parse_ipv4(peer_text, &peer)); ++i)
        wait_for(20, [](const StackEvent&) { return false; });
    if (!peer || !resolve(peer)) {
        print("netclient: FAIL the echo client cannot be found");
        return 1;
    }
    // Ready first, and wait until the supervisor has seen it: our later control events are kills.
    report_ready();
    uint32_t seen = g_ctl_events;
    while (g_ctl_events == seen) wait_for(20, [](const StackEvent&) { return false; });
    static Traffic t;
    t.peer = peer;
    uint64_t t0 = ticks();
    t.run(2000);
    uint64_t calm_ticks = ticks() - t0;
    uint32_t calm_sent = t.sent, calm_lost = t.lost;
    t.kills_wanted = kKills;
    t.next_at = t.answered + 10;
    t0 = ticks();
    while (t.asked < kKills || t.waiting) t.run(Traffic::kWindow);
    uint64_t rough_ticks = ticks() - t0;
    uint32_t rough_sent = t.sent - calm_sent, rough_lost = t.lost - calm_lost;
    bool bye = tell_quit(peer);  // the echo client ends when told
    uint64_t per_us = cycles_per_us();
    uint32_t n = t.asked;
    for (uint32_t i = 0; i < n; ++i) t.outage[i] /= per_us;
    sort_u64(t.outage, n);
    uint64_t median = n ? t.outage[n / 2] : 0, cold = 0;
    print("netclient: %u kills of netback, %u recovered; outage (kill -> first answer) median %lu us, max %lu us",
          t.asked, t.recovered, median, n ? t.outage[n - 1] : 0);
    print("netclient: without kills %lu answers/s (%u sent, %u lost); with kills %lu answers/s (%u sent, %u lost)",
          (calm_sent - calm_lost) * uint64_t{1000} / (calm_ticks * BH_TICK_MS + 1), calm_sent, calm_lost,
          (rough_sent - rough_lost) * uint64_t{1000} / (rough_ticks * BH_TICK_MS + 1), rough_sent, rough_lost);
    print("BH-BENCH name=net_restart_recovered value=%u unit=of-%u-kills", t.recovered, t.asked);
    print("BH-BENCH name=net_restart_outage_us value=%lu unit=us", median);
    if (bh::xenbus::read_u64(g_xs, "/test/coldstart", "netback", &cold) && cold)
        print("BH-BENCH name=net_restart_outage_ratio value=%lu.%02lu unit=x-cold-start", median / cold,
              median * 100 / cold % 100);
    bool pass = t.asked == kKills && t.recovered == kKills && bye && calm_lost == 0 && !g_front.broken();
    if (!bye) print("netclient: FAIL the echo client did not say bye");
    return pass ? 0 : 1;
}

// Waits for a node under /test (another domain's word); false after ~10 s.
bool wait_node(const char* dir, const char* key, char* out, uint32_t cap) {
    for (int i = 0; i < 500; ++i) {
        if (read_text(g_xs, dir, key, out, cap)) return true;
        wait_for(20, [](const StackEvent&) { return false; });
    }
    return false;
}

int sink() {
    char ip[16];
    ip_text(g_stack.config().ip, ip);
    g_xs.write(0, "/test/net/echo", ip);
    print("netclient: sink at %s:%u", ip, kSinkPort);
    report_ready();
    static UdpSink counter;
    uint64_t per_us = cycles_per_us();
    for (bool quit = false; !quit;) {
        wait_for(1000, [&](const StackEvent& ev) {
            if (ev.kind != StackEvent::kUdp) return false;
            if (ev.dport != kSinkPort) {
                quit = ev.len == 4 && __builtin_memcmp(ev.data, "quit", 4) == 0;
                if (quit) g_stack.send_udp(ev.src_ip, ev.dport, ev.sport, "bye", 3);
                return quit;
            }
            char reply[64];
            uint32_t n = 0;
            if (counter.on(ev, rdtsc(), per_us, reply, &n)) g_stack.send_udp(ev.src_ip, kSinkPort, ev.sport, reply, n);
            return false;
        });
        if (g_front.broken()) return print("netclient: FAIL the rings broke"), 1;
    }
    let_bye_go();
    return 0;
}

// UDP throughput (role 4): to the sink client through netback's switch, and to the host's sink
// through netback's NIC, against netback's own stream to the host (the yardstick).
int source() {
    char peer_text[16], direct[64], port_text[8];
    uint32_t peer = 0;
    uint64_t port = 0, d_count = 0, d_bytes = 0, d_us = 0;
    if (!wait_node("/test/net", "echo", peer_text, sizeof peer_text) || !parse_ipv4(peer_text, &peer) ||
        !wait_node("/test", "hostport", port_text, sizeof port_text) || !bh::xenbus::parse_u64(port_text, &port) ||
        !wait_node("/test/netbench", "direct", direct, sizeof direct) || !resolve(peer)) {
        print("netclient: FAIL the sink, the host's port or netback's own figure is missing");
        return 1;
    }
    const uint8_t* p = reinterpret_cast<const uint8_t*>(direct);
    const uint8_t* end = p + __builtin_strlen(direct);
    parse_u64_word(p, end, &d_count), parse_u64_word(p, end, &d_bytes), parse_u64_word(p, end, &d_us);
    report_ready();
    auto pump = [](uint32_t ms, auto on_event) { return wait_for(ms, on_event); };
    StreamResult cc = udp_stream(g_stack, pump, peer, kSinkPort, kStreamDatagrams, kStreamSize);
    StreamResult ch = udp_stream(g_stack, pump, kGateway, static_cast<uint16_t>(port), kStreamDatagrams, kStreamSize);
    bool bye = tell_quit(peer);
    uint64_t direct_x100 = d_us ? d_bytes * 800 / d_us : 0;
    auto report = [&](const char* name, const char* what, const StreamResult& r) {
        print("netclient: %s: %lu of %u datagrams of %u bytes arrived in %lu us: %lu.%02lu Mbit/s", what, r.count,
              kStreamDatagrams, kStreamSize, r.us, r.mbit_x100() / 100, r.mbit_x100() % 100);
        print("BH-BENCH name=%s value=%lu.%02lu unit=Mbit/s", name, r.mbit_x100() / 100, r.mbit_x100() % 100);
        uint64_t ratio = direct_x100 ? r.mbit_x100() * 100 / direct_x100 : 0;
        print("BH-BENCH name=%s_ratio value=%lu.%02lu unit=x-direct", name, ratio / 100, ratio % 100);
    };
    print("BH-BENCH name=net_udp_direct_host value=%lu.%02lu unit=Mbit/s", direct_x100 / 100, direct_x100 % 100);
    report("net_udp_client_client", "client to client", cc);
    report("net_udp_client_host", "client to host", ch);
    return cc.answered && ch.answered && d_count && bye ? 0 : 1;
}

}  // namespace

int bh_main(uint64_t, uint64_t arg1) {
    uint32_t role = static_cast<uint32_t>(arg1);
    g_ctl_port = static_cast<bh_port_t>(call(BH_CALL_EVTCHN_STATUS, BH_SLOT_CONTROL).r2 >> 32);
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
    int rc = role == kRoleProberFlood ? (flood_silent() ? prober() : 1)
             : role == kRoleProber  ? prober()
             : role == kRoleRestart ? restarter()
             : role == kRoleSink    ? sink()
             : role == kRoleSource  ? source()
                                    : echo();
    if (rc == 0 && (role == kRoleProber || role == kRoleProberFlood)) print("netclient: prober done");
    return rc;
}
