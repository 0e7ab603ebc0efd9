// Quotas: the per-domain limits and the node counts charged to each owner.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bh/ds/vec.hpp"

namespace bh::xs {

// xenstored's defaults. They bind unprivileged domains only; 0 never means "unlimited" here.
struct Limits {
    uint32_t nodes = 1000;          // nodes a domain may own
    uint32_t watches = 128;         // watches per connection
    uint32_t transactions = 10;     // open transactions per connection
    uint32_t node_size = 2048;      // bytes of one value
    uint32_t perms = 5;             // entries in one SET_PERMS
    uint32_t tx_nodes = 1024;       // nodes one transaction may touch (read or write)
    uint32_t out_backlog = 65536;   // queued reply bytes before input stops being taken
    uint32_t event_backlog = 262144;// queued bytes past which watch events are dropped
    // Bytes a domain may hold in the store: its nodes, its connections' watches, transactions
    // and queued replies (Xen's "memory" quota, XSA-326). Checked before each request that
    // could add to them, so one request can overshoot by its own size.
    uint32_t memory = 2u << 20;
};

// Invariant: count(d) is the number of tree nodes whose owner (perms[0]) is d, and bytes(d) the
// sum of their `charged`; Store keeps both exact on every create, change, remove, owner change
// and commit, and Store::check (run by the fuzz harness after every step) recounts them.
class Quota {
public:
    uint32_t count(uint16_t domid) const;
    uint64_t bytes(uint16_t domid) const;
    // Adds delta (may be negative) to domid's count; false only on allocation failure.
    [[nodiscard]] bool add(uint16_t domid, int64_t delta);
    // The same for its bytes; the entry must exist (ensure()), so this cannot fail.
    void add_bytes(uint16_t domid, int64_t delta);
    // Makes sure domid has an entry, so later add()s for it cannot fail. Entries are never
    // dropped, so this holds until clear().
    [[nodiscard]] bool ensure(uint16_t domid);
    void clear() { used_.clear(); }

private:
    struct Used {
        uint16_t domid;
        uint32_t nodes;
        uint64_t bytes;
    };
    ds::Vec<Used> used_;
};

}  // namespace bh::xs
