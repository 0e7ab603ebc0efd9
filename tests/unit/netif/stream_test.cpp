// bh/netif/udp_stream.hpp: a source and a sink stack joined by an in-memory wire.
#include <deque>
#include <vector>

#include <catch2/catch.hpp>

#include "bh/netif/udp_stream.hpp"
#include "frames.hpp"

using namespace bh::netif;
using namespace test_frames;

namespace {
struct Link {
    std::deque<std::vector<uint8_t>> to_sink, to_source;
    uint32_t drop_every = 0, seen = 0;  // loses every Nth datagram on the way to the sink
};
Link g_link;

bool to_sink(void*, const uint8_t* f, uint32_t len, bool) {
    if (g_link.drop_every && ++g_link.seen % g_link.drop_every == 0) return true;
    g_link.to_sink.emplace_back(f, f + len);
    return true;
}
bool to_source(void*, const uint8_t* f, uint32_t len, bool) {
    g_link.to_source.emplace_back(f, f + len);
    return true;
}
}  // namespace

TEST_CASE("UdpStream.TheSinkCountsWhatArrivedAndStartsOver") {
    for (uint32_t drop : {0u, 10u}) {
        g_link = Link{};
        g_link.drop_every = drop;
        IpStack source, sink;
        source.init(StackConfig{kMacA, kIpA, 0xffffff00, kIpGw}, to_sink, nullptr);
        sink.init(StackConfig{kMacB, kIpB, 0xffffff00, kIpGw}, to_source, nullptr);
        UdpSink counter;
        uint64_t tsc = 1000;
        auto pump = [&](uint32_t, auto on_event) {
            // The sink takes what is on the wire (each arrival 10 cycles later), then the source.
            while (!g_link.to_sink.empty()) {
                auto f = g_link.to_sink.front();
                g_link.to_sink.pop_front();
                StackEvent ev = sink.input(f.data(), static_cast<uint32_t>(f.size()));
                char reply[64];
                uint32_t n = 0;
                if (ev.kind == StackEvent::kUdp && counter.on(ev, tsc += 10, 1, reply, &n))
                    sink.send_udp(ev.src_ip, ev.dport, ev.sport, reply, n);
            }
            bool done = false;
            while (!g_link.to_source.empty() && !done) {
                auto f = g_link.to_source.front();
                g_link.to_source.pop_front();
                done = on_event(source.input(f.data(), static_cast<uint32_t>(f.size())));
            }
            return done;
        };
        Mac m;
        source.resolve(kIpB, &m);  // ARP out, answered by the sink's stack
        pump(0, [](const StackEvent&) { return false; });
        REQUIRE(source.resolve(kIpB, &m));
        StreamResult r = udp_stream(source, pump, kIpB, 9000, 100, 1000);
        INFO("drop every " << drop);
        REQUIRE(r.answered);
        uint64_t arrived = drop ? 100 - 100 / drop : 100;
        CHECK(r.count == arrived);
        CHECK(r.bytes == arrived * 1000);
        CHECK(r.us == (arrived - 1) * 10);
        CHECK(r.mbit_x100() == r.bytes * 800 / r.us);
        CHECK(counter.count == 0);  // "done" started a new round
    }
}
