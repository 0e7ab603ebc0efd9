// Store: connections, message dispatch, replies and watch delivery.
#include "core/store.hpp"

#include "bh/ds/alloc.hpp"
#include "core/path.hpp"

namespace bh::xs {

namespace {

// Per-type rules, as xenstored's wire table: privileged-only, and whether tx_id is ignored.
struct TypeRule {
    bool known;
    bool privileged;
    bool no_tx;
    uint8_t touches;  // kRemovesWatches | kChangesTx: what of the caller's own it may change
    bool grows;       // may make the store hold more (refused when memory is low)
};

constexpr uint8_t kRemovesWatches = 1, kChangesTx = 2;

TypeRule rule_for(uint32_t type) {
    switch (static_cast<MsgType>(type)) {
    case MsgType::Directory:
    case MsgType::Read:
    case MsgType::GetPerms:
    case MsgType::GetDomainPath:
    case MsgType::Rm:
    case MsgType::DirectoryPart:
    case MsgType::GetFeature: return {true, false, false, 0, false};
    case MsgType::Write:
    case MsgType::Mkdir:
    case MsgType::SetPerms: return {true, false, false, 0, true};
    case MsgType::TransactionEnd: return {true, false, false, kChangesTx, false};
    case MsgType::ResetWatches: return {true, false, false, kRemovesWatches | kChangesTx, false};
    case MsgType::TransactionStart: return {true, false, false, kChangesTx, true};
    case MsgType::Unwatch: return {true, false, true, kRemovesWatches, false};
    case MsgType::Watch: return {true, false, true, 0, true};  // appends
    case MsgType::Introduce:
    case MsgType::Release:
    case MsgType::IsDomainIntroduced:
    case MsgType::Resume:
    case MsgType::SetFeature:
    case MsgType::GetQuota:
    case MsgType::SetQuota: return {true, true, false, 0, false};
    default: return {false, false, false, 0, false};  // incl. CONTROL, SET_TARGET, WATCH_EVENT, ERROR
    }
}

Node* new_node(std::string_view path, Perm owner, uint64_t gen) {
    Node* n = ds::make<Node>();
    if (n == nullptr) return nullptr;
    if (!n->path.assign(path) || !n->perms.push_back(owner)) {
        ds::destroy(n);
        return nullptr;
    }
    n->gen = gen;
    return n;
}

}  // namespace

Store::~Store() {
    for (Connection* c : conns_) ds::destroy(c);
}

void Store::charge_tree() {
    for (size_t i = 0; i < tree_.size(); i++) {
        Node* n = tree_.at(i);
        quota_.add_bytes(n->owner(), int64_t{n->footprint()} - int64_t{n->charged});
        n->charged = n->footprint();
    }
}

uint64_t Store::memory_of(uint16_t domid) const {
    uint64_t b = quota_.bytes(domid);
    for (const Connection* c : conns_) {
        if (c->domid() != domid) continue;
        b += c->pending_size();  // (a half-read request is at most one message: not counted)
        for (const Watch& w : c->watches()) b += kWatchOverhead + w.path.size() + w.token.size();
        for (const Transaction* t : c->transactions()) b += t->bytes();
    }
    return b;
}

bool Store::init() {
    static constexpr std::string_view kPaths[] = {"/", "/local", "/local/domain",
                                                  "@introduceDomain", "@releaseDomain"};
    for (std::string_view p : kPaths) {
        Node* n = new_node(p, Perm{0, 0}, tree_.next_gen());
        if (n == nullptr || !tree_.insert(n) || !quota_.add(0, 1)) {
            ds::destroy(n);
            return false;
        }
    }
    if (!tree_.find("/")->add_child("local") || !tree_.find("/local")->add_child("domain"))
        return false;
    charge_tree();
    return domains_.push_back(DomainInfo{0, 0, 0});
}

Connection* Store::connect(uint16_t domid, bool privileged) {
    Connection* c = ds::make<Connection>(next_conn_id_, domid, privileged);
    if (c == nullptr) return nullptr;
    if (!conns_.push_back(c)) {
        ds::destroy(c);
        return nullptr;
    }
    next_conn_id_++;
    return c;
}

void Store::disconnect(Connection* c) {
    for (size_t i = 0; i < conns_.size(); i++) {
        if (conns_[i] == c) {
            conns_.erase(i);
            ds::destroy(c);
            return;
        }
    }
}

Connection* Store::find_connection(uint32_t id) const {
    for (Connection* c : conns_)
        if (c->id() == id) return c;
    return nullptr;
}

size_t Store::receive(Connection& c, const uint8_t* data, size_t n) {
    size_t used = 0;
    while (used < n && !c.broken()) {
        // Back-pressure: a client that does not read its replies stops being served; it can
        // only ever fill its own queue.
        if (c.pending_size() > limits_.out_backlog) break;
        used += c.absorb(data + used, n - used);
        if (c.message_ready()) {
            dispatch(c);
            c.message_done();
        }
    }
    return used;
}

void Store::dispatch(Connection& c) {
    MsgHeader h = c.header();
    Request r{c, h, c.payload(), nullptr};
    TypeRule rule = rule_for(h.type);
    XsErr e = XsErr::Ok;
    if (!rule.known) {
        e = XsErr::NoSys;
    } else if (rule.privileged && !c.privileged()) {
        e = XsErr::Acces;
    } else if (!rule.no_tx && h.tx_id != 0) {
        r.tx = c.find_transaction(h.tx_id);
        if (r.tx == nullptr) e = XsErr::NoEnt;
    }
    // A domain at its memory quota, or any once the front end's memory runs low (the rest is
    // what a restarted store needs to replay its journal), may not add to the store; requests
    // that read or free still work. The privileged are never refused.
    // Any request in a transaction may grow it, except the one that ends it.
    bool grows = rule.grows || (r.tx != nullptr && h.type != static_cast<uint32_t>(MsgType::TransactionEnd));
    if (e == XsErr::Ok && grows && !c.privileged() &&
        (memory_of(c.domid()) >= limits_.memory || (hooks_ != nullptr && hooks_->memory_low())))
        e = XsErr::NoMem;
    if (e == XsErr::Ok) {
        if (rule.touches & kRemovesWatches) c.note_watch_rewrite();
        if (r.tx != nullptr || (rule.touches & kChangesTx)) c.note_tx_change();
        e = handle(r);
    }
    if (e != XsErr::Ok) {
        pending_.clear();  // a failed request announces nothing
        send_error(c, h, e);
        return;
    }
    pending_fire();
}

XsErr Store::handle(Request& r) {
    switch (static_cast<MsgType>(r.hdr.type)) {
    case MsgType::Read: return op_read(r);
    case MsgType::Write: return op_write(r);
    case MsgType::Mkdir: return op_mkdir(r);
    case MsgType::Rm: return op_rm(r);
    case MsgType::Directory: return op_directory(r);
    case MsgType::DirectoryPart: return op_directory_part(r);
    case MsgType::GetPerms: return op_get_perms(r);
    case MsgType::SetPerms: return op_set_perms(r);
    case MsgType::Watch: return op_watch(r);
    case MsgType::Unwatch: return op_unwatch(r);
    case MsgType::ResetWatches: return op_reset_watches(r);
    case MsgType::TransactionStart: return op_transaction_start(r);
    case MsgType::TransactionEnd: return op_transaction_end(r);
    case MsgType::Introduce: return op_introduce(r);
    case MsgType::Release: return op_release(r);
    case MsgType::GetDomainPath: return op_get_domain_path(r);
    case MsgType::IsDomainIntroduced: return op_is_domain_introduced(r);
    case MsgType::Resume: return op_resume(r);
    case MsgType::GetFeature: return op_get_feature(r);
    case MsgType::SetFeature: return op_set_feature(r);
    case MsgType::GetQuota: return op_get_quota(r);
    case MsgType::SetQuota: return op_set_quota(r);
    default: return XsErr::NoSys;
    }
}

XsErr Store::reply(Request& r, std::string_view a, std::string_view b, std::string_view c) {
    if (a.size() + b.size() + c.size() > kPayloadMax) return XsErr::TooBig;
    if (!r.conn.queue(static_cast<MsgType>(r.hdr.type), r.hdr.req_id, r.hdr.tx_id, a, b, c))
        return XsErr::NoMem;
    return XsErr::Ok;
}

void Store::send_error(Connection& c, const MsgHeader& h, XsErr e) {
    std::string_view name = error_name(e);
    // If not even an error fits, the client would wait forever: cut it off instead.
    if (!c.queue(MsgType::Error, h.req_id, h.tx_id, name, std::string_view("\0", 1)))
        c.set_broken();
}

XsErr Store::lookup(Db& db, std::string_view arg, uint8_t perm, bool special, ds::Bytes* path,
                    const Node** node) {
    size_t prefix = 0;
    XsErr e = canonical_path(arg, db.caller().domid, special, path, &prefix);
    if (e != XsErr::Ok) return e;
    const Node* n = nullptr;
    e = db.get(path->view(), &n);
    if (e != XsErr::Ok) return e;
    *node = n;
    if (n != nullptr &&
        (access_for(n->perms, db.caller().domid, db.caller().privileged) & perm) == perm)
        return XsErr::Ok;
    e = n != nullptr ? XsErr::Acces : XsErr::NoEnt;
    // Do not reveal what exists where the caller may not look (xenstored's errno_from_parents).
    const Perms* up = nullptr;
    XsErr ue = db.ancestor_perms(path->view(), &up);
    if (ue != XsErr::Ok) return ue;
    if (up != nullptr && (access_for(*up, db.caller().domid, db.caller().privileged) & perm) == 0)
        return XsErr::Acces;
    return e;
}

XsErr Store::note_change(Request& r, std::string_view path, bool rm, const Perms* perms,
                         const Perms* parent_perms) {
    Event ev;
    ev.rm = rm;
    if (!ev.path.assign(path) || (perms != nullptr && !ev.perms.copy_from(*perms)) ||
        (parent_perms != nullptr && !ev.parent_perms.copy_from(*parent_perms)))
        return XsErr::NoMem;
    ds::Vec<Event>& list = r.tx != nullptr ? r.tx->events() : pending_;
    if (!list.push_back(static_cast<Event&&>(ev))) return XsErr::NoMem;
    return XsErr::Ok;
}

void Store::pending_fire() {
    for (const Event& e : pending_) fire(e);
    pending_.clear();
}

void Store::fire(const Event& e) {
    for (Connection* c : conns_) {
        if (c->broken() || !event_visible(e, c->domid(), c->privileged())) continue;
        for (const Watch& w : c->watches()) {
            std::string_view epath;
            if (!watch_fires(w, e, &epath)) continue;
            // A domain that does not read its ring loses events rather than the store's memory.
            if (!c->privileged() && c->pending_size() > limits_.event_backlog) {
                c->count_dropped_event();
                continue;
            }
            epath.remove_prefix(w.prefix_len <= epath.size() ? w.prefix_len : 0);
            std::string_view nul("\0", 1);
            if (!c->queue(MsgType::WatchEvent, 0, 0, epath, nul, w.token.view(), nul))
                c->count_dropped_event();
        }
    }
}

void Store::fire_special(std::string_view name) {
    const Node* n = tree_.find(name);
    Event e;
    if (!e.path.assign(name) || (n != nullptr && !e.perms.copy_from(n->perms))) return;
    fire(e);
}

bool Store::check() const {
    if (!tree_.check()) return false;
    // Recount owners from scratch and compare with the running counts.
    Quota fresh;
    for (size_t i = 0; i < tree_.size(); i++)
        if (!fresh.add(tree_.at(i)->owner(), 1)) return false;
    for (size_t i = 0; i < tree_.size(); i++) {
        const Node* n = tree_.at(i);
        if (n->charged != n->footprint()) return false;
        fresh.add_bytes(n->owner(), n->charged);
    }
    for (size_t i = 0; i < tree_.size(); i++) {
        uint16_t d = tree_.at(i)->owner();
        if (fresh.count(d) != quota_.count(d) || fresh.bytes(d) != quota_.bytes(d)) return false;
    }
    for (const Connection* c : conns_)
        for (const Transaction* t : c->transactions())
            if (t->bytes() != t->count_bytes()) return false;
    for (const DomainInfo& d : domains_)
        if (fresh.count(d.domid) != quota_.count(d.domid)) return false;
    for (const Connection* c : conns_)
        if (fresh.count(c->domid()) != quota_.count(c->domid())) return false;
    return true;
}

}  // namespace bh::xs
