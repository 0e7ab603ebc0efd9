// netfuzz: a hostile netif frontend. It does the xenbus handshake properly (libs/netif), then
// writes its own requests into its transmit ring: a grant it never made, a runt, a frame too big
// without GSO, a GSO extra that was never offered, and random slots by the hundred — each must
// be answered with an error under its own id (and a good frame in between still goes through).
// Then a slot that crosses its page, which (as for xen-netback, like slots that add up to more
// than their frame) must cost it its vif, and nothing else: the prober on the same switch runs
// its own checks meanwhile. It never takes a received frame: the prober floods it first, and
// netback must drop what it cannot deliver rather than hold the prober up.
#include <bh/netif/filter.hpp>
#include <bh/netif/front.hpp>
#include <bh/rt.hpp>
#include <bh/xenbus/xs_client.hpp>
#include <bh/xenbus/xs_text.hpp>

#include "../common/ring_exchange.hpp"

using namespace bh::rt;
using namespace bh::netif;

namespace {

constexpr uint64_t kNetVa = 0x60000000;
constexpr bh_slot_t kMemSlot = 8, kPortSlot = 12;
constexpr bh_grant_ref_t kFirstRef = 16;
constexpr bh_grant_ref_t kPageRef = kFirstRef + 2;  // our first transmit buffer, granted read-only
constexpr uint64_t kPageVa = kNetVa + 2 * 4096;

bh::xenbus::XsClient g_xs;
NetFront g_front;
bh::ring::FrontRing<TxRing>* g_tx;
uint64_t g_rng = 0x2545F4914F6CDD1Dull;

uint64_t next() {
    g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
    return g_rng;
}

TxRequest slot(uint16_t id, uint32_t gref, uint16_t size, uint16_t flags = 0, uint16_t offset = 0) {
    return TxRequest{gref, offset, flags, id, size};
}

// A broadcast ARP request from our MAC and address, in our granted page (a frame that passes).
void good_frame() {
    auto* f = reinterpret_cast<uint8_t*>(kPageVa);
    __builtin_memset(f, 0, 60);
    __builtin_memset(f, 0xff, 6);
    __builtin_memcpy(f + 6, g_front.mac().b, 6);
    put16(f + 12, kEtherArp);
    put16(f + 14, 1), put16(f + 16, kEtherIpv4), f[18] = 6, f[19] = 4, put16(f + 20, 1);
    __builtin_memcpy(f + 22, g_front.mac().b, 6);
}

uint64_t backend_state() {
    uint64_t st = 0;
    bh::xenbus::read_u64(g_xs, g_front.backend_path(), "state", &st);
    return st;
}

}  // namespace

