// Store::load: rebuilds a store from a state record, trusting nothing in it.
#include "bh/ds/alloc.hpp"
#include "core/path.hpp"
#include "core/state_format.hpp"
#include "core/state_replay.hpp"
#include "core/store.hpp"

namespace bh::xs {

using state::Reader;
using state::Rec;
using state::RecordRef;

namespace {

using state::kMaxPerms;
static_assert(kMaxPerms >= kPayloadMax / 3 + 1, "a SET_PERMS list must always reload");

bool absolute_path(std::string_view p) {
    ds::Bytes canon;
    size_t prefix = 0;
    return canonical_path(p, 0, true, &canon, &prefix) == XsErr::Ok && prefix == 0 &&
           canon == p;
}

bool valid_children(std::string_view list) {
    if (list.empty()) return true;
    if (list.back() != '\0') return false;
    size_t start = 0;
    for (size_t i = 0; i < list.size(); i++) {
        if (list[i] != '\0') {
            char c = list[i];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '@';
            if (!ok) return false;
            continue;
        }
        if (i == start) return false;  // empty name
        start = i + 1;
    }
    return true;
}

bool read_perms(Reader& r, uint16_t n, Perms* out) {
    if (n > kMaxPerms || !out->reserve(n)) return false;
    for (uint16_t i = 0; i < n; i++) {
        uint8_t bits = r.u8();
        (void)r.u8();
        uint16_t domid = r.u16();
        if (bits > 3) return false;
        (void)out->push_back(Perm{domid, bits});
    }
    return r.ok();
}

}  // namespace

// Reads records into a Store, validating each field and every cross-reference.
class StateLoader {
public:
    explicit StateLoader(Store& s) : s_(s) {}

    XsErr run(std::span<const RecordRef> records) {
        uint32_t phase = 0;
        for (const RecordRef& rec : records) {
            auto type = static_cast<uint32_t>(rec.type);
            uint32_t rank = type >= 6 ? 6 : type;
            if (type == 0 || type > 8 || rank < phase || (phase == 0 && type != 1) ||
                (phase == 1 && type == 1))
                return XsErr::Inval;
            phase = rank;
            Reader body(rec.body, rec.len);
            if (!record(rec.type, body) || body.left() != 0) return XsErr::Inval;
        }
        return finish() ? XsErr::Ok : XsErr::Inval;
    }

private:
    bool record(Rec type, Reader& r) {
        switch (type) {
        case Rec::Global: return global(r);
        case Rec::Domain: return domain(r);
        case Rec::Node: return node(r);
        case Rec::Connection: return connection(r);
        case Rec::Watch: return watch(r);
        case Rec::Transaction: return transaction(r);
        case Rec::TxNode: return tx_node(r);
        case Rec::TxEvent: return tx_event(r);
        case Rec::End:
        case Rec::Live: return false;
        }
        return false;
    }

    bool global(Reader& r) {
        gen_ = r.u64();
        s_.tree_.set_gen(gen_);
        s_.next_conn_id_ = r.u32();
        s_.next_tx_id_ = r.u32();
        uint32_t* f[9] = {&s_.limits_.nodes,    &s_.limits_.watches,   &s_.limits_.transactions,
                          &s_.limits_.node_size, &s_.limits_.perms,    &s_.limits_.tx_nodes,
                          &s_.limits_.out_backlog, &s_.limits_.event_backlog, &s_.limits_.memory};
        for (uint32_t* p : f) *p = r.u32();
        return r.ok();
    }

    bool domain(Reader& r) {
        DomainInfo d{};
        d.domid = r.u16();
        (void)r.u16();
        d.port = r.u32();
        d.gfn = r.u64();
        return r.ok() && s_.domain(d.domid) == nullptr && s_.domains_.push_back(d);
    }

    // A NODE body; nullptr if anything in it is out of range. A transaction's copy of a node
    // it created has no generation yet (0).
    Node* node_body(Reader& r, bool in_tx) {
        uint64_t gen = r.u64();
        uint32_t value_len = r.u32(), children_len = r.u32();
        uint16_t path_len = r.u16(), nperms = r.u16();
        (void)r.u32();
        Node* n = ds::make<Node>();
        if (n == nullptr) return nullptr;
        n->gen = gen;
        std::string_view path, value, children;
        bool ok = r.ok() && (gen != 0 || in_tx) && gen <= gen_ && nperms >= 1 && value_len <= kPayloadMax &&
                  read_perms(r, nperms, &n->perms);
        if (ok) {
            path = r.str(path_len);
            value = r.str(value_len);
            children = r.str(children_len);
            ok = r.ok() && absolute_path(path) && valid_children(children) &&
                 (path[0] != '@' || children.empty()) && n->path.assign(path) &&
                 n->value.assign(value) && n->children.assign(children);
        }
        if (!ok) {
            ds::destroy(n);
            return nullptr;
        }
        return n;
    }

    bool node(Reader& r) {
        Node* n = node_body(r, false);
        if (n == nullptr) return false;
        size_t size = s_.tree_.size();
        if ((size > 0 && !(s_.tree_.at(size - 1)->path.view() < n->path.view())) ||
            !s_.tree_.insert(n)) {
            ds::destroy(n);
            return false;
        }
        return true;
    }

