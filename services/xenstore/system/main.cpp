// xenstored, in the system: the portable Store served over each domain's xenstore ring page and
// event channel. Started by the supervisor with (its domid | its port << 16, role | restarts << 32);
// a restarted instance restores the state a previous one left in the state area.
#include <new>

#include <bh/heap.hpp>
#include <bh/rt.hpp>

#include <bh/xenbus/store_state.hpp>

#include "client_link.hpp"
#include "state_area.hpp"

using namespace bh::rt;
using bh::xs::Connection;
using bh::xs::Store;

namespace {

// Our capability slots: one bound port per link from here (the state-area runs follow).
constexpr bh_slot_t kLinkSlot0 = 8;
static_assert(kLinkSlot0 + xsd::kMaxLinks <= bh::xenbus::kStoreStateSlot);
constexpr uint32_t kBudget = 4096;  // request bytes per link per round: nobody starves the rest

alignas(16) uint8_t g_arena[3u << 20];
xsd::ClientLink g_links[xsd::kMaxLinks];
xsd::StateArea* g_area;  // placed in bh_main: services have no atexit for destructors
bool g_too_big = false;  // the last save did not fit

xsd::ClientLink* add_link(uint16_t domid, uint32_t port, bool privileged) {
    for (uint32_t i = 0; i < xsd::kMaxLinks; ++i) {
        if (g_links[i].in_use()) continue;
        g_links[i].init(domid, port, privileged, static_cast<bh_slot_t>(kLinkSlot0 + i));
        return &g_links[i];
    }
    print("xenstored: no room for a link to domain %u", domid);
    return nullptr;
}

xsd::ClientLink* link_of(uint16_t domid) {
    for (xsd::ClientLink& l : g_links)
        if (l.in_use() && l.domid() == domid) return &l;
    return nullptr;
}

Connection* conn_of(Store& s, uint16_t domid) {
    for (Connection* c : s.connections())
        if (c->domid() == domid) return c;
    return nullptr;
}

// Domains come and go through INTRODUCE / RELEASE from the supervisor. A re-introduction (the
// domain was restarted under its id) gets a fresh link and connection: the new instance knows
// nothing of the old one's watches or transactions.
class Hooks final : public bh::xs::StoreHooks {
public:
    explicit Hooks(Store& s) : store_(s) {}
    void introduced(const bh::xs::DomainInfo& d) override {
        released(d.domid);
        xsd::ClientLink* l = add_link(d.domid, d.port, false);
        if (!l || !l->bind()) {
            if (l) l->close();
            return;
        }
        if (!store_.connect(d.domid, false)) print("xenstored: out of memory for domain %u", d.domid);
    }
    bool memory_low() override { return heap().bytes_free() < heap().bytes_total() / 3; }
    void released(uint16_t domid) override {
        if (xsd::ClientLink* l = link_of(domid)) l->close();
        if (Connection* c = conn_of(store_, domid); c && !c->privileged()) store_.disconnect(c);
    }

private:
    Store& store_;
};

bool save_state(Store& s) {
    xsd::LinkRecord recs[xsd::kMaxLinks];
    uint32_t n = 0;
    for (xsd::ClientLink& l : g_links)
        if (l.in_use()) recs[n++] = l.record();
    if (!g_area->save(s, {recs, n})) {
        // Unreachable while the state fits the heap (store_state.hpp); said once if it happens.
        if (!g_too_big)
            print("xenstored: the state outgrew a %lu-byte region; a restart would start empty",
                  g_area->region_bytes());
        g_too_big = true;
        return false;
    }
    g_too_big = false;
    return true;
}

bool restore(Store& s) {
    xsd::LinkRecord links[xsd::kMaxLinks];
    uint32_t n = 0;
    if (!g_area->load(s, links, &n)) {
        print("xenstored: no valid saved state; starting empty");
        return false;
    }
    for (uint32_t i = 0; i < n; ++i) {
        const xsd::LinkRecord& r = links[i];
        xsd::ClientLink* l = add_link(r.domid, r.port, r.privileged != 0);
        if (!l || !l->bind()) continue;
        l->restore_indexes(r.req_cons, r.rsp_prod);
    }
    print("xenstored: restored %lu nodes, %lu connections, %lu links", s.tree().size(),
          s.connections().size(), n);
    return true;
}

// Serves every link until none moves a byte, then saves, then publishes and notifies.
void serve_round(Store& s) {
    bool any = false;
    for (bool progress = true; progress;) {
        progress = false;
        for (xsd::ClientLink& l : g_links) {
            if (!l.in_use()) continue;
            Connection* c = conn_of(s, l.domid());
            if (c && l.serve(s, *c, kBudget)) progress = any = true;
        }
    }
    // A connection that sent a malformed message or broke its ring is closed: that domain
    // alone loses the store (as with xenstored), everyone else carries on.
    for (xsd::ClientLink& l : g_links) {
        Connection* c = l.in_use() ? conn_of(s, l.domid()) : nullptr;
        if (!c || !c->broken() || c->privileged()) continue;
        print("xenstored: domain %u sent a malformed message; its connection is closed", l.domid());
        s.disconnect(c);
        l.close();
        any = true;
    }
    if (!any) return;
    save_state(s);
    for (xsd::ClientLink& l : g_links)
        if (l.in_use()) l.publish();
}

}  // namespace

int bh_main(uint64_t arg0, uint64_t arg1) {
    heap().init(g_arena, sizeof g_arena);
    PeerLink sup = peer_link(arg0);
    // Placed, never destroyed: a service has no atexit machinery.
    alignas(xsd::StateArea) static uint8_t area_space[sizeof(xsd::StateArea)];
    g_area = new (area_space) xsd::StateArea;
    alignas(Store) static uint8_t store_space[sizeof(Store)];
    // The heap is fixed (3 MiB): each domain may hold 512 KiB, and past two thirds in use only
    // the privileged may add (Hooks::memory_low), so a restart always has room to replay.
    bh::xs::Limits limits;
    limits.memory = 512 * 1024;
    Store& store = *new (store_space) Store(limits);
    Hooks hooks(store);
    if (!g_area->map(bh::xenbus::kStoreStateSlot, bh::xenbus::kStoreStateRuns, bh::xenbus::kStoreStateRunPages))
        return 1;
    bool restored = (arg1 >> 32) != 0 && restore(store);
    if (!restored) {
        if (!store.init()) {
            print("xenstored: out of memory at init");
            return 1;
        }
        xsd::ClientLink* l = add_link(sup.peer, sup.port, true);
        if (!l || !l->bind() || !store.connect(sup.peer, true)) return 1;
        save_state(store);
    }
    store.set_hooks(&hooks);
    print("xenstored: serving (%s)", restored ? "restored" : "fresh");
    report_ready();
    for (;;) {
        serve_round(store);
        wait_event();
    }
}
