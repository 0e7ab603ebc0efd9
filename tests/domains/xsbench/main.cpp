// xsbench: store latency as a domain sees it, idle and while another domain floods the store.
// Role 0 (the client) times READ/WRITE round trips and reports p99s; role 1 (the flooder) sends
// giant values, over-deep paths, watches, transactions and node creation without pause whenever
// the client asks for it (idle and flooded blocks alternate), until the supervisor tells it the
// client is done. Both are store clients, linked by a peer channel.
#include <bh/rt.hpp>
#include <bh/xenbus/xs_client.hpp>

using namespace bh::rt;
using bh::xenbus::XsClient;

namespace {

constexpr bh_slot_t kPeerSlot = 9;  // the flooder's bound end of the link
constexpr uint32_t kBlocks = 4, kBlock = 500, kSamples = kBlocks * kBlock, kWarm = 100;
XsClient g_xs;
uint64_t g_idle[kSamples], g_flooded[kSamples];

[[noreturn]] void fail(const char* what, const char* detail) {
    print("xsbench: FAIL %s: %s", what, detail ? detail : "(no detail)");
    exit(1);
}

uint64_t p99(uint64_t* v, uint32_t n) {
    sort_u64(v, n);
    return v[n * 99 / 100];
}

void report(const char* name, uint64_t ns) {
    print("BH-BENCH name=%s value=%lu.%03lu unit=us", name, ns / 1000, ns % 1000);
}

// Samples n round trips (alternating WRITE and READ of the client's own nodes) into v, in ns.
void sample(uint64_t per_us, uint64_t* v, uint32_t n, bool warm) {
    char key[32] = "bench/k0", buf[32];
    for (uint32_t i = 0; i < (warm ? kWarm : 0) + n; ++i) {
        key[7] = static_cast<char>('0' + i / 2 % 8);  // each key written, then read back
        uint64_t t0 = rdtsc();
        const char* e = i % 2 ? g_xs.read(0, key, buf, sizeof buf) : g_xs.write(0, key, "value");
        uint64_t t1 = rdtsc();
        if (e) fail("request", e);
        if (!warm || i >= kWarm) *v++ = (t1 - t0) * 1000 / per_us;
    }
}

// Sorts the samples, prints their spread and gives their p99.
uint64_t summarise(const char* what, uint64_t* v, uint32_t n) {
    uint64_t r = p99(v, n);
    print("xsbench: %s p50 %lu us, p90 %lu us, p99 %lu us, max %lu us", what, v[n / 2] / 1000,
          v[n * 9 / 10] / 1000, r / 1000, v[n - 1] / 1000);
    return r;
}

// Tells the flooder to start or stop and waits until it has.
void toggle_flood(bh_port_t peer_port) {
    call(BH_CALL_EVTCHN_SEND, BH_SLOT_PEER);
    while (g_xs.wait_other() != peer_port) {
    }
}

// Idle and flooded blocks alternate, so whatever the host does to the emulator's speed meanwhile
// falls on both alike; each figure is the p99 of all its blocks' samples.
int client() {
    auto peer_port = static_cast<bh_port_t>(call(BH_CALL_EVTCHN_STATUS, BH_SLOT_PEER).r2 >> 32);
    uint64_t per_us = cycles_per_us();
    while (g_xs.wait_other() != peer_port) {
    }  // the flooder is bound
    for (uint32_t b = 0; b < 2 * kBlocks; ++b) {
        bool flooded = b % 2 == 1;
        if (flooded) toggle_flood(peer_port);  // on
        uint64_t* dst = (flooded ? g_flooded : g_idle) + b / 2 * kBlock;
        sample(per_us, dst, kBlock, b < 2);
        if (flooded) toggle_flood(peer_port);  // off
    }
    uint64_t idle = summarise("idle", g_idle, kSamples);
    uint64_t flooded = summarise("flooded", g_flooded, kSamples);
    report("xenstore_p99_us", idle);
    report("xenstore_p99_us_flooded", flooded);
    uint64_t ratio = idle ? flooded * 100 / idle : 0;
    print("BH-BENCH name=xenstore_flood_ratio value=%lu.%02lu unit=x", ratio / 100, ratio % 100);
    return 0;
}

// Waits for the client's "flood" (true) or the supervisor's "done" (false); acknowledges.
bool wait_go(bh_port_t port, bh_port_t ctl) {
    for (bh_port_t p;;) {
        p = g_xs.wait_other();
        if (p == ctl) return false;
        if (p == port) break;
    }
    call(BH_CALL_EVTCHN_SEND, kPeerSlot);
    return true;
}

// Floods while the client wants it, until the supervisor's control event says the client is
// done; counts what the store refused (quota, size and path limits) to show the flood was real.
int flooder(uint64_t arg0) {
    PeerLink l = peer_link(arg0);
    Ret b = call(BH_CALL_EVTCHN_BIND_INTERDOMAIN, kPeerSlot, l.peer, l.port);
    if (!b.ok()) fail("bind", error_name(b.err));
    auto port = static_cast<bh_port_t>(b.r1);
    auto ctl = static_cast<bh_port_t>(call(BH_CALL_EVTCHN_STATUS, BH_SLOT_CONTROL).r2 >> 32);
    call(BH_CALL_EVTCHN_SEND, kPeerSlot);
    static char giant[4001], deep[3100];
    for (uint32_t i = 0; i < sizeof giant - 1; ++i) giant[i] = 'g';
    for (uint32_t i = 0; i + 2 < sizeof deep - 1; i += 2) deep[i] = 'd', deep[i + 1] = '/';
    deep[sizeof deep - 2] = 'x';
    uint64_t sent = 0, refused = 0;
    auto done = [&] {
        print("xsbench: flooder sent %lu requests, %lu refused", sent, refused);
        return refused ? 0 : 1;
    };
    if (!wait_go(port, ctl)) return done();
    for (uint32_t i = 0;; ++i) {
        char path[24] = "n/0000000";
        for (uint32_t k = 0, v = i; k < 7; ++k, v /= 10) path[8 - k] = static_cast<char>('0' + v % 10);
        uint32_t tx = 0;
        const char* e = nullptr;
        switch (i % 5) {
        case 0: e = g_xs.write(0, "giant", giant); break;
        case 1: e = g_xs.write(0, deep, "v"); break;
        case 2: e = g_xs.watch(path, "t"); break;
        case 3: e = g_xs.transaction_start(tx); break;  // never ended
        default: e = g_xs.write(0, path, giant + 2000); break;
        }
        ++sent;
        refused += e != nullptr;
        // Between requests: "stop" from the client (then wait for the next "flood"), or "done".
        bh_port_t p = g_xs.take_other();
        if (p == 0) p = poll_event();
        if (p == ctl) return done();
        if (p == port) {
            call(BH_CALL_EVTCHN_SEND, kPeerSlot);
            if (!wait_go(port, ctl)) return done();
        }
    }
}

}  // namespace

int bh_main(uint64_t arg0, uint64_t arg1) {
    if (!g_xs.connect()) fail("connect", "no store");
    report_ready();
    return static_cast<uint32_t>(arg1) == 1 ? flooder(arg0) : client();
}
