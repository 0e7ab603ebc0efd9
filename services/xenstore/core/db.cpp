// Db: one request's view of the store — the tree itself, or the tree through a transaction.
#include "core/db.hpp"

#include "bh/ds/alloc.hpp"
#include "core/path.hpp"

namespace bh::xs {

XsErr Db::get(std::string_view path, const Node** out) {
    if (tx_ == nullptr) {
        *out = tree_.find(path);
        return XsErr::Ok;
    }
    TxNode* t = nullptr;
    XsErr e = tx_->track(path, tree_, limits_.tx_nodes, &t);
    if (e != XsErr::Ok) return e;
    t->access |= kTxRead;
    *out = t->written() ? t->copy : tree_.find(path);
    return XsErr::Ok;
}

const Node* Db::peek(std::string_view path) const {
    if (tx_ != nullptr) {
        TxNode* t = tx_->find(path);
        if (t != nullptr && t->written()) return t->copy;
    }
    return tree_.find(path);
}

XsErr Db::get_mut(std::string_view path, Node** out) {
    if (tx_ == nullptr) {
        *out = tree_.find(path);
        return XsErr::Ok;
    }
    TxNode* t = nullptr;
    XsErr e = tx_->track(path, tree_, limits_.tx_nodes, &t);
    if (e != XsErr::Ok) return e;
    if (!t->written()) {
        // Copy on first write; the tree's version stays what others see until commit.
        const Node* cur = tree_.find(path);
        if (cur != nullptr) {
            Node* copy = ds::make<Node>();
            if (copy == nullptr || !copy->copy_from(*cur)) {
                ds::destroy(copy);
                return XsErr::NoMem;
            }
            t->copy = copy;
            charge(copy);
        }
        t->access |= kTxWritten;
    }
    *out = t->copy;
    return XsErr::Ok;
}

void Db::changed(Node* n) {
    if (tx_ == nullptr) {
        n->gen = tree_.next_gen();
        tree_.note_touched(n);
    }
    charge(n);
}

void Db::charge(Node* n) {
    int64_t d = int64_t{n->footprint()} - int64_t{n->charged};
    if (tx_ != nullptr) tx_->add_bytes(d);
    else quota_.add_bytes(n->owner(), d);
    n->charged = n->footprint();
}

void Db::uncharge(Node* n) {
    if (tx_ != nullptr) tx_->add_bytes(-int64_t{n->charged});
    else quota_.add_bytes(n->owner(), -int64_t{n->charged});
    n->charged = 0;
}

uint16_t Db::new_owner(const Node& parent) const {
    return caller_.privileged ? parent.owner() : caller_.domid;
}

std::string_view Db::deepest_ancestor(std::string_view path) const {
    // Existence is monotone along a path (a node's ancestors exist), so a binary search over
    // the '/' offsets finds the deepest existing ancestor in O(log length) lookups: a hostile
    // 1000-level path costs a dozen probes. Probes are not recorded as transaction reads.
    size_t lo = 0, hi = path.size();  // path[0, lo) exists ("/" for 0); path[0, hi) does not
    for (;;) {
        size_t mid = lo + (hi - lo) / 2;
        size_t cut = path.find('/', mid);
        if (cut == std::string_view::npos || cut >= hi) cut = path.rfind('/', mid);
        if (cut == std::string_view::npos || cut <= lo || cut >= hi) break;
        if (peek(path.substr(0, cut)) != nullptr)
            lo = cut;
        else
            hi = cut;
    }
    return lo == 0 ? std::string_view("/") : path.substr(0, lo);
}

XsErr Db::ancestor_perms(std::string_view path, const Perms** out) {
    *out = nullptr;
    if (path.empty() || path == "/" || path[0] == '@') return XsErr::Ok;
    const Node* n = nullptr;
    XsErr e = get(deepest_ancestor(path), &n);
    if (e == XsErr::Ok && n != nullptr) *out = &n->perms;
    return e;
}

XsErr Db::create_one(std::string_view path, Node* parent, Node** out) {
    Node* n = ds::make<Node>();
    if (n == nullptr) return XsErr::NoMem;
    uint16_t owner = new_owner(*parent);
    if (!n->path.assign(path) || !n->perms.copy_from(parent->perms) ||
        !parent->add_child(base_name(path)) || !quota_.ensure(owner)) {
        ds::destroy(n);
        return XsErr::NoMem;
    }
    n->perms[0].domid = owner;
    if (tx_ == nullptr) {
        n->gen = tree_.next_gen();
        if (!tree_.insert(n)) {
            parent->remove_child(base_name(path));
            ds::destroy(n);
            return XsErr::NoMem;
        }
        (void)quota_.add(owner, 1);
        tree_.note_touched(n);
        charge(n);
        changed(parent);
    } else {
        TxNode* t = nullptr;
        XsErr e = tx_->track(path, tree_, limits_.tx_nodes, &t);
        if (e != XsErr::Ok) {
            parent->remove_child(base_name(path));
            ds::destroy(n);
            return e;
        }
        if (t->copy != nullptr) uncharge(t->copy);
        ds::destroy(t->copy);
        t->copy = n;
        charge(n);
        t->access |= kTxWritten;
        if (owner == caller_.domid) tx_->add_own_delta(1);
    }
    *out = n;
    return XsErr::Ok;
}

XsErr Db::create(std::string_view path, std::string_view value, Node** out) {
    // Only the parent that gets the new child is recorded as a transaction read.
    std::string_view base = deepest_ancestor(path);
    size_t start = base == "/" ? 0 : base.size();
    size_t missing = 0;
    for (size_t i = start; i < path.size(); i++) missing += path[i] == '/';
    if (!caller_.privileged) {
        int64_t owned = quota_.count(caller_.domid) + (tx_ != nullptr ? tx_->own_delta() : 0);
        if (owned + static_cast<int64_t>(missing) > limits_.nodes) return XsErr::NoSpc;
    }
    const Node* top_parent = nullptr;
    XsErr ge = get(base, &top_parent);
    if (ge != XsErr::Ok) return ge;
    if (top_parent == nullptr) return XsErr::NoEnt;  // the view changed under us: impossible
    size_t top_end = path.find('/', start + 1);
    std::string_view top = path.substr(0, top_end == std::string_view::npos ? path.size() : top_end);
    // Create top-down: each new node's parent exists by then.
    Node* n = nullptr;
    for (size_t end = top.size();; end = path.find('/', end + 1)) {
        std::string_view p = path.substr(0, end == std::string_view::npos ? path.size() : end);
        Node* parent = nullptr;
        XsErr e = get_mut(parent_of(p), &parent);
        if (e == XsErr::Ok) e = create_one(p, parent, &n);
        if (e != XsErr::Ok) {
            if (tx_ != nullptr) tx_->fail();
            return e;
        }
        if (p.size() == path.size()) break;
    }
    if (!n->value.assign(value)) return XsErr::NoMem;
    charge(n);
    *out = n;
    return XsErr::Ok;
}

XsErr Db::remove(std::string_view path) {
    if (tx_ != nullptr) return remove_tx(path);
    Node* parent = tree_.find(parent_of(path));
    size_t first = 0, last = 0;
    tree_.below(path, &first, &last);
    // One range erase, so removing a big subtree costs one pass over the index.
    for (size_t i = first; i < last; i++) {
        (void)quota_.add(tree_.at(i)->owner(), -1);
        uncharge(tree_.at(i));
    }
    tree_.destroy_range(first, last);
    Node* n = tree_.detach(path);
    if (n != nullptr) {
        (void)quota_.add(n->owner(), -1);
        uncharge(n);
    }
    ds::destroy(n);
    if (parent != nullptr) {
        parent->remove_child(base_name(path));
        changed(parent);
    }
    return XsErr::Ok;
}

XsErr Db::remove_tx(std::string_view path) {
    // First the nodes this transaction already holds below path (created or copied)...
    size_t first = 0, last = 0;
    tx_->below(path, &first, &last);
    for (size_t i = first; i < last; i++) {
        TxNode& t = tx_->nodes()[i];
        if (!t.written()) continue;
        if (t.copy != nullptr && t.copy->owner() == caller_.domid) tx_->add_own_delta(-1);
        if (t.copy != nullptr) uncharge(t.copy);
        ds::destroy(t.copy);
        t.copy = nullptr;
    }
    // ...then the tree's nodes below path and path itself, which it has not written yet.
    tree_.below(path, &first, &last);
    for (size_t i = first; i <= last; i++) {
        const Node* cur = i < last ? tree_.at(i) : nullptr;
        std::string_view p = cur != nullptr ? cur->path.view() : path;
        TxNode* t = nullptr;
        XsErr e = tx_->track(p, tree_, limits_.tx_nodes, &t);
        if (e != XsErr::Ok) {
            tx_->fail();
            return e;
        }
        if (!t->written()) {
            const Node* base = tree_.find(p);
            if (base != nullptr && base->owner() == caller_.domid) tx_->add_own_delta(-1);
        } else if (t->copy != nullptr && t->copy->owner() == caller_.domid) {
            tx_->add_own_delta(-1);  // path itself, written earlier in this transaction
        }
        if (t->copy != nullptr) uncharge(t->copy);
        ds::destroy(t->copy);
        t->copy = nullptr;
        t->access |= kTxWritten;
    }
    Node* parent = nullptr;
    XsErr e = get_mut(parent_of(path), &parent);
    if (e != XsErr::Ok) {
        tx_->fail();
        return e;
    }
    if (parent != nullptr) parent->remove_child(base_name(path));
    return XsErr::Ok;
}

XsErr Db::set_perms(Node* n, Perms&& perms) {
    uint16_t old_owner = n->owner(), owner = perms[0].domid;
    if (old_owner != owner) {
        if (tx_ == nullptr) {
            if (!quota_.ensure(owner)) return XsErr::NoMem;
            (void)quota_.add(old_owner, -1);
            (void)quota_.add(owner, 1);
            uncharge(n);  // from the old owner; changed() below charges the new one
        } else {
            tx_->add_own_delta((owner == caller_.domid) - (old_owner == caller_.domid));
        }
    }
    n->perms = static_cast<Perms&&>(perms);
    changed(n);
    return XsErr::Ok;
}

}  // namespace bh::xs
