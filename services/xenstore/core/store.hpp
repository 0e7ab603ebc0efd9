// Store: the xenstore server's portable core — the tree, the connections and every request.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <span>
#include <string_view>

#include "bh/ds/bytes.hpp"
#include "bh/ds/vec.hpp"
#include "core/connection.hpp"
#include "core/db.hpp"
#include "core/error.hpp"
#include "core/quota.hpp"
#include "core/tree.hpp"

namespace bh::xs {

namespace state {
class Out;
struct RecordRef;
}  // namespace state

// How much of a connection a journal delta carries (state_format.hpp): nothing (skip), or its
// CONNECTION record and — unless kept from earlier records — its watches (from first_watch on,
// appended to the kept ones) and its transactions.
struct ConnScope {
    bool skip = false;
    bool keep_watches = false;
    size_t first_watch = 0;
    bool keep_transactions = false;
};

// What a journal delta holds: the nodes whose generation is above since_gen, and of each
// connection what changed() says.
struct DeltaScope {
    uint64_t since_gen;
    ConnScope (*changed)(const Connection&, void* ctx);
    void* ctx;
};

// A domain the store has been introduced to (INTRODUCE or introduce()).
struct DomainInfo {
    uint16_t domid;
    uint64_t gfn;
    uint32_t port;
};

// How the store tells its front end about domains coming and going; the front end maps the
// ring page and binds the event channel on introduced() — also called again when a known domain
// is re-introduced with a new port (it was restarted under its id) — and drops its side on
// released().
class StoreHooks {
public:
    virtual void introduced(const DomainInfo&) {}
    virtual void released(uint16_t) {}
    // True when unprivileged requests that could make the store hold more must get ENOMEM
    // (the system front end keeps a third of its fixed heap for replaying its journal).
    virtual bool memory_low() { return false; }

protected:
    ~StoreHooks() = default;
};

// Single-threaded: the front end calls receive() for each connection with the bytes it got,
// then drains each connection's pending() output. Requests are served whole and in order per
// connection; watch events go to every watching connection's queue. One connection's
// misbehaviour (bad message, quota, flooding) only ever costs that connection.
class Store {
public:
    explicit Store(const Limits& limits = Limits{}) : limits_(limits) {}
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Creates "/", "/local", "/local/domain" and the special nodes, owned by dom0; dom0 is
    // introduced. Not needed after load().
    [[nodiscard]] bool init();
    void set_hooks(StoreHooks* hooks) { hooks_ = hooks; }
    const Limits& limits() const { return limits_; }
    Limits& limits() { return limits_; }

    // A new client; privileged ones (dom0, the socket, the supervisor) bypass permissions and
    // quotas. nullptr when out of memory.
    Connection* connect(uint16_t domid, bool privileged);
    // Forgets a connection with its watches and transactions.
    void disconnect(Connection* c);
    // Takes bytes the client sent and handles each complete message. Returns how many bytes
    // were taken: fewer than n when the client's unread replies exceed the backlog limit (the
    // front end offers the rest later) or the connection broke (c.broken(): close it).
    size_t receive(Connection& c, const uint8_t* data, size_t n);
    const ds::Vec<Connection*>& connections() const { return conns_; }
    Connection* find_connection(uint32_t id) const;

    // Domain management, also reachable by INTRODUCE / RELEASE from a privileged client.
    [[nodiscard]] XsErr introduce(uint16_t domid, uint64_t gfn, uint32_t port);
    [[nodiscard]] XsErr release(uint16_t domid);
    const DomainInfo* domain(uint16_t domid) const;
    const ds::Vec<DomainInfo>& domains() const { return domains_; }

    const Tree& tree() const { return tree_; }
    const Quota& quota() const { return quota_; }
    // What a domain holds in the store, as the memory quota counts it: its nodes, and its
    // connections' watches, transactions and queued bytes.
    uint64_t memory_of(uint16_t domid) const;
    static constexpr uint32_t kWatchOverhead = 64;
    // Checks the tree's structure and that the quota counts match it (tests, fuzzing).
    bool check() const;

