// Connection: one client's byte streams — an incremental request parser and a reply queue.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <span>
#include <string_view>

#include "bh/ds/bytes.hpp"
#include "bh/ds/vec.hpp"
#include "core/event.hpp"
#include "core/transaction.hpp"
#include "core/wire.hpp"

namespace bh::xs {

// Input: absorb() takes bytes in chunks of any size (one byte at a time works) and stops right
// after a complete message, which the store then handles before more is taken. A header with
// len > kPayloadMax breaks the connection: the front end must close it, nothing else is hurt.
// Output: whole messages are appended to one queue; the front end copies out any prefix of
// pending() and calls consume(), so a ring with little room resumes mid-message later.
// Invariants: in_used_ <= sizeof(MsgHeader) + header len; out_off_ <= out_.size().
class Connection {
public:
    Connection(uint32_t id, uint16_t domid, bool privileged)
        : id_(id), domid_(domid), privileged_(privileged) {}
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    uint32_t id() const { return id_; }
    uint16_t domid() const { return domid_; }
    bool privileged() const { return privileged_; }
    bool broken() const { return broken_; }
    void set_broken() {
        broken_ = true;
        changes_++;
    }
    // Grows with every change to what a state record holds for this connection (bytes in or
    // out, watches, transactions, flags), so a journal can skip the unchanged ones. Watches and
    // transactions change only while the connection's own requests are handled, which absorb()
    // has already counted.
    uint64_t changes() const { return changes_; }
    // Finer counts for journal deltas (subsets of changes()): watch_rewrites() grows when a
    // watch may have been removed (adding one only appends to watches()); tx_changes() when
    // any transaction may have changed. The store counts every request that can do either,
    // before handling it.
    uint64_t watch_rewrites() const { return watch_rewrites_; }
    uint64_t tx_changes() const { return tx_changes_; }
    void note_watch_rewrite() {
        watch_rewrites_++;
        changes_++;
    }
    void note_tx_change() {
        tx_changes_++;
        changes_++;
    }

    // Input side.
    size_t absorb(const uint8_t* data, size_t n);
    bool message_ready() const;
    const MsgHeader& header() const { return hdr_; }
    std::string_view payload() const;
    void message_done() { in_used_ = 0; }
    // The bytes of a message not yet complete (header and payload so far), for state save.
    std::span<const uint8_t> partial_input() const { return {in_, in_used_}; }

    // Output side.
    std::span<const uint8_t> pending() const;
    size_t pending_size() const { return out_.size() - out_off_; }
    void consume(size_t n);
    // Queues one message; false (nothing queued) if it does not fit in memory.
    [[nodiscard]] bool queue(MsgType type, uint32_t req_id, uint32_t tx_id,
                             std::string_view a, std::string_view b = {},
                             std::string_view c = {}, std::string_view d = {});
    // Queues raw bytes (state restore of a half-sent queue).
    [[nodiscard]] bool queue_raw(std::span<const uint8_t> bytes);
    uint64_t dropped_events() const { return dropped_events_; }
    void count_dropped_event() {
        dropped_events_++;
        changes_++;
    }
    void set_dropped_events(uint64_t n) { dropped_events_ = n; }

    // Watches and transactions this connection owns.
    ds::Vec<Watch>& watches() { return watches_; }
    const ds::Vec<Watch>& watches() const { return watches_; }
    ds::Vec<Transaction*>& transactions() { return txs_; }
    const ds::Vec<Transaction*>& transactions() const { return txs_; }
    Transaction* find_transaction(uint32_t id) const;
    void end_transaction(Transaction* t);
    void clear_watches_and_transactions();

private:
    uint32_t id_;
    uint16_t domid_;
    bool privileged_;
    bool broken_ = false;

    MsgHeader hdr_{};
    uint8_t in_[sizeof(MsgHeader) + kPayloadMax];
    size_t in_used_ = 0;

    ds::Bytes out_;
    size_t out_off_ = 0;
    uint64_t dropped_events_ = 0;
    uint64_t changes_ = 0;
    uint64_t watch_rewrites_ = 0, tx_changes_ = 0;

    ds::Vec<Watch> watches_;
    ds::Vec<Transaction*> txs_;
};

}  // namespace bh::xs