int bh_main(uint64_t, uint64_t) {
    NetFrontLayout at{kNetVa, kMemSlot, kPortSlot, kFirstRef, 1, false, true};
    if (!g_xs.connect() || !g_front.connect(g_xs, 0, at)) {
        print("netfuzz: FAIL no vif");
        return 1;
    }
    char ip[20];
    uint32_t addr = 0;
    if (!bh::xenbus::read_text(g_xs, g_front.backend_path(), "ip", ip, sizeof ip) || !parse_ipv4(ip, &addr)) {
        print("netfuzz: FAIL no address");
        return 1;
    }
    good_frame();
    put32(reinterpret_cast<uint8_t*>(kPageVa) + 28, addr);
    char mac[24];
    bh::xenbus::read_text(g_xs, g_front.backend_path(), "mac", mac, sizeof mac);
    const char* e1 = g_xs.write(0, "/test/silent-mac", mac);
    const char* e2 = e1 ? e1 : g_xs.write(0, "/test/silent", ip);  // the prober floods us: we never take a frame
    if (e2) print("netfuzz: cannot say where we are: %s", e2);
    static uint8_t ring_space[sizeof(bh::ring::FrontRing<TxRing>)];
    g_tx = new (ring_space) bh::ring::FrontRing<TxRing>(bh::ring::FrontRing<TxRing>::attach(*reinterpret_cast<TxRing*>(kNetVa)));

    // Each kind of bad frame (its slots), with the status its first slot must get.
    ExtraInfo gso{kExtraGso, 0, {}};
    TxRequest gso_slot;
    __builtin_memcpy(&gso_slot, &gso, sizeof gso);
    gso_slot.id = 77;  // whatever: an extra slot's response carries only its status
    const TxRequest bad[] = {
        slot(1, 999, 60),                               // a grant never made
        slot(2, 0xffffffff, 60),                        // far outside the table
        slot(3, kPageRef, 10),                          // shorter than an Ethernet header
        slot(4, kPageRef, 3000),                        // bigger than 1514 + a VLAN tag, no GSO
        slot(5, kPageRef, 60, kTxExtraInfo), gso_slot,  // GSO, never offered
        slot(6, kPageRef, 60),                          // a good frame between the bad ones
    };
    constexpr uint32_t kSlots = sizeof bad / sizeof bad[0];
    const int16_t want[kSlots] = {kRspError, kRspError, kRspError, kRspError, kRspError, kRspNull, kRspOkay};
    TxResponse rsp[32];
    if (!test_domains::exchange(*g_tx, kPortSlot, bad, kSlots, rsp)) {
        print("netfuzz: FAIL the backend stopped answering");
        return 1;
    }
    uint32_t right = 0;
    for (uint32_t i = 0; i < kSlots; ++i) {
        bool ok = rsp[i].status == want[i] && (want[i] == kRspNull || rsp[i].id == bad[i].id);
        if (!ok) print("netfuzz: slot %u got id %u status %d, wanted %d", i, rsp[i].id, rsp[i].status, want[i]);
        right += ok;
    }
    print("netfuzz: %u of %u slots answered with the right status (the good frame among them went through)", right,
          kSlots);

    // Random single-slot frames: sizes, offsets and grants at random (never crossing the page,
    // so each must be answered, not fatal), and ids we check.
    uint32_t sent = 0, answered = 0, wrong = 0;
    for (uint32_t batch = 0; batch < 50; ++batch) {
        TxRequest reqs[16];
        for (uint32_t i = 0; i < 16; ++i) {
            uint16_t off = static_cast<uint16_t>(next() % 4096);
            uint16_t size = static_cast<uint16_t>(next() % (4096 - off + 1));
            uint32_t gref = next() % 4 ? static_cast<uint32_t>(next()) | 0x1000 : kPageRef;
            reqs[i] = slot(static_cast<uint16_t>(batch << 4 | i), gref, size, 0, off);
        }
        if (!test_domains::exchange(*g_tx, kPortSlot, reqs, 16, rsp)) {
            print("netfuzz: FAIL the backend stopped answering random frames (batch %u)", batch);
            return 1;
        }
        for (uint32_t i = 0; i < 16; ++i) {
            ++sent;
            answered += rsp[i].id == reqs[i].id;
            wrong += rsp[i].id != reqs[i].id || (rsp[i].status != kRspOkay && rsp[i].status != kRspError);
        }
    }
    print("netfuzz: %u random frames: %u answered under their own id, %u answered wrongly", sent, answered, wrong);

    // We take no frames; the prober floods us meanwhile. Break the vif only after it is done.
    for (uint64_t t0 = call(BH_CALL_TIME).r1; call(BH_CALL_TIME).r1 - t0 < 30000 / BH_TICK_MS;) {
        uint64_t flooded = 0;
        if (bh::xenbus::read_u64(g_xs, "/test", "flooded", &flooded)) break;
        call(BH_CALL_YIELD);
    }

    // A slot crossing its page: the protocol is broken, the vif must go (and only it).
    TxRequest cross = slot(99, kPageRef, 200, 0, 4000);
    (void)g_tx->put_request(cross);
    if (g_tx->push_requests()) call(BH_CALL_EVTCHN_SEND, kPortSlot);
    call(BH_CALL_EVTCHN_SEND, kPortSlot);
    uint64_t st = 0;
    for (int i = 0; i < 200 && (st = backend_state()) != 6; ++i) call(BH_CALL_YIELD);
    print("netfuzz: after a slot that crosses its page the backend's state is %lu", st);
    bool pass = right == kSlots && answered == sent && wrong == 0 && st == 6;
    if (pass) report_ready();
    return pass ? 0 : 1;
}
