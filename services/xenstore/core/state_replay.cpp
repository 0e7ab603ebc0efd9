// Journal replay (see state_replay.hpp).
#include "core/state_replay.hpp"

#include <string_view>

namespace bh::xs::state {
namespace {

// A node record, compactly (replay runs in the heap the restored store needs too): its body and
// where its path and child list are in it.
struct NodeRef {
    const uint8_t* body;
    uint32_t len;
    uint16_t path_off, path_len;
    uint32_t children_off, children_len;

    std::string_view path() const { return {reinterpret_cast<const char*>(body) + path_off, path_len}; }
    std::string_view children() const {
        return {reinterpret_cast<const char*>(body) + children_off, children_len};
    }
    RecordRef rec() const { return {Rec::Node, body, len}; }
};

// One connection's records: its CONNECTION record from the last batch that carried it, its
// WATCH records and its TRANSACTION / TX_NODE / TX_EVENT records from the batches that last
// wrote them (state_format.hpp: kConnKeepWatches, kConnKeepTransactions).
struct ConnRecs {
    uint32_t id = 0;
    size_t batch = 0;
    bool keep_txs = false;  // this batch kept the earlier transactions
    RecordRef conn{};
    ds::Vec<RecordRef> watches, txs;
};

uint16_t conn_flags(const RecordRef& r) {
    Reader rd(r.body, r.len);
    (void)rd.u32();
    (void)rd.u16();
    uint16_t flags = rd.u16();
    return rd.ok() ? flags : 0;
}

bool node_ref(const RecordRef& r, NodeRef* out) {
    Reader rd(r.body, r.len);
    (void)rd.u64();
    uint32_t value_len = rd.u32(), children_len = rd.u32();
    uint16_t path_len = rd.u16(), nperms = rd.u16();
    (void)rd.u32();
    if (nperms > kMaxPerms) return false;
    size_t path_off = 24 + size_t{nperms} * 4;
    size_t children_off = path_off + path_len + value_len;
    if (!rd.ok() || path_len == 0 || children_off + children_len > r.len) return false;
    *out = {r.body, r.len, static_cast<uint16_t>(path_off), path_len,
            static_cast<uint32_t>(children_off), children_len};
    return true;
}

uint32_t conn_id_of(const RecordRef& r) {
    Reader rd(r.body, r.len);
    uint32_t id = rd.u32();
    return rd.ok() ? id : 0;
}

bool lists_child(std::string_view children, std::string_view name) {
    for (size_t start = 0; start < children.size();) {
        size_t end = children.find('\0', start);
        if (end == std::string_view::npos) return false;
        if (children.substr(start, end - start) == name) return true;
        start = end + 1;
    }
    return false;
}

// Merges a batch's nodes (sorted, strictly) into the sorted merged set; the batch wins ties.
// In place, from the back, so the only extra memory is the batch's own (small for a delta).
bool merge_nodes(ds::Vec<NodeRef>* merged, const ds::Vec<NodeRef>& batch) {
    for (size_t i = 1; i < batch.size(); ++i)
        if (!(batch[i - 1].path() < batch[i].path())) return false;
    size_t a = merged->size(), b = batch.size();
    if (b == 0) return true;
    if (!merged->reserve(a + b)) return false;
    for (size_t i = 0; i < b; ++i) (void)merged->push_back(NodeRef{});
    NodeRef* m = merged->data();
    for (size_t k = a + b; b > 0;) {  // equal paths: the batch's lands after the older one
        if (a > 0 && m[a - 1].path() > batch[b - 1].path()) m[--k] = m[--a];
        else m[--k] = batch[--b];
    }
    // Drop the older of each equal pair (the set had no duplicates, nor had the batch).
    size_t w = 0;
    for (size_t i = 0; i < merged->size(); ++i) {
        if (i + 1 < merged->size() && m[i].path() == m[i + 1].path()) continue;
        m[w++] = m[i];
    }
    merged->erase(w, merged->size());
    return true;
}

ConnRecs* find_conn(ds::Vec<ConnRecs>& conns, uint32_t id) {
    for (ConnRecs& c : conns)
        if (c.id == id) return &c;
    return nullptr;
}

// Takes one batch's connection records: each CONNECTION replaces what earlier batches held for
// that id, and the records after it that name the id join it.
bool take_conn_records(const ds::Vec<RecordRef>& recs, size_t batch, ds::Vec<ConnRecs>* conns,
                       ds::Vec<uint32_t>* order) {
    for (const RecordRef& r : recs) {
        if (r.type < Rec::Connection || r.type > Rec::TxEvent) continue;
        uint32_t id = conn_id_of(r);
        ConnRecs* c = find_conn(*conns, id);
        if (r.type == Rec::Connection) {
            uint16_t flags = conn_flags(r);
            bool keep = (flags & (kConnKeepWatches | kConnKeepTransactions)) != 0;
            if (id == 0 || (keep && (c == nullptr || batch == 0))) return false;
            if (c == nullptr) {
                if (!conns->push_back(ConnRecs{})) return false;
                c = &conns->back();
                c->id = id;
            } else if (c->batch == batch && c->conn.body != nullptr) {
                return false;  // twice in one batch
            }
            c->batch = batch;
            c->conn = r;
            c->keep_txs = (flags & kConnKeepTransactions) != 0;
            if (!(flags & kConnKeepWatches)) c->watches.clear();
            if (!c->keep_txs) c->txs.clear();
            if (order && !order->push_back(id)) return false;
            continue;
        }
        if (c == nullptr || c->batch != batch || c->conn.body == nullptr)
            return false;  // names a connection this batch does not carry
        if (r.type == Rec::Watch) {
            if (!c->watches.push_back(r)) return false;
        } else if (c->keep_txs || !c->txs.push_back(r)) {
            return false;
        }
    }
    return true;
}

}  // namespace

bool split(std::span<const uint8_t> in, uint32_t* flags, ds::Vec<RecordRef>* out) {
    Reader hdr(in.data(), in.size());
    if (hdr.str(8) != kMagic || hdr.u32() != kVersion) return false;
    *flags = hdr.u32();
    if (!hdr.ok()) return false;
    for (size_t off = 16;;) {
        Reader head(in.data() + off, in.size() - off);
        uint32_t type = head.u32(), len = head.u32();
        if (!head.ok() || len > head.left() || type > static_cast<uint32_t>(Rec::Live)) return false;
        if (type == static_cast<uint32_t>(Rec::End)) return true;
        if (!out->push_back(RecordRef{static_cast<Rec>(type), in.data() + off + 8, len})) return false;
        off += 8 + ((static_cast<size_t>(len) + 7) & ~static_cast<size_t>(7));
        if (off > in.size()) return false;
    }
}

bool replay(std::span<const std::span<const uint8_t>> batches, ds::Vec<RecordRef>* out) {
    if (batches.empty()) return false;
    ds::Vec<RecordRef> heads;  // GLOBAL and DOMAIN of the latest batch
    ds::Vec<NodeRef> nodes;
    ds::Vec<ConnRecs> conns;
    ds::Vec<uint32_t> live;
    for (size_t b = 0; b < batches.size(); ++b) {
        ds::Vec<RecordRef> recs;
        uint32_t flags = 0;
        if (!split(batches[b], &flags, &recs) || flags != (b == 0 ? 0u : kDelta)) return false;
        ds::Vec<NodeRef> batch_nodes;
        heads.clear();
        bool have_live = false;
        for (const RecordRef& r : recs) {
            if (r.type == Rec::Global || r.type == Rec::Domain) {
                if (!heads.push_back(r)) return false;
            } else if (r.type == Rec::Node) {
                NodeRef n;
                if (!node_ref(r, &n) || !batch_nodes.push_back(n)) return false;
            } else if (r.type == Rec::Live) {
                if (b == 0 || have_live || r.len % 4 != 0) return false;
                have_live = true;
                live.clear();
                for (uint32_t i = 0; i < r.len; i += 4) {
                    Reader rd(r.body + i, 4);
                    if (!live.push_back(rd.u32())) return false;
                }
            }
        }
        if (b > 0 && !have_live) return false;
        if (!merge_nodes(&nodes, batch_nodes) ||
            !take_conn_records(recs, b, &conns, b == 0 ? &live : nullptr))
            return false;
    }

    out->clear();
    for (const RecordRef& r : heads)
        if (!out->push_back(r)) return false;
    // A node stays only while its parent does and lists it: removals show that way.
    ds::Vec<uint8_t> kept;
    if (!kept.reserve(nodes.size())) return false;
    for (size_t i = 0; i < nodes.size(); ++i) {
        std::string_view p = nodes[i].path();
        bool keep = p == "/" || p[0] == '@';
        size_t slash = p.rfind('/');
        if (!keep && slash != std::string_view::npos) {
            std::string_view parent = slash == 0 ? std::string_view("/") : p.substr(0, slash);
            size_t lo = 0, hi = i;  // a parent sorts before its children
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (nodes[mid].path() < parent) lo = mid + 1;
                else hi = mid;
            }
            keep = lo < i && nodes[lo].path() == parent && kept[lo] &&
                   lists_child(nodes[lo].children(), p.substr(slash + 1));
        }
        (void)kept.push_back(keep ? 1 : 0);
        if (keep && !out->push_back(nodes[i].rec())) return false;
    }
    // Every live connection's records, in the record's phase order.
    for (uint32_t id : live)
        if (find_conn(conns, id) == nullptr) return false;
    for (uint32_t id : live)
        if (!out->push_back(find_conn(conns, id)->conn)) return false;
    for (uint32_t id : live)
        for (const RecordRef& r : find_conn(conns, id)->watches)
            if (!out->push_back(r)) return false;
    for (uint32_t id : live)
        for (const RecordRef& r : find_conn(conns, id)->txs)
            if (!out->push_back(r)) return false;
    return true;
}

}  // namespace bh::xs::state
