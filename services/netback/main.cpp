// netback: a network driver domain. It drives the virtio-net NIC the supervisor gave it (its
// PCI function, behind the IOMMU) and serves Xen virtual interfaces to the frontends the
// manifest names: Linux's xen-netfront, or Bulkhead's own (libs/netif). The NIC and the vifs
// are the ports of a learning L2 switch (bh/netif/l2switch.hpp) that also applies each vif's
// anti-spoofing guard and filter rules. The toolstack (the supervisor) has written each vif's
// two xenstore directories; we watch backend/vif and take each through the xenbus handshake.
#include <bh/netif/frame.hpp>
#include <bh/netif/l2switch.hpp>
#include <bh/rt.hpp>
#include <bh/xenbus/backend_dirs.hpp>
#include <bh/xenbus/xs_client.hpp>
#include <bh/xenbus/xs_text.hpp>
#include <virtio_net.hpp>

#include "direct_bench.hpp"
#include "vif.hpp"

using namespace bh::rt;
using namespace bh::xenbus;
using netback::direct_bench;

namespace {

constexpr uint64_t kConfigVa = 0x60000000, kBarVa = 0x61000000, kDmaVa = 0x68000000;
constexpr bh_slot_t kDmaSlot = 8, kNicPortSlot = 9, kTimerSlot = 10;
constexpr uint64_t kHoldTick = 10 / BH_TICK_MS;  // while a frame is held: look again this often
constexpr uint32_t kUplink = 0, kRoleBench = 2;
constexpr uint64_t kMacAgeTicks = 300000 / BH_TICK_MS;  // learnt MACs lapse after 5 minutes

XsClient g_xs;
bh::virtio::VirtioNet g_nic;
bool g_have_nic = false;
netback::Vif g_vif[netback::kMaxVifs];
uint32_t g_nvif = 0;
bh::netif::L2Switch g_switch(kMacAgeTicks);
char g_base[64];
alignas(4096) uint8_t g_frame[2048];

uint64_t now() { return call(BH_CALL_TIME).r1; }

netback::Vif* vif_at(uint32_t port) {
    for (uint32_t v = 0; v < g_nvif; ++v)
        if (g_vif[v].switch_port() == port) return &g_vif[v];
    return nullptr;
}

// The switch's verdict for one frame, carried out. A frame for one vif whose backlog is full
// is refused (false) for its sender to hold; a flood goes where there is room.
bool deliver(uint32_t in, const netback::Frame& f) {
    uint32_t out = g_switch.route(in, f.data, f.len, now());
    if (out && !(out & (out - 1)) && in != kUplink) {
        netback::Vif* to = vif_at(static_cast<uint32_t>(__builtin_ctz(out)));
        if (to && !to->has_room(f)) return false;
    }
    for (uint32_t p = 0; out; ++p, out >>= 1) {
        if (!(out & 1)) continue;
        if (p == kUplink) {
            if (!g_have_nic) continue;
            // The wire wants finished checksums (we offer the NIC no offloads). A full transmit
            // queue drops the frame, as a NIC does.
            const uint8_t* data = f.data;
            if (f.csum_blank) {
                static uint8_t copy[2048];
                __builtin_memcpy(copy, f.data, f.len);
                bh::netif::complete_checksum(copy, f.len);
                data = copy;
            }
            (void)g_nic.send(data, f.len);
            continue;
        }
        if (netback::Vif* to = vif_at(p)) to->enqueue(f);
    }
    return true;
}

void flush_all() {
    for (uint32_t v = 0; v < g_nvif; ++v) g_vif[v].flush_rx();
}

// New vifs under backend/vif/<fe>/<devid>: set each up once.
void scan() {
    for_each_backend_device(g_xs, g_base, 0xffff, [](uint16_t fe, uint64_t devid) {
        bool known = false;
        for (uint32_t v = 0; v < g_nvif; ++v) known = known || (g_vif[v].frontend() == fe && g_vif[v].devid() == devid);
        if (known || g_nvif == netback::kMaxVifs) return;
        netback::Vif& vif = g_vif[g_nvif];
        if (vif.init(g_nvif, fe, static_cast<uint32_t>(devid), g_xs)) {
            g_switch.set_port(vif.switch_port(), vif.port_config());
            ++g_nvif;
            vif.on_store(g_xs);
            vif.serve(deliver);  // re-attached: frames may be waiting already
        }
    });
}

void store_events() {
    XsWatchEvent ev;
    while (g_xs.next_watch(ev)) {
        if (text_is(ev.token, "vif")) scan();
        for (uint32_t v = 0; v < g_nvif; ++v)
            if (g_vif[v].watches(ev.path)) g_vif[v].on_store(g_xs);
    }
}

void drain_nic() {
    while (uint32_t n = g_nic.receive(g_frame, sizeof g_frame)) deliver(kUplink, netback::Frame{g_frame, n, false, false});
}

}  // namespace

