// Store handlers for the node operations: READ, WRITE, MKDIR, RM, DIRECTORY(_PART), *_PERMS.
#include "core/path.hpp"
#include "core/store.hpp"

namespace bh::xs {

namespace {

constexpr std::string_view kOk("OK\0", 3);

// Copies the permissions of the parent of path (empty for "/" and '@' nodes).
XsErr parent_perms_of(Db& db, std::string_view path, const Perms** out) {
    *out = nullptr;
    if (path == "/" || path[0] == '@') return XsErr::Ok;
    const Node* p = nullptr;
    XsErr e = db.get(parent_of(path), &p);
    if (e == XsErr::Ok && p != nullptr) *out = &p->perms;
    return e;
}

}  // namespace

XsErr Store::announce(Request& r, Db& db, std::string_view path, bool rm, const Perms* perms) {
    const Perms* up = nullptr;
    XsErr e = parent_perms_of(db, path, &up);
    return e == XsErr::Ok ? note_change(r, path, rm, perms, up) : e;
}

// READ and DIRECTORY: the same lookup, then the node's value or its children list.
XsErr Store::reply_node(Request& r, bool children) {
    std::string_view arg;
    if (!one_arg(r.payload.data(), r.payload.size(), &arg)) return XsErr::Inval;
    Db db = db_for(r);
    ds::Bytes path;
    const Node* n = nullptr;
    XsErr e = lookup(db, arg, kPermRead, false, &path, &n);
    if (e != XsErr::Ok) return e;
    return reply(r, children ? n->children.view() : n->value.view());
}

XsErr Store::op_read(Request& r) { return reply_node(r, false); }

XsErr Store::op_write(Request& r) {
    Args args(r.payload.data(), r.payload.size());
    std::string_view arg;
    if (!args.next(&arg)) return XsErr::Inval;
    std::string_view value = args.rest();
    if (!r.conn.privileged() && value.size() > limits_.node_size) return XsErr::TooBig;
    Db db = db_for(r);
    ds::Bytes path;
    const Node* found = nullptr;
    XsErr e = lookup(db, arg, kPermWrite, false, &path, &found);
    Node* n = nullptr;
    if (e == XsErr::Ok) {
        e = db.get_mut(path.view(), &n);
        if (e != XsErr::Ok) return e;
        ds::Bytes fresh;
        if (!fresh.assign(value)) return XsErr::NoMem;
        n->value = static_cast<ds::Bytes&&>(fresh);
        db.changed(n);
    } else if (e == XsErr::NoEnt) {
        e = db.create(path.view(), value, &n);
        if (e != XsErr::Ok) return e;
    } else {
        return e;
    }
    e = announce(r, db, path.view(), false, &n->perms);
    if (e != XsErr::Ok) return e;
    return reply(r, kOk);
}

XsErr Store::op_mkdir(Request& r) {
    std::string_view arg;
    if (!one_arg(r.payload.data(), r.payload.size(), &arg)) return XsErr::Inval;
    Db db = db_for(r);
    ds::Bytes path;
    const Node* found = nullptr;
    XsErr e = lookup(db, arg, kPermWrite, false, &path, &found);
    if (e == XsErr::Ok) return reply(r, kOk);  // already there: nothing changes
    if (e != XsErr::NoEnt) return e;
    Node* n = nullptr;
    e = db.create(path.view(), {}, &n);
    if (e != XsErr::Ok) return e;
    e = announce(r, db, path.view(), false, &n->perms);
    if (e != XsErr::Ok) return e;
    return reply(r, kOk);
}

XsErr Store::op_rm(Request& r) {
    std::string_view arg;
    if (!one_arg(r.payload.data(), r.payload.size(), &arg)) return XsErr::Inval;
    Db db = db_for(r);
    ds::Bytes path;
    const Node* n = nullptr;
    XsErr e = lookup(db, arg, kPermWrite, false, &path, &n);
    if (e == XsErr::NoEnt) {
        // Removing what is not there is fine, as long as its parent is.
        const Node* parent = nullptr;
        e = db.get(parent_of(path.view()), &parent);
        if (e != XsErr::Ok) return e;
        return parent != nullptr ? reply(r, kOk) : XsErr::NoEnt;
    }
    if (e != XsErr::Ok) return e;
    if (path == "/") return XsErr::Inval;
    // The event carries the permissions the node had, so its readers hear of its removal.
    e = announce(r, db, path.view(), true, &n->perms);
    if (e == XsErr::Ok) e = db.remove(path.view());
    if (e != XsErr::Ok) return e;
    return reply(r, kOk);
}

XsErr Store::op_directory(Request& r) { return reply_node(r, true); }

XsErr Store::op_directory_part(Request& r) {
    Args args(r.payload.data(), r.payload.size());
    std::string_view arg, off_str;
    uint64_t off = 0;
    if (args.count() != 2 || !args.next(&arg) || !args.next(&off_str) ||
        !parse_uint(off_str, UINT32_MAX, &off))
        return XsErr::Inval;
    Db db = db_for(r);
    ds::Bytes path;
    const Node* n = nullptr;
    XsErr e = lookup(db, arg, kPermRead, false, &path, &n);
    if (e != XsErr::Ok) return e;
    // "<generation>\0" then whole child names from off while they fit; the last part ends
    // with an extra NUL so the client knows the list is complete.
    ds::Bytes gen;
    if (!gen.append_uint(n->gen) || !gen.push_back('\0')) return XsErr::NoMem;
    std::string_view list = n->children.view();
    if (off >= list.size()) return reply(r, gen.view(), std::string_view("\0", 1));
    size_t max = kPayloadMax - gen.size() - 1;
    size_t len = 0;
    while (off + len < list.size()) {
        size_t end = list.find('\0', off + len);
        size_t next = (end == std::string_view::npos ? list.size() : end + 1) - off;
        if (next > max) break;
        len = next;
    }
    bool last = off + len == list.size();
    return reply(r, gen.view(), list.substr(off, len),
                 last ? std::string_view("\0", 1) : std::string_view());
}

XsErr Store::op_get_perms(Request& r) {
    std::string_view arg;
    if (!one_arg(r.payload.data(), r.payload.size(), &arg)) return XsErr::Inval;
    Db db = db_for(r);
    ds::Bytes path;
    const Node* n = nullptr;
    XsErr e = lookup(db, arg, kPermRead, true, &path, &n);
    if (e != XsErr::Ok) return e;
    ds::Bytes out;
    for (const Perm& p : n->perms)
        if (!append_perm(&out, p) || !out.push_back('\0')) return XsErr::NoMem;
    return reply(r, out.view());
}

XsErr Store::op_set_perms(Request& r) {
    Args args(r.payload.data(), r.payload.size());
    size_t count = args.count();
    std::string_view arg, s;
    if (count < 2 || !args.next(&arg)) return XsErr::Inval;
    if (!r.conn.privileged() && count - 1 > limits_.perms) return XsErr::NoSpc;
    Perms perms;
    if (!perms.reserve(count - 1)) return XsErr::NoMem;
    while (args.next(&s)) {
        Perm p{};
        XsErr pe = parse_perm(s, &p);
        if (pe != XsErr::Ok) return pe;
        (void)perms.push_back(p);
    }
    Db db = db_for(r);
    ds::Bytes path;
    const Node* found = nullptr;
    XsErr e = lookup(db, arg, kPermWrite | kPermOwner, true, &path, &found);
    if (e != XsErr::Ok) return e;
    if (!r.conn.privileged() && perms[0].domid != found->owner()) return XsErr::Perm;
    Node* n = nullptr;
    e = db.get_mut(path.view(), &n);
    if (e != XsErr::Ok) return e;
    // Watchers who could read the node before or after the change both hear of it.
    Perms old;
    if (!old.copy_from(n->perms)) return XsErr::NoMem;
    e = db.set_perms(n, static_cast<Perms&&>(perms));
    if (e == XsErr::Ok) e = note_change(r, path.view(), false, &n->perms, &old);
    if (e != XsErr::Ok) return e;
    return reply(r, kOk);
}

}  // namespace bh::xs
