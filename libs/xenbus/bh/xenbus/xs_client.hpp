// A native service's xenstore client: its ring page (granted to the store as entry 1, as Xen's
// GNTTAB_RESERVED_XENSTORE), the event channel in BH_SLOT_XENSTORE, and synchronous requests.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bulkhead/abi.h>

#include "bh/ring/xs_ring_page.hpp"
#include "core/wire.hpp"

namespace bh::xenbus {

// Below 2^44: a v1 grant entry names the page by a 32-bit frame number (vaddr >> 12).
inline constexpr uint64_t kXsRingVaddr = 0x70000000;
inline constexpr bh_slot_t kXsRingFrameSlot = 56;  // the ring frame's cap, kept for the client's life

struct XsWatchEvent {
    char path[256];
    char token[64];
};

// One outstanding request at a time (Linux's xenbus does the same per transaction). Replies and
// watch events share the response stream; events that arrive while waiting are queued (up to
// kMaxQueued, then the oldest are dropped and counted: xenstore allows spurious and coalesced
// events but a client must re-read state anyway). Error returns are the store's errno names
// ("ENOENT", "EAGAIN", ...), or "EIO" when the ring broke, "E2BIG" when arguments do not fit.
class XsClient {
public:
    static constexpr unsigned kMaxQueued = 16;

    // Allocates and grants the ring page and finds our port. The store must be told about us
    // (INTRODUCE) by whoever holds the privileged connection; false if any step failed.
    bool connect();
    bh_port_t port() const { return port_; }
    // Requests give up with "ETIMEDOUT" after this many kernel ticks without a reply (0: wait
    // for ever, Linux's behaviour). Only a caller that gets periodic events (a timer) is woken to
    // notice; a reply that comes later is recognised as stale and dropped.
    void set_timeout_ticks(uint64_t ticks) { timeout_ = ticks; }
    bh_domid_t store_domid() const { return store_; }

    const char* read(uint32_t tx, const char* path, char* out, size_t cap, size_t* len = nullptr);
    const char* write(uint32_t tx, const char* path, const char* value);
    const char* mkdir(uint32_t tx, const char* path);
    const char* rm(uint32_t tx, const char* path);
    // Children, NUL-separated, as the store sends them.
    const char* directory(uint32_t tx, const char* path, char* out, size_t cap, size_t* len);
    // perms: Xen's strings, e.g. {"n1", "r2"} (owner first).
    const char* set_perms(uint32_t tx, const char* path, const char* const* perms, unsigned n);
    const char* watch(const char* path, const char* token);
    const char* unwatch(const char* path, const char* token);
    const char* transaction_start(uint32_t& tx);
    const char* transaction_end(uint32_t tx, bool commit);
    // Any request: `args` concatenated with a NUL after each (the value of WRITE has none: pass
    // it as `tail`). The reply payload goes to out.
    const char* request(xs::MsgType type, uint32_t tx, const char* const* args, unsigned nargs,
                        const char* tail, size_t tail_len, char* out, size_t cap, size_t* len);

    // A queued watch event, if any (never blocks).
    bool next_watch(XsWatchEvent& ev);
    // Blocks until a watch event arrives.
    void wait_watch(XsWatchEvent& ev);
    // Blocks until some other port fires (store traffic is handled meanwhile); ports that fired
    // while the client waited for replies come first.
    bh_port_t wait_other();
    // A port that fired while the client waited, if any (never blocks): callers with their own
    // event loop drain these first, or those events are lost to them.
    bh_port_t take_other();
    uint32_t dropped_events() const { return dropped_; }

private:
    bool send(const void* data, size_t len);
    bool timed_out() const;
    // Moves response bytes in and handles complete messages; false if the ring broke.
    bool pump();
    void deliver();
    void remember(bh_port_t p);
    bh_port_t wait_any();

    ring::XsRingPage* page_ = nullptr;
    bh_port_t port_ = 0;
    bh_domid_t store_ = 0;
    uint32_t next_req_ = 1, want_req_ = 0;
    bool got_reply_ = false, broken_ = false;
    uint32_t reply_type_ = 0;
    char err_[32] = {};
    char* reply_out_ = nullptr;
    size_t reply_cap_ = 0, reply_len_ = 0;
    uint8_t in_[sizeof(xs::MsgHeader) + xs::kPayloadMax + 1];
    size_t in_len_ = 0;
    XsWatchEvent queue_[kMaxQueued];
    unsigned q_head_ = 0, q_count_ = 0;
    uint32_t dropped_ = 0;
    uint64_t timeout_ = 0, started_ = 0;
    uint64_t others_[1024 / 64] = {};
};

}  // namespace bh::xenbus