int bh_main(uint64_t, uint64_t arg1) {
    if (!g_xs.connect()) {
        print("netback: no xenstore connection");
        return 1;
    }
    g_have_nic = g_nic.open(bh::virtio::NetLayout{kConfigVa, kBarVa, kDmaVa, kDmaSlot, kNicPortSlot});
    if (!g_have_nic) {
        print("netback: no NIC");
        return 1;
    }
    const uint8_t* mac = g_nic.mac();
    print("netback: uplink virtio NIC %02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    g_switch.set_port(kUplink, bh::netif::PortConfig{});
    if (static_cast<uint32_t>(arg1) == kRoleBench) direct_bench(g_xs, g_nic);  // before any vif: alone on the NIC
    Text base;
    base << "/local/domain/" << uint64_t{self_id()} << "/backend/vif";
    copy(g_base, sizeof g_base, base.s);
    if (const char* e = g_xs.watch(g_base, "vif")) {
        print("netback: cannot watch %s: %s", g_base, e);
        return 1;
    }
    report_ready();
    uint32_t more = 0;  // vifs that stopped with frames still to take
    // A held frame is looked at again on every event; the timer makes sure there is one.
    Ret timer = call(BH_CALL_EVTCHN_BIND_VIRQ, kTimerSlot, BH_VIRQ_TIMER);
    bh_port_t timer_port = timer.ok() ? static_cast<bh_port_t>(timer.r1) : 0;
    bool ticking = false;
    for (;;) {
        store_events();
        bh_port_t p = g_xs.take_other();
        if (!p) p = more ? poll_event() : wait_event();
        if (p == g_xs.port()) continue;  // store traffic: handled at the top
        if (p == g_nic.port()) drain_nic();
        for (uint32_t v = 0; v < g_nvif; ++v)
            if ((p && g_vif[v].owns_port(p)) || (more >> v & 1))
                more = g_vif[v].serve(deliver) ? more | 1u << v : more & ~(1u << v);
        // Receive buffers were filled, so a sender holding a frame for want of room tries again;
        // what it then sends fills backlogs that the next flush empties: until nothing moves.
        // (Stopping after a flush would leave a sender holding with the backlog it waits for
        // already empty and nobody left to send us an event.)
        for (bool moved = true; moved;) {
            flush_all();
            moved = false;
            for (uint32_t v = 0; v < g_nvif; ++v) {
                if (!g_vif[v].holding()) continue;
                uint64_t before = g_vif[v].counters().tx_frames + g_vif[v].counters().tx_dropped;
                more = g_vif[v].serve(deliver) ? more | 1u << v : more;
                moved = moved || g_vif[v].counters().tx_frames + g_vif[v].counters().tx_dropped != before;
            }
        }
        bool holding = false;
        for (uint32_t v = 0; v < g_nvif; ++v) holding = holding || g_vif[v].holding();
        if (timer_port && holding != ticking) {
            call(BH_CALL_SET_TIMER, holding ? kHoldTick : 0);
            ticking = holding;
        }
        for (uint32_t v = 0; v < g_nvif; ++v) {
            netback::Vif& vif = g_vif[v];
            if (vif.broken_by_frontend()) {
                vif.close(g_xs);
                g_switch.remove_port(vif.switch_port());
            } else if (vif.connected() && !g_switch.has_port(vif.switch_port())) {
                g_switch.set_port(vif.switch_port(), vif.port_config());  // it came back
            }
        }
    }
}
