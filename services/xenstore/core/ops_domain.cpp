// Store handlers for domains, features and quotas, and the domain table itself.
#include "bh/ds/alloc.hpp"
#include "core/path.hpp"
#include "core/store.hpp"

namespace bh::xs {

namespace {

constexpr std::string_view kOk("OK\0", 3);

// Domain ids name real domains: DOMID_FIRST_RESERVED (0x7ff0) and above are not.
bool parse_domid(std::string_view s, uint16_t* out) {
    uint64_t v = 0;
    if (!parse_uint(s, 0x7fef, &v)) return false;
    *out = static_cast<uint16_t>(v);
    return true;
}

struct QuotaName {
    std::string_view name;
    uint32_t Limits::*field;
};
constexpr QuotaName kQuotas[] = {
    {"nodes", &Limits::nodes},         {"watches", &Limits::watches},
    {"transactions", &Limits::transactions}, {"node-size", &Limits::node_size},
    {"permissions", &Limits::perms},   {"transaction-nodes", &Limits::tx_nodes},
    {"memory", &Limits::memory},
};

}  // namespace

const DomainInfo* Store::domain(uint16_t domid) const {
    for (const DomainInfo& d : domains_)
        if (d.domid == domid) return &d;
    return nullptr;
}

XsErr Store::introduce(uint16_t domid, uint64_t gfn, uint32_t port) {
    for (DomainInfo& d : domains_) {
        if (d.domid == domid) {  // a re-introduction (resume, or a restart under the same id):
            d.gfn = gfn;          // refresh, no new @introduceDomain; the front end rebinds
            d.port = port;
            if (hooks_ != nullptr) hooks_->introduced(d);
            return XsErr::Ok;
        }
    }
    if (!domains_.push_back(DomainInfo{domid, gfn, port})) return XsErr::NoMem;
    if (hooks_ != nullptr) hooks_->introduced(domains_.back());
    fire_special("@introduceDomain");
    return XsErr::Ok;
}

XsErr Store::release(uint16_t domid) {
    size_t i = 0;
    while (i < domains_.size() && domains_[i].domid != domid) i++;
    if (i == domains_.size()) return XsErr::NoEnt;
    domains_.erase(i);
    // Its connections are dead: no more events to them, and the front end closes them.
    for (Connection* c : conns_) {
        if (c->domid() == domid && !c->privileged()) {
            c->clear_watches_and_transactions();
            c->set_broken();
        }
    }
    if (hooks_ != nullptr) hooks_->released(domid);
    remove_orphans(domid);
    fire_special("@releaseDomain");
    return XsErr::Ok;
}

void Store::remove_orphans(uint16_t domid) {
    // As xenstored: nodes the domain owned go (with everything below them), and entries that
    // name it leave the permissions of the rest.
    Db db(tree_, quota_, limits_, nullptr, Caller{0, true});
    for (size_t i = 0; i < tree_.size();) {
        Node* n = tree_.at(i);
        if (n->owner() == domid && n->path.view() != "/" && n->path[0] != '@') {
            ds::Bytes path;
            const Node* parent = tree_.find(parent_of(n->path.view()));
            Event ev;
            ev.rm = true;
            bool ok = path.copy_from(n->path) && ev.path.copy_from(n->path) &&
                      ev.perms.copy_from(n->perms) &&
                      (parent == nullptr || ev.parent_perms.copy_from(parent->perms));
            (void)db.remove(path.view());
            if (ok) fire(ev);
            continue;  // index i now holds the next node after the removed subtree
        }
        bool dropped = false;
        for (size_t j = 1; j < n->perms.size();) {
            if (n->perms[j].domid == domid) {
                n->perms.erase(j);
                dropped = true;
            } else {
                j++;
            }
        }
        if (dropped) db.changed(n);  // a new generation (transactions, the journal) and charge
        i++;
    }
}

XsErr Store::op_introduce(Request& r) {
    Args args(r.payload.data(), r.payload.size());
    std::string_view dom, gfn_s, port_s;
    uint16_t domid = 0;
    uint64_t port = 0, gfn = 0;
    if (!args.next(&dom) || !args.next(&gfn_s) || !args.next(&port_s)) return XsErr::Inval;
    if (!parse_domid(dom, &domid) || domid == 0) return XsErr::Inval;
    if (!parse_uint(port_s, UINT32_MAX, &port) || port == 0) return XsErr::Inval;
    // The gfn travels as signed decimal; the store itself has no use for it.
    bool neg = !gfn_s.empty() && gfn_s[0] == '-';
    if (!parse_uint(gfn_s.substr(neg ? 1 : 0), INT64_MAX, &gfn)) return XsErr::Inval;
    XsErr e = introduce(domid, neg ? 0 - gfn : gfn, static_cast<uint32_t>(port));
    if (e != XsErr::Ok) return e;
    return reply(r, kOk);
}

XsErr Store::op_release(Request& r) {
    std::string_view arg;
    uint16_t domid = 0;
    if (!one_arg(r.payload.data(), r.payload.size(), &arg) || !parse_domid(arg, &domid) ||
        domid == 0)
        return XsErr::Inval;
    XsErr e = release(domid);
    if (e != XsErr::Ok) return e;
    return reply(r, kOk);
}

XsErr Store::op_get_domain_path(Request& r) {
    std::string_view arg;
    uint64_t domid = 0;
    if (!one_arg(r.payload.data(), r.payload.size(), &arg) || !parse_uint(arg, 0xffff, &domid))
        return XsErr::Inval;
    ds::Bytes out;
    if (!append_domain_path(&out, static_cast<uint16_t>(domid)) || !out.push_back('\0'))
        return XsErr::NoMem;
    return reply(r, out.view());
}

XsErr Store::op_is_domain_introduced(Request& r) {
    std::string_view arg;
    uint64_t domid = 0;
    if (!one_arg(r.payload.data(), r.payload.size(), &arg) || !parse_uint(arg, 0xffff, &domid))
        return XsErr::Inval;
    bool known = domid == kDomidSelf || domain(static_cast<uint16_t>(domid)) != nullptr;
    return reply(r, known ? std::string_view("T\0", 2) : std::string_view("F\0", 2));
}

XsErr Store::op_resume(Request& r) {
    std::string_view arg;
    uint16_t domid = 0;
    if (!one_arg(r.payload.data(), r.payload.size(), &arg) || !parse_domid(arg, &domid))
        return XsErr::Inval;
    if (domain(domid) == nullptr) return XsErr::NoEnt;
    return reply(r, kOk);
}

XsErr Store::op_get_feature(Request& r) {
    // No optional ring features (reconnection, error, watch depth) are offered.
    Args args(r.payload.data(), r.payload.size());
    if (args.count() > 0 && !r.conn.privileged()) return XsErr::Acces;
    return reply(r, std::string_view("0\0", 2));
}

XsErr Store::op_set_feature(Request& r) {
    Args args(r.payload.data(), r.payload.size());
    std::string_view dom, value;
    uint16_t domid = 0;
    uint64_t v = 0;
    if (!args.next(&dom) || !args.next(&value) || !parse_domid(dom, &domid) ||
        !parse_uint(value, UINT32_MAX, &v) || v != 0)
        return XsErr::Inval;
    return reply(r, kOk);
}

XsErr Store::op_get_quota(Request& r) {
    // [<domid>|]<quota>| — the limits are global, so a domid changes nothing.
    Args args(r.payload.data(), r.payload.size());
    size_t n = args.count();
    std::string_view a, name;
    if (n == 0) {
        ds::Bytes all;
        for (const QuotaName& q : kQuotas)
            if ((!all.empty() && !all.push_back(' ')) || !all.append(q.name)) return XsErr::NoMem;
        if (!all.push_back('\0')) return XsErr::NoMem;
        return reply(r, all.view());
    }
    if (n > 2 || !args.next(&a)) return XsErr::Inval;
    name = a;
    if (n == 2 && !args.next(&name)) return XsErr::Inval;
    for (const QuotaName& q : kQuotas) {
        if (q.name != name) continue;
        ds::Bytes out;
        if (!out.append_uint(limits_.*q.field) || !out.push_back('\0')) return XsErr::NoMem;
        return reply(r, out.view());
    }
    return XsErr::Inval;
}

XsErr Store::op_set_quota(Request& r) {
    // <quota>|<value>| sets a global limit; per-domain limits are not offered.
    Args args(r.payload.data(), r.payload.size());
    std::string_view name, value;
    uint64_t v = 0;
    if (args.count() != 2 || !args.next(&name) || !args.next(&value) ||
        !parse_uint(value, UINT32_MAX, &v))
        return XsErr::Inval;
    for (const QuotaName& q : kQuotas) {
        if (q.name != name) continue;
        limits_.*q.field = static_cast<uint32_t>(v);
        return reply(r, kOk);
    }
    return XsErr::Inval;
}

}  // namespace bh::xs