    bool connection(Reader& r) {
        uint32_t id = r.u32();
        uint16_t domid = r.u16(), flags = r.u16();
        uint32_t in_len = r.u32(), out_len = r.u32();
        uint64_t dropped = r.u64();
        std::string_view in = r.str(in_len), out = r.str(out_len);
        if (!r.ok() || id == 0 || id >= s_.next_conn_id_ || s_.find_connection(id) != nullptr ||
            in_len > sizeof(MsgHeader) + kPayloadMax)
            return false;
        Connection* c = ds::make<Connection>(id, domid, (flags & state::kConnPrivileged) != 0);
        if (c == nullptr) return false;
        if (!s_.conns_.push_back(c)) {
            ds::destroy(c);
            return false;
        }
        c->set_dropped_events(dropped);
        const uint8_t* ip = reinterpret_cast<const uint8_t*>(in.data());
        // The half-received message goes back through the parser, which re-checks it.
        if (c->absorb(ip, in.size()) != in.size() || c->message_ready() ||
            (c->broken() && !(flags & state::kConnBroken)))
            return false;
        if (flags & state::kConnBroken) c->set_broken();  // after the parser had its bytes
        return c->queue_raw({reinterpret_cast<const uint8_t*>(out.data()), out.size()});
    }

    bool watch(Reader& r) {
        Connection* c = s_.find_connection(r.u32());
        uint16_t path_len = r.u16(), token_len = r.u16(), prefix = r.u16();
        (void)r.u16();
        std::string_view path = r.str(path_len), token = r.str(token_len);
        if (!r.ok() || c == nullptr || !absolute_path(path) ||
            token.find('\0') != std::string_view::npos)
            return false;
        if (prefix != 0) {
            ds::Bytes base;
            if (!append_domain_path(&base, c->domid()) || !base.push_back('/') ||
                prefix != base.size() || path.substr(0, prefix) != base.view() ||
                path.size() == prefix)
                return false;
        }
        Watch w;
        w.prefix_len = prefix;
        return w.path.assign(path) && w.token.assign(token) &&
               c->watches().push_back(static_cast<Watch&&>(w));
    }

    bool transaction(Reader& r) {
        Connection* c = s_.find_connection(r.u32());
        uint32_t id = r.u32();
        int64_t delta = static_cast<int64_t>(r.u64());
        uint32_t flags = r.u32();
        (void)r.u32();
        if (!r.ok() || c == nullptr || id == 0 || c->find_transaction(id) != nullptr ||
            delta < -static_cast<int64_t>(UINT32_MAX) || delta > UINT32_MAX)
            return false;
        Transaction* t = ds::make<Transaction>(id);
        if (t == nullptr) return false;
        t->set_own_delta(delta);
        t->set_failed((flags & 1) != 0);
        if (!c->transactions().push_back(t)) {
            ds::destroy(t);
            return false;
        }
        return true;
    }

    Transaction* tx_of(Reader& r) {
        Connection* c = s_.find_connection(r.u32());
        uint32_t id = r.u32();
        return c != nullptr && r.ok() ? c->find_transaction(id) : nullptr;
    }

    bool tx_node(Reader& r) {
        Transaction* t = tx_of(r);
        TxNode n;
        n.base_gen = r.u64();
        n.access = r.u8();
        uint8_t has_copy = r.u8();
        uint16_t path_len = r.u16();
        (void)r.u32();
        std::string_view path = r.str(path_len);
        if (!r.ok() || t == nullptr || n.base_gen > gen_ || n.access == 0 || n.access > 3 ||
            has_copy > 1 || (has_copy && !(n.access & kTxWritten)) || !absolute_path(path) ||
            !n.path.assign(path))
            return false;
        if (has_copy) {
            n.copy = node_body(r, true);
            if (n.copy == nullptr || !(n.copy->path == path)) return false;
        }
        return t->restore_node(static_cast<TxNode&&>(n));
    }

    bool tx_event(Reader& r) {
        Transaction* t = tx_of(r);
        Event e;
        e.rm = r.u8() != 0;
        (void)r.u8();
        uint16_t path_len = r.u16(), nperms = r.u16(), nparent = r.u16();
        if (!r.ok() || t == nullptr || !read_perms(r, nperms, &e.perms) ||
            !read_perms(r, nparent, &e.parent_perms))
            return false;
        std::string_view path = r.str(path_len);
        return r.ok() && absolute_path(path) && e.path.assign(path) &&
               t->events().push_back(static_cast<Event&&>(e));
    }

    bool finish() {
        Tree& tree = s_.tree_;
        if (tree.find("/") == nullptr || !tree.check()) return false;
        for (size_t i = 0; i < tree.size(); i++)
            if (!s_.quota_.add(tree.at(i)->owner(), 1)) return false;
        s_.charge_tree();
        // A transaction's overlay is not checked here: commit checks it against the tree of
        // the moment (Transaction::consistent), so a bad one can only earn EAGAIN.
        return true;
    }

    Store& s_;
    uint64_t gen_ = 0;
};

XsErr Store::load(std::span<const uint8_t> in) {
    ds::Vec<RecordRef> records;
    uint32_t flags = 0;
    if (!state::split(in, &flags, &records) || flags != 0) return XsErr::Inval;
    return load({records.data(), records.size()});
}

XsErr Store::load(std::span<const RecordRef> records) {
    XsErr e = StateLoader(*this).run(records);
    if (e != XsErr::Ok) {
        for (Connection* c : conns_) ds::destroy(c);
        conns_.clear();
        domains_.clear();
        tree_.clear();
        quota_.clear();
        pending_.clear();
    }
    return e;
}

}  // namespace bh::xs
