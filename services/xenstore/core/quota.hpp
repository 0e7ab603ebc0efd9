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
};

// Invariant: count(d) is the number of tree nodes whose owner (perms[0]) is d; Store keeps it
// exact on every create, remove, owner change and commit, and the fuzz harness checks it.
class Quota {
public:
    uint32_t count(uint16_t domid) const;
    // Adds delta (may be negative) to domid's count; false only on allocation failure.
    [[nodiscard]] bool add(uint16_t domid, int64_t delta);
    // Makes sure domid has an entry, so later add()s for it cannot fail. Entries are never
    // dropped, so this holds until clear().
    [[nodiscard]] bool ensure(uint16_t domid);
    void clear() { used_.clear(); }

private:
    struct Used {
        uint16_t domid;
        uint32_t nodes;
    };
    ds::Vec<Used> used_;
};

}  // namespace bh::xs