    // The whole state (tree, connections with their half-received and unsent bytes, watches,
    // transactions, domains) as a versioned byte record; see state_format.hpp.
    [[nodiscard]] bool save(ds::Bytes* out) const;
    // The same into any Out; with a scope, a journal delta instead. False if out ran out.
    [[nodiscard]] bool save(state::Out& out, const DeltaScope* delta = nullptr) const;
    // A journal calls this after each record it keeps: the next delta's nodes are those
    // changed after it (Tree::touched), found without a scan of the tree.
    void journal_saved() { tree_.forget_touched(); }
    // Restores a record into a store that has not been init()ed. A malformed record is refused
    // (Inval) and leaves the store empty.
    [[nodiscard]] XsErr load(std::span<const uint8_t> in);
    // The same from records already split out (a full record's, or a journal's replayed by
    // state::replay), in record order.
    [[nodiscard]] XsErr load(std::span<const state::RecordRef> records);

private:
    struct Request {
        Connection& conn;
        const MsgHeader& hdr;
        std::string_view payload;
        Transaction* tx;
    };
    friend class StateLoader;

    void dispatch(Connection& c);
    XsErr handle(Request& r);
    [[nodiscard]] XsErr reply(Request& r, std::string_view a, std::string_view b = {},
                              std::string_view c = {});
    void send_error(Connection& c, const MsgHeader& h, XsErr e);
    Db db_for(Request& r) {
        return Db(tree_, quota_, limits_, r.tx, Caller{r.conn.domid(), r.conn.privileged()});
    }
    // Looks a request's path up with xenstored's rules: Inval for bad paths, NoEnt or Acces —
    // and Acces instead of NoEnt when the nearest ancestor would not allow `perm` either.
    XsErr lookup(Db& db, std::string_view arg, uint8_t perm, bool special, ds::Bytes* path,
                 const Node** node);
    // Announces a change: now, or at commit when made in a transaction.
    XsErr note_change(Request& r, std::string_view path, bool rm, const Perms* perms,
                      const Perms* parent_perms);
    // note_change with the parent's permissions looked up (write, mkdir, rm).
    XsErr announce(Request& r, Db& db, std::string_view path, bool rm, const Perms* perms);
    void fire(const Event& e);
    void fire_special(std::string_view name);
    void pending_fire();

    // Handlers (ops_node.cpp, ops_watch.cpp, ops_domain.cpp).
    XsErr reply_node(Request& r, bool children);
    XsErr op_read(Request& r);
    XsErr op_write(Request& r);
    XsErr op_mkdir(Request& r);
    XsErr op_rm(Request& r);
    XsErr op_directory(Request& r);
    XsErr op_directory_part(Request& r);
    XsErr op_get_perms(Request& r);
    XsErr op_set_perms(Request& r);
    XsErr op_watch(Request& r);
    XsErr op_unwatch(Request& r);
    XsErr op_reset_watches(Request& r);
    XsErr op_transaction_start(Request& r);
    XsErr op_transaction_end(Request& r);
    XsErr op_introduce(Request& r);
    XsErr op_release(Request& r);
    XsErr op_get_domain_path(Request& r);
    XsErr op_is_domain_introduced(Request& r);
    XsErr op_resume(Request& r);
    XsErr op_get_feature(Request& r);
    XsErr op_set_feature(Request& r);
    XsErr op_get_quota(Request& r);
    XsErr op_set_quota(Request& r);
    void remove_orphans(uint16_t domid);
    // Sets every tree node's charge from scratch (after init or load).
    void charge_tree();

    Limits limits_;
    Tree tree_;
    Quota quota_;
    ds::Vec<Connection*> conns_;
    ds::Vec<DomainInfo> domains_;
    ds::Vec<Event> pending_;  // changes of the request being handled, fired after its reply
    StoreHooks* hooks_ = nullptr;
    uint32_t next_conn_id_ = 1;
    uint32_t next_tx_id_ = 1;
};

}  // namespace bh::xs
