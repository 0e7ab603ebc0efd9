// Store::save: the whole store as a state record (see state_format.hpp).
#include "core/state_format.hpp"
#include "core/store.hpp"

namespace bh::xs {

namespace {

using state::Rec;
using state::Writer;

void write_perms(Writer& w, const Perms& perms) {
    for (const Perm& p : perms) {
        w.u8(p.bits);
        w.u8(0);
        w.u16(p.domid);
    }
}

void write_node_body(Writer& w, const Node& n) {
    w.u64(n.gen);
    w.u32(static_cast<uint32_t>(n.value.size()));
    w.u32(static_cast<uint32_t>(n.children.size()));
    w.u16(static_cast<uint16_t>(n.path.size()));
    w.u16(static_cast<uint16_t>(n.perms.size()));
    w.u32(0);
    write_perms(w, n.perms);
    w.str(n.path.view());
    w.str(n.value.view());
    w.str(n.children.view());
}

void write_limits(Writer& w, const Limits& l) {
    const uint32_t v[9] = {l.nodes,    l.watches,  l.transactions,  l.node_size, l.perms,
                           l.tx_nodes, l.out_backlog, l.event_backlog, l.memory};
    for (uint32_t x : v) w.u32(x);
}

void write_transaction(Writer& w, uint32_t conn, const Transaction& t) {
    size_t r = w.begin_record(Rec::Transaction);
    w.u32(conn);
    w.u32(t.id());
    w.u64(static_cast<uint64_t>(t.own_delta()));
    w.u32(t.failed() ? 1 : 0);
    w.u32(0);
    w.end_record(r);
    for (const TxNode& n : t.nodes()) {
        r = w.begin_record(Rec::TxNode);
        w.u32(conn);
        w.u32(t.id());
        w.u64(n.base_gen);
        w.u8(n.access);
        w.u8(n.copy != nullptr);
        w.u16(static_cast<uint16_t>(n.path.size()));
        w.u32(0);
        w.str(n.path.view());
        if (n.copy != nullptr) write_node_body(w, *n.copy);
        w.end_record(r);
    }
    for (const Event& e : t.events()) {
        r = w.begin_record(Rec::TxEvent);
        w.u32(conn);
        w.u32(t.id());
        w.u8(e.rm);
        w.u8(0);
        w.u16(static_cast<uint16_t>(e.path.size()));
        w.u16(static_cast<uint16_t>(e.perms.size()));
        w.u16(static_cast<uint16_t>(e.parent_perms.size()));
        write_perms(w, e.perms);
        write_perms(w, e.parent_perms);
        w.str(e.path.view());
        w.end_record(r);
    }
}

}  // namespace

bool Store::save(ds::Bytes* out) const {
    out->clear();
    state::BytesOut o(out);
    return save(o);
}

bool Store::save(state::Out& out, const DeltaScope* delta) const {
    Writer w(&out);
    auto scope = [delta](const Connection& c) {
        return delta ? delta->changed(c, delta->ctx) : ConnScope{};
    };
    w.str(state::kMagic);
    w.u32(state::kVersion);
    w.u32(delta ? state::kDelta : 0);

    size_t r = w.begin_record(Rec::Global);
    w.u64(tree_.gen());
    w.u32(next_conn_id_);
    w.u32(next_tx_id_);
    write_limits(w, limits_);
    w.end_record(r);

    for (const DomainInfo& d : domains_) {
        r = w.begin_record(Rec::Domain);
        w.u16(d.domid);
        w.u16(0);
        w.u32(d.port);
        w.u64(d.gfn);
        w.end_record(r);
    }
    // A delta's nodes come from the tree's touched list when it is complete (sorted here; a
    // round touches few), else from a scan; either way in path order, as replay requires.
    const Node* picked[Tree::kMaxTouched];
    size_t npicked = 0;
    bool from_list = delta && tree_.touched_complete();
    if (from_list) {
        for (const Node* n : tree_.touched()) {
            if (n->gen <= delta->since_gen) continue;
            size_t j = npicked;
            for (; j > 0 && n->path.view() < picked[j - 1]->path.view(); --j) picked[j] = picked[j - 1];
            if (j > 0 && picked[j - 1] == n) {  // already there (touched twice)
                for (; j < npicked; ++j) picked[j] = picked[j + 1];
                continue;
            }
            picked[j] = n;
            ++npicked;
        }
    }
    for (size_t i = 0; i < (from_list ? npicked : tree_.size()); i++) {
        const Node* n = from_list ? picked[i] : tree_.at(i);
        if (delta && n->gen <= delta->since_gen) continue;
        r = w.begin_record(Rec::Node);
        write_node_body(w, *n);
        w.end_record(r);
    }
    if (delta) {
        r = w.begin_record(Rec::Live);
        for (const Connection* c : conns_) w.u32(c->id());
        w.end_record(r);
    }
    for (const Connection* c : conns_) {
        ConnScope d = scope(*c);
        if (d.skip) continue;
        r = w.begin_record(Rec::Connection);
        w.u32(c->id());
        w.u16(c->domid());
        w.u16(static_cast<uint16_t>((c->privileged() ? state::kConnPrivileged : 0) |
                                    (c->broken() ? state::kConnBroken : 0) |
                                    (d.keep_watches ? state::kConnKeepWatches : 0) |
                                    (d.keep_transactions ? state::kConnKeepTransactions : 0)));
        std::span<const uint8_t> in = c->partial_input(), pend = c->pending();
        w.u32(static_cast<uint32_t>(in.size()));
        w.u32(static_cast<uint32_t>(pend.size()));
        w.u64(c->dropped_events());
        w.raw(in.data(), in.size());
        w.raw(pend.data(), pend.size());
        w.end_record(r);
    }
    for (const Connection* c : conns_) {
        ConnScope d = scope(*c);
        if (d.skip) continue;
        const ds::Vec<Watch>& ws = c->watches();
        for (size_t i = d.keep_watches ? d.first_watch : 0; i < ws.size(); i++) {
            const Watch& wa = ws[i];
            r = w.begin_record(Rec::Watch);
            w.u32(c->id());
            w.u16(static_cast<uint16_t>(wa.path.size()));
            w.u16(static_cast<uint16_t>(wa.token.size()));
            w.u16(wa.prefix_len);
            w.u16(0);
            w.str(wa.path.view());
            w.str(wa.token.view());
            w.end_record(r);
        }
    }
    for (const Connection* c : conns_)
        if (ConnScope d = scope(*c); !d.skip && !d.keep_transactions)
            for (const Transaction* t : c->transactions()) write_transaction(w, c->id(), *t);

    r = w.begin_record(Rec::End);
    w.end_record(r);
    return w.ok();
}

}  // namespace bh::xs
