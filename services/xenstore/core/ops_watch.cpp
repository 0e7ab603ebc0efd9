// Store handlers for watches and transactions: WATCH, UNWATCH, RESET_WATCHES, TRANSACTION_*.
#include "bh/ds/alloc.hpp"
#include "core/path.hpp"
#include "core/store.hpp"

namespace bh::xs {

namespace {

constexpr std::string_view kOk("OK\0", 3);
constexpr std::string_view kNul("\0", 1);

}  // namespace

XsErr Store::op_watch(Request& r) {
    Args args(r.payload.data(), r.payload.size());
    std::string_view arg, token;
    // A third string would be a depth, which this store does not offer (no WATCHDEPTH).
    if (args.count() != 2 || !args.next(&arg) || !args.next(&token)) return XsErr::Inval;
    Watch w;
    size_t prefix = 0;
    XsErr e = canonical_path(arg, r.conn.domid(), true, &w.path, &prefix);
    if (e != XsErr::Ok) return e;
    w.prefix_len = static_cast<uint16_t>(prefix);
    for (const Watch& o : r.conn.watches())
        if (o.path == w.path.view() && o.token == token) return XsErr::Exist;
    if (!r.conn.privileged() && r.conn.watches().size() >= limits_.watches) return XsErr::NoSpc;
    if (!w.token.assign(token) || !r.conn.watches().reserve(r.conn.watches().size() + 1))
        return XsErr::NoMem;
    e = reply(r, kOk);
    if (e != XsErr::Ok) return e;
    (void)r.conn.watches().push_back(static_cast<Watch&&>(w));
    // Fire once at once, at the path as the client gave it: clients rely on it to read the
    // initial state, and it makes a restarted store's behaviour harmless.
    const Watch& added = r.conn.watches().back();
    if (!r.conn.queue(MsgType::WatchEvent, 0, 0, added.path.view().substr(added.prefix_len), kNul,
                      added.token.view(), kNul))
        r.conn.count_dropped_event();
    return XsErr::Ok;
}

XsErr Store::op_unwatch(Request& r) {
    Args args(r.payload.data(), r.payload.size());
    std::string_view arg, token;
    if (args.count() != 2 || !args.next(&arg) || !args.next(&token)) return XsErr::Inval;
    ds::Bytes path;
    size_t prefix = 0;
    XsErr e = canonical_path(arg, r.conn.domid(), true, &path, &prefix);
    if (e != XsErr::Ok) return e;
    ds::Vec<Watch>& ws = r.conn.watches();
    for (size_t i = 0; i < ws.size(); i++) {
        if (ws[i].path == path.view() && ws[i].token == token) {
            e = reply(r, kOk);
            if (e == XsErr::Ok) ws.erase(i);
            return e;
        }
    }
    return XsErr::NoEnt;
}

XsErr Store::op_reset_watches(Request& r) {
    XsErr e = reply(r, kOk);
    if (e == XsErr::Ok) r.conn.clear_watches_and_transactions();
    return e;
}

XsErr Store::op_transaction_start(Request& r) {
    if (r.tx != nullptr) return XsErr::Busy;
    ds::Vec<Transaction*>& txs = r.conn.transactions();
    if (!r.conn.privileged() && txs.size() >= limits_.transactions) return XsErr::NoSpc;
    // Ids are store-wide, never 0, and never one this connection still has open.
    uint32_t id = next_tx_id_;
    while (id == 0 || r.conn.find_transaction(id) != nullptr) id++;
    next_tx_id_ = id + 1;
    Transaction* t = ds::make<Transaction>(id);
    if (t == nullptr || !txs.push_back(t)) {
        ds::destroy(t);
        return XsErr::NoMem;
    }
    ds::Bytes out;
    XsErr e = out.append_uint(id) && out.push_back('\0') ? reply(r, out.view()) : XsErr::NoMem;
    if (e != XsErr::Ok) r.conn.end_transaction(t);
    return e;
}

XsErr Store::op_transaction_end(Request& r) {
    std::string_view arg;
    if (!one_arg(r.payload.data(), r.payload.size(), &arg) || (arg != "T" && arg != "F"))
        return XsErr::Inval;
    if (r.tx == nullptr) return XsErr::NoEnt;
    Transaction* t = r.tx;
    r.tx = nullptr;
    XsErr e = XsErr::Ok;
    if (arg == "T")
        e = t->commit(tree_, quota_, limits_, r.conn.domid(), r.conn.privileged());
    // Committed or not, the transaction is over (xenstored frees it on EAGAIN too).
    if (e == XsErr::Ok) {
        pending_ = static_cast<ds::Vec<Event>&&>(t->events());
        if (arg == "F") pending_.clear();
    }
    r.conn.end_transaction(t);
    if (e != XsErr::Ok) return e;
    return reply(r, kOk);
}

}  // namespace bh::xs
