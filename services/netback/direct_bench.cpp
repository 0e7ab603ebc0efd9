// direct_bench (see direct_bench.hpp).
#include "direct_bench.hpp"

#include <bh/netif/ip_stack.hpp>
#include <bh/netif/udp_stream.hpp>
#include <bh/rt.hpp>
#include <bh/xenbus/xs_text.hpp>

using namespace bh::rt;
using namespace bh::netif;

namespace netback {
namespace {

constexpr uint32_t kOurIp = 0x0a00020f, kHost = 0x0a000202;  // QEMU's guest default, gateway
bh::virtio::VirtioNet* g_bench_nic = nullptr;
uint8_t g_rx[2048];

bool nic_send(void*, const uint8_t* f, uint32_t len, bool) {
    // The NIC's 64 transmit buffers drain as QEMU sends; wait for one rather than drop.
    for (int i = 0; i < 100000; ++i) {
        if (g_bench_nic->send(f, len)) return true;
        call(BH_CALL_YIELD);
    }
    return false;
}

}  // namespace

void direct_bench(bh::xenbus::XsClient& xs, bh::virtio::VirtioNet& nic) {
    uint64_t port = 0;
    if (!bh::xenbus::read_u64(xs, "/test", "hostport", &port) || port == 0 || port > 0xffff) {
        print("netback: no /test/hostport: no direct benchmark");
        return;
    }
    g_bench_nic = &nic;
    static IpStack st;
    Mac mac;
    __builtin_memcpy(mac.b, nic.mac(), 6);
    st.init(StackConfig{mac, kOurIp, 0xffffff00, kHost}, nic_send, nullptr);
    auto pump = [&](uint32_t ms, auto on_event) {
        uint64_t end = call(BH_CALL_TIME).r1 + ms / BH_TICK_MS;
        do {
            while (uint32_t n = nic.receive(g_rx, sizeof g_rx))
                if (on_event(st.input(g_rx, n))) return true;
            call(BH_CALL_YIELD);
        } while (call(BH_CALL_TIME).r1 < end);
        return false;
    };
    Mac gw;
    for (int i = 0; i < 20 && !st.resolve(kHost, &gw); ++i)
        pump(50, [](const StackEvent& ev) { return ev.kind == StackEvent::kArpReply; });
    StreamResult r = udp_stream(st, pump, kHost, static_cast<uint16_t>(port), kBenchDatagrams, kBenchSize);
    bh::xenbus::Text v;
    v << (r.answered ? r.count : 0) << " " << r.bytes << " " << r.us;
    xs.write(0, "/test/netbench/direct", v.s);
    print("netback: direct to the host: %lu of %u datagrams of %u bytes in %lu us (%lu.%02lu Mbit/s)", r.count,
          kBenchDatagrams, kBenchSize, r.us, r.mbit_x100() / 100, r.mbit_x100() % 100);
}

}  // namespace netback
