// The control endpoint (see control.hpp). Framing is Cap'n Proto's stream framing, so a request's
// length is known from its segment table. The line has no connections to close: a malformed or
// oversized request is answered with an error and everything buffered is dropped, and a partial
// request left by a CLI that gave up is dropped after a quiet second; either way the next request
// the CLI sends starts clean.
#include "control.hpp"

#include "children.hpp"
#include "control.bh.hpp"
#include "control_ops.hpp"
#include "uart.hpp"

using namespace bh::rt;
namespace c = bh::control;

namespace sup {
namespace {

constexpr bh_slot_t kDevSlot = 8, kIrqSlot = 9, kIrqPortSlot = 10;
constexpr uint32_t kMaxRequest = 8192;

constinit Uart g_uart{kDevSlot, 0x2f8};
bool g_ready = false;
alignas(8) uint8_t g_rx[kMaxRequest];
uint32_t g_rx_len = 0;
uint64_t g_last_rx = 0;  // kernel tick of the last byte received
// A partial request older than this is dropped when new bytes come: the CLI that sent it gave
// up (timed out or was killed), and the line has no connection close to tell us.
constexpr uint64_t kQuietTicks = 1000 / BH_TICK_MS;
// After a bad request the rest of its burst is dropped too, until the line is quiet this long:
// resuming mid-garbage would misread its tail as the start of a request.
constexpr uint64_t kBurstTicks = 50 / BH_TICK_MS;
bool g_discarding = false;
alignas(8) uint8_t g_msg[kMaxRequest];
alignas(8) uint8_t g_reply[16384];

void send_reply(bh::wire::Builder& b) {
    std::span<const uint8_t> out;
    if (b.finish(out) != bh::wire::Error::None) return;
    g_uart.write(out.data(), static_cast<uint32_t>(out.size()));
}

void send_error(uint32_t id, const char* text) {
    bh::wire::Builder b({g_reply, sizeof g_reply});
    auto r = b.init_root<c::Reply>();
    r.setId(id);
    r.setError(text);
    send_reply(b);
}

// Handles one complete framed request in g_msg[0, n). Returns true for shutdown.
bool handle(uint32_t n) {
    static bh::wire::Message msg;
    c::Request::Reader req;
    bh::wire::Error e = msg.open({g_msg, n});
    if (e == bh::wire::Error::None) e = msg.root(req);
    if (e != bh::wire::Error::None) {
        send_error(0, bh::wire::describe(e));
        return false;
    }
    bh::wire::Builder b({g_reply, sizeof g_reply});
    auto reply = b.init_root<c::Reply>();
    reply.setId(req.getId());
    bool quit = answer(req, reply);
    if (b.error() == bh::wire::Error::BufferTooSmall) {
        send_error(req.getId(), "reply too large");
        return quit;
    }
    send_reply(b);
    return quit;
}

}  // namespace

bh_port_t control_init() {
    Ret d = call(BH_CALL_MACHINE_DEVICE_CAP, BH_SLOT_MACHINE, 0x2f8, 8, kDevSlot);
    Ret q = d.ok() ? call(BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, 3, kIrqSlot) : d;
    Ret p = q.ok() ? call(BH_CALL_EVTCHN_BIND_IRQ, kIrqSlot, kIrqPortSlot) : q;
    if (!p.ok()) {
        print("supervisor: no control channel (COM2): %s", error_name(p.err));
        return 0;
    }
    if (!g_uart.init()) {
        print("supervisor: no control channel: no UART answers at COM2");
        return 0;
    }
    g_ready = true;
    return static_cast<bh_port_t>(p.r1);
}

// Answers the first complete request in g_rx, if there is one. False when nothing (more) can be
// done until further bytes arrive; `quit` is set by a shutdown request.
static bool process_one(bool& quit) {
    if (g_rx_len == 0) return false;
    size_t need = 0;
    bh::wire::Error e = bh::wire::Message::frame_size({g_rx, g_rx_len}, need);
    if (e == bh::wire::Error::Truncated && g_rx_len < kMaxRequest) return false;
    if (e == bh::wire::Error::None && need > kMaxRequest) e = bh::wire::Error::Truncated;
    if (e != bh::wire::Error::None) {
        send_error(0, e == bh::wire::Error::Truncated ? "request too large" : bh::wire::describe(e));
        g_rx_len = 0;  // resync: drop whatever was buffered (the CLI skips replies not its own)
        g_discarding = true;
        return false;
    }
    if (need > g_rx_len) return false;
    __builtin_memcpy(g_msg, g_rx, need);  // aligned and stable while it is read
    __builtin_memmove(g_rx, g_rx + need, g_rx_len - need);
    g_rx_len -= static_cast<uint32_t>(need);
    quit = handle(static_cast<uint32_t>(need)) || quit;
    return true;
}

bool control_input() {
    if (!g_ready) return false;
    bool quit = false;
    for (;;) {
        uint64_t now = call(BH_CALL_TIME).r1;
        if (now - g_last_rx > kQuietTicks) g_rx_len = 0;  // a new burst: a partial one is stale
        if (now - g_last_rx > kBurstTicks) g_discarding = false;
        uint32_t got = g_uart.read(g_rx + g_rx_len, kMaxRequest - g_rx_len);
        if (got) g_last_rx = now;
        if (g_discarding) {
            if (!got) break;
            continue;
        }
        g_rx_len += got;
        while (process_one(quit)) {
        }
        if (!got) break;
    }
    call(BH_CALL_IRQ_ACK, kIrqSlot);
    return quit;
}

}  // namespace sup
