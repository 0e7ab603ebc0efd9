// xsclient: two store clients that share a watch and collide in a transaction. Role 0 (the
// watcher) watches /test/shared, then reads a node in a transaction while role 1 (the writer)
// changes it: the commit must fail with EAGAIN and the retry succeed. Role 2 is the watcher
// again, but between setting up and committing it asks the supervisor to kill and restart the
// store: its watch and its open transaction must survive that, and so must 470 KB of nodes it
// wrote (and the removal of some of them) before. Role 3 sends the store a
// malformed message (a payload longer than 4096 bytes): only its own connection may suffer.
#include <bh/rt.hpp>
#include <bh/xenbus/xs_client.hpp>

using namespace bh::rt;
using bh::xenbus::XsClient;
using bh::xenbus::XsWatchEvent;

namespace {

constexpr bh_slot_t kPeerSlot = 9;  // the writer's bound end of the pair's channel
XsClient g_xs;

bool same(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

[[noreturn]] void fail(const char* what, const char* detail) {
    print("xsclient: FAIL %s: %s", what, detail ? detail : "(no detail)");
    exit(1);
}

void expect_ok(const char* what, const char* err) {
    if (err) fail(what, err);
}

void expect_value(const char* path, const char* want) {
    char buf[64];
    expect_ok(path, g_xs.read(0, path, buf, sizeof buf));
    if (!same(buf, want)) fail(path, buf);
}

// Waits for the peer's signal on `port`; store traffic is handled meanwhile.
void wait_peer(bh_port_t port) {
    while (g_xs.wait_other() != port) {
    }
}

void wait_watch_on(const char* path, const char* token) {
    XsWatchEvent ev;
    for (;;) {
        g_xs.wait_watch(ev);
        if (!same(ev.token, token)) fail("watch token", ev.token);
        if (same(ev.path, path)) return;
    }
}

// Bulk state for the restart: kBulk nodes of kBulkLen bytes under our home ("bulk/NNN"), each
// with its own pattern; nodes 100..199 are removed again, so the store's journal holds both
// writes and removals (and, past its compaction threshold, a compaction).
constexpr uint32_t kBulk = 260, kBulkLen = 1800;
char g_value[kBulkLen + 1];

void bulk_path(char* p, uint32_t i) {
    const char* pre = "bulk/";
    while (*pre) *p++ = *pre++;
    *p++ = static_cast<char>('0' + i / 100), *p++ = static_cast<char>('0' + i / 10 % 10);
    *p++ = static_cast<char>('0' + i % 10), *p = '\0';
}

void bulk_value(uint32_t i) {
    for (uint32_t j = 0; j < kBulkLen; ++j) g_value[j] = static_cast<char>('a' + (i * 7 + j) % 26);
    g_value[kBulkLen] = '\0';
}

bool removed(uint32_t i) { return i >= 100 && i < 200; }

void bulk_write() {
    char path[16];
    for (uint32_t i = 0; i < kBulk; ++i) {
        bulk_path(path, i);
        bulk_value(i);
        expect_ok("bulk write", g_xs.write(0, path, g_value));
    }
    for (uint32_t i = 100; i < 200; ++i) {
        bulk_path(path, i);
        expect_ok("bulk rm", g_xs.rm(0, path));
    }
    print("xsclient: wrote %u nodes of %u bytes, removed 100", kBulk, kBulkLen);
}

void bulk_check() {
    static char got[kBulkLen + 16];
    char path[16];
    for (uint32_t i = 0; i < kBulk; ++i) {
        bulk_path(path, i);
        const char* e = g_xs.read(0, path, got, sizeof got);
        if (removed(i)) {
            if (!e || !same(e, "ENOENT")) fail("a removed node came back", path);
            continue;
        }
        if (e) fail(path, e);
        bulk_value(i);
        if (!same(got, g_value)) fail("bulk node changed across the restart", path);
    }
    print("xsclient: all %u bulk nodes as written after the restart", kBulk);
}

// Kills at moments the store does not choose: we ask for a kill and go on writing at once, so
// the supervisor kills the store somewhere in the middle of serving us. Every write the store
// acknowledged, before or after any of the kills, must be there afterwards.
constexpr uint32_t kKills = 5;
uint32_t g_streamed = 0;

void stream_path(char* p, uint32_t i) {
    const char* pre = "stream/";
    while (*pre) *p++ = *pre++;
    for (uint32_t d = 10000; d; d /= 10) *p++ = static_cast<char>('0' + i / d % 10);
    *p = '\0';
}

void stream_one() {
    char path[24], val[24];
    stream_path(path, g_streamed);
    stream_path(val, g_streamed * 3 + 1);
    expect_ok("stream write", g_xs.write(0, path, val));
    ++g_streamed;
}

void kills_while_streaming(bh_port_t ctl_port) {
    for (uint32_t k = 0; k < kKills; ++k) {
        call(BH_CALL_EVTCHN_SEND, BH_SLOT_CONTROL);
        bool restarted = false;
        while (!restarted) {
            stream_one();
            for (bh_port_t p; (p = g_xs.take_other()) != 0;) restarted = restarted || p == ctl_port;
            if (poll_event() == ctl_port) restarted = true;
        }
        for (uint32_t i = 0; i < 20; ++i) stream_one();
    }
    char path[24], val[24], got[24];
    for (uint32_t i = 0; i < g_streamed; ++i) {
        stream_path(path, i);
        stream_path(val, i * 3 + 1);
        expect_ok("stream read", g_xs.read(0, path, got, sizeof got));
        if (!same(got, val)) fail("an acknowledged write was lost or changed", path);
    }
    print("xsclient: %u kills while streaming; all %u acknowledged writes intact", kKills, g_streamed);
}

int watcher(bool kill_store) {
    Ret st = call(BH_CALL_EVTCHN_STATUS, BH_SLOT_PEER);
    auto peer_port = static_cast<bh_port_t>(st.r2 >> 32);
    auto ctl_port = static_cast<bh_port_t>(call(BH_CALL_EVTCHN_STATUS, BH_SLOT_CONTROL).r2 >> 32);
    wait_peer(peer_port);  // the writer is bound
    expect_ok("watch", g_xs.watch("/test/shared", "tok"));
    wait_watch_on("/test/shared", "tok");  // fires once on registration
    print("xsclient: watch registered, initial event seen");
    call(BH_CALL_EVTCHN_SEND, BH_SLOT_PEER);  // go: write c and x
    wait_watch_on("/test/shared/x", "tok");
    expect_value("/test/shared/x", "hello");
    print("xsclient: the writer's write fired our watch");

    uint32_t tx = 0;
    char buf[64];
    expect_ok("transaction_start", g_xs.transaction_start(tx));
    expect_ok("read c in transaction", g_xs.read(tx, "/test/shared/c", buf, sizeof buf));
    if (kill_store) {
        bulk_write();
        print("xsclient: transaction %u open; asking for the store to be killed", tx);
        call(BH_CALL_EVTCHN_SEND, BH_SLOT_CONTROL);
        wait_peer(ctl_port);  // the supervisor: a new store instance is serving
        print("xsclient: store restarted");
        bulk_check();
        kills_while_streaming(ctl_port);
    }
    call(BH_CALL_EVTCHN_SEND, BH_SLOT_PEER);  // writer: change c (and x again)
    wait_peer(peer_port);
    if (kill_store) {
        wait_watch_on("/test/shared/x", "tok");
        expect_value("/test/shared/x", "again");
        print("xsclient: our watch fired after the store restart");
    }
    expect_ok("write c in transaction", g_xs.write(tx, "/test/shared/c", "watcher"));
    const char* e = g_xs.transaction_end(tx, true);
    if (!e || !same(e, "EAGAIN")) fail("conflicting commit should be EAGAIN, was", e ? e : "OK");
    print("xsclient: conflicting commit refused with EAGAIN");
    expect_ok("retry transaction_start", g_xs.transaction_start(tx));
    expect_ok("retry read", g_xs.read(tx, "/test/shared/c", buf, sizeof buf));
    if (!same(buf, "writer")) fail("retry read saw", buf);
    expect_ok("retry write", g_xs.write(tx, "/test/shared/c", "watcher"));
    expect_ok("retry commit", g_xs.transaction_end(tx, true));
    expect_value("/test/shared/c", "watcher");
    print("xsclient: retry committed");
    return 0;
}

int writer(uint64_t arg0) {
    PeerLink l = peer_link(arg0);
    Ret b = call(BH_CALL_EVTCHN_BIND_INTERDOMAIN, kPeerSlot, l.peer, l.port);
    if (!b.ok()) fail("bind to the watcher", error_name(b.err));
    auto port = static_cast<bh_port_t>(b.r1);
    call(BH_CALL_EVTCHN_SEND, kPeerSlot);  // bound
    wait_peer(port);
    expect_ok("write c", g_xs.write(0, "/test/shared/c", "0"));
    expect_ok("write x", g_xs.write(0, "/test/shared/x", "hello"));
    wait_peer(port);  // the watcher's transaction has read c
    expect_ok("write c again", g_xs.write(0, "/test/shared/c", "writer"));
    expect_ok("write x again", g_xs.write(0, "/test/shared/x", "again"));
    call(BH_CALL_EVTCHN_SEND, kPeerSlot);
    return 0;
}

// Writes a header claiming a 5000-byte payload straight into the ring, then checks that the
// store closed our connection: the next request gets no answer.
int malformed() {
    expect_ok("write before", g_xs.write(0, "/test/bad", "before"));
    bh::xs::MsgHeader h{static_cast<uint32_t>(bh::xs::MsgType::Write), 99, 0, 5000};
    auto* page = reinterpret_cast<bh::ring::XsRingPage*>(bh::xenbus::kXsRingVaddr);
    bh::ring::XsStream req = bh::ring::xs_requests(*page);
    if (req.write(&h, sizeof h).bytes != sizeof h) fail("raw write", "ring full");
    call(BH_CALL_EVTCHN_SEND, BH_SLOT_XENSTORE);
    g_xs.set_timeout_ticks(500 / BH_TICK_MS);
    constexpr bh_slot_t kTimerSlot = 10;  // something to wake us for the timeout
    if (!call(BH_CALL_EVTCHN_BIND_VIRQ, kTimerSlot, BH_VIRQ_TIMER).ok()) fail("bind", "VIRQ_TIMER");
    call(BH_CALL_SET_TIMER, 5);
    const char* e = g_xs.read(0, "/test/bad", nullptr, 0);
    call(BH_CALL_SET_TIMER, 0);
    if (!e || !same(e, "ETIMEDOUT")) fail("after a malformed message the store should be silent, got", e ? e : "OK");
    print("xsclient: malformed message sent; the store closed our connection");
    return 0;
}

}  // namespace

int bh_main(uint64_t arg0, uint64_t arg1) {
    auto role = static_cast<uint32_t>(arg1);
    if (!g_xs.connect()) fail("connect", "no store");
    // Our own directory exists and is ours: the supervisor made it before introducing us.
    char path[64];
    expect_ok("read our domid", g_xs.read(0, "domid", path, sizeof path));
    report_ready();
    if (role == 3) return malformed();
    return role == 1 ? writer(arg0) : watcher(role == 2);
}
