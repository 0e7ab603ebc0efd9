// pingpong: two domains bounce one event-channel notification 100 000 times and count both ways.
#include <bh/rt.hpp>

using namespace bh::rt;

namespace {

constexpr uint64_t kRounds = 100000;
constexpr bh_slot_t kBoundSlot = 8;  // b's end of the link

// Side a (role 0) owns the port in BH_SLOT_PEER and receives on `port`.
int run_a(bh_domid_t peer, bh_port_t port) {
    report_ready();
    // b's "I'm bound" hello: until it arrives a send from us would be dropped. It is not counted.
    for (bh_port_t p; (p = wait_event()) != port;) print("ping: unexpected event on port %u", p);
    print("ping: peer %u bound, starting %lu round trips", peer, kRounds);

    uint64_t sent = 0, received = 0, strays = 0;
    uint64_t t0 = rdtsc();
    for (uint64_t i = 0; i < kRounds; ++i) {
        Ret r = call(BH_CALL_EVTCHN_SEND, BH_SLOT_PEER);
        if (!r.ok()) {
            print("ping: FAIL send #%lu: %s", i, error_name(r.err));
            return 1;
        }
        ++sent;
        // Only our port should fire; anything else is counted apart so it cannot pass as a reply.
        for (bh_port_t p; (p = wait_event()) != port;) ++strays;
        ++received;
    }
    uint64_t cycles = rdtsc() - t0;
    print("ping: sent %lu received %lu (expected %lu each), %lu stray events", sent, received,
          kRounds, strays);
    print("ping: %lu round trips in %lu cycles, mean %lu cycles per round trip", kRounds, cycles,
          cycles / kRounds);
    if (sent != kRounds || received != kRounds || strays != 0) {
        print("ping: FAIL counts do not match");
        return 1;
    }
    return 0;
}

// Side b (role 1) binds to a's port itself, says hello, then answers every notification.
int run_b(bh_domid_t peer, bh_port_t remote_port) {
    Ret b = call(BH_CALL_EVTCHN_BIND_INTERDOMAIN, kBoundSlot, peer, remote_port);
    if (!b.ok()) {
        print("pong: FAIL bind to %u:%u: %s", peer, remote_port, error_name(b.err));
        return 1;
    }
    bh_port_t port = static_cast<bh_port_t>(b.r1);
    report_ready();
    Ret h = call(BH_CALL_EVTCHN_SEND, kBoundSlot);  // hello: not counted
    if (!h.ok()) {
        print("pong: FAIL hello: %s", error_name(h.err));
        return 1;
    }

    uint64_t sent = 0, received = 0, strays = 0;
    while (received < kRounds) {
        if (wait_event() != port) {
            ++strays;
            continue;
        }
        ++received;
        Ret r = call(BH_CALL_EVTCHN_SEND, kBoundSlot);
        if (!r.ok()) {
            print("pong: FAIL send #%lu: %s", sent, error_name(r.err));
            return 1;
        }
        ++sent;
    }
    print("pong: received %lu sent %lu (expected %lu each), %lu stray events", received, sent,
          kRounds, strays);
    if (sent != kRounds || received != kRounds || strays != 0) {
        print("pong: FAIL counts do not match");
        return 1;
    }
    return 0;
}

}  // namespace

int bh_main(uint64_t arg0, uint64_t role) {
    auto [peer, port] = peer_link(arg0);
    if (role == 0) return run_a(peer, port);
    if (role == 1) return run_b(peer, port);
    print("pingpong: FAIL unknown role %lu", role);
    return 1;
}
