// ClientLink: the store's side of one domain's connection — the domain's ring page (its grant
// entry 1, mapped here), the interdomain event channel, and the ring indexes this store has
// planned but not yet published (published only after the state that accounts for them is saved,
// so a store killed at any instant restarts with ring and state agreeing).
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

#include "bh/ring/xs_ring_page.hpp"
#include "core/store.hpp"

namespace xsd {

struct LinkRecord {  // what the persistent state area keeps per link
    uint16_t domid;
    uint16_t privileged;
    uint32_t port;  // in the client's event table
    uint32_t req_cons, rsp_prod;
};

class ClientLink {
public:
    // slot: where the bound port's cap lives in our space; it also picks the ring's address.
    void init(uint16_t domid, uint32_t remote_port, bool privileged, bh_slot_t slot);
    // Binds our end of the channel (the client's port must be unbound for us).
    bool bind();
    // Maps the ring if not yet done (the client grants it when it first connects, so this is
    // retried on every event until it works); with `adopt`, planned indexes come from the page.
    bool ensure_mapped();
    // Moves up to `budget` request bytes into the store and as many reply bytes as fit back,
    // into planned indexes only. True if anything moved. A broken ring marks the connection.
    bool serve(bh::xs::Store& store, bh::xs::Connection& conn, uint32_t budget);
    // Publishes planned indexes to the page and signals the client if they changed.
    void publish();
    // Drops the mapping and our port (the domain was released or is being re-introduced).
    void close();

    LinkRecord record() const { return {domid_, privileged_, remote_port_, req_cons_, rsp_prod_}; }
    void restore_indexes(uint32_t req_cons, uint32_t rsp_prod);
    uint16_t domid() const { return domid_; }
    bool privileged() const { return privileged_; }
    bh_port_t local_port() const { return local_port_; }
    bool in_use() const { return used_; }

private:
    bh::ring::XsRingPage* page() const;

    uint16_t domid_ = 0, privileged_ = 0;
    uint32_t remote_port_ = 0;
    bh_slot_t slot_ = 0;
    bh_port_t local_port_ = 0;
    uint64_t map_handle_ = 0;
    bool used_ = false, mapped_ = false, have_plan_ = false, dirty_ = false;
    uint32_t req_cons_ = 0, rsp_prod_ = 0;
};

}  // namespace xsd
