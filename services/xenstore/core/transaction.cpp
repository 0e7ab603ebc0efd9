// Transaction: a private overlay of the tree plus the generations it was based on.
#include "core/transaction.hpp"

#include "bh/ds/alloc.hpp"
#include "core/path.hpp"

namespace bh::xs {

TxNode::TxNode(TxNode&& o) noexcept
    : path(static_cast<ds::Bytes&&>(o.path)), copy(o.copy), base_gen(o.base_gen),
      access(o.access) {
    o.copy = nullptr;
}

TxNode& TxNode::operator=(TxNode&& o) noexcept {
    if (this != &o) {
        ds::destroy(copy);
        path = static_cast<ds::Bytes&&>(o.path);
        copy = o.copy;
        base_gen = o.base_gen;
        access = o.access;
        o.copy = nullptr;
    }
    return *this;
}

TxNode::~TxNode() { ds::destroy(copy); }

size_t Transaction::lower_bound(std::string_view path) const {
    size_t lo = 0, hi = nodes_.size();
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (nodes_[mid].path.view() < path)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint64_t Transaction::count_bytes() const {
    uint64_t b = 0;
    for (const TxNode& n : nodes_) b += n.path.size() + kRecordOverhead + (n.copy ? n.copy->charged : 0);
    return b;
}

TxNode* Transaction::find(std::string_view path) {
    size_t i = lower_bound(path);
    return i < nodes_.size() && nodes_[i].path == path ? &nodes_[i] : nullptr;
}

XsErr Transaction::track(std::string_view path, const Tree& tree, uint32_t limit,
                         TxNode** out) {
    size_t i = lower_bound(path);
    if (i < nodes_.size() && nodes_[i].path == path) {
        *out = &nodes_[i];
        return XsErr::Ok;
    }
    if (nodes_.size() >= limit) return XsErr::NoSpc;
    TxNode n;
    if (!n.path.assign(path)) return XsErr::NoMem;
    const Node* cur = tree.find(path);
    n.base_gen = cur != nullptr ? cur->gen : 0;
    if (!nodes_.insert(i, static_cast<TxNode&&>(n))) return XsErr::NoMem;
    bytes_ += path.size() + kRecordOverhead;
    *out = &nodes_[i];
    return XsErr::Ok;
}

void Transaction::below(std::string_view path, size_t* first, size_t* last) const {
    // Records are few next to the tree: a linear pass keeps this obviously right.
    size_t begin = nodes_.size(), end = nodes_.size();
    bool root = path == "/";
    for (size_t i = 0; i < nodes_.size(); i++) {
        std::string_view p = nodes_[i].path.view();
        bool in = p.size() > path.size() && p.substr(0, path.size()) == path &&
                  (root || p[path.size()] == '/');
        if (in && begin == nodes_.size()) begin = i;
        if (!in && begin != nodes_.size()) {
            end = i;
            break;
        }
    }
    *first = begin;
    *last = begin == nodes_.size() ? begin : end;
}

bool Transaction::restore_node(TxNode&& n) {
    if (!nodes_.empty() && !(nodes_.back().path.view() < n.path.view())) return false;
    if (n.copy != nullptr) n.copy->charged = n.copy->footprint();
    bytes_ += n.path.size() + kRecordOverhead + (n.copy != nullptr ? n.copy->charged : 0);
    return nodes_.push_back(static_cast<TxNode&&>(n));
}

const Node* Transaction::view(const Tree& tree, std::string_view path) {
    TxNode* n = find(path);
    return n != nullptr && n->written() ? n->copy : tree.find(path);
}

bool Transaction::consistent(const Tree& tree) {
    ds::Bytes child;
    for (const TxNode& n : nodes_) {
        if (!n.written()) continue;
        std::string_view p = n.path.view();
        bool top = p == "/" || p[0] == '@';
        const Node* parent = top ? nullptr : view(tree, parent_of(p));
        bool listed_by_parent = parent != nullptr && parent->has_child(base_name(p));
        if (!top && (n.copy != nullptr) != listed_by_parent) return false;
        if (p[0] == '@' && n.copy != nullptr && !n.copy->children.empty()) return false;
        const Node* versions[2] = {n.copy, tree.find(p)};
        for (const Node* src : versions) {
            if (src == nullptr) continue;
            std::string_view list = src->children.view();
            for (size_t off = 0; off < list.size();) {
                size_t end = list.find('\0', off);
                if (end == std::string_view::npos) return false;
                std::string_view name = list.substr(off, end - off);
                off = end + 1;
                child.clear();
                if (!child.append(p) || (p != "/" && !child.push_back('/')) || !child.append(name))
                    return false;
                bool listed = n.copy != nullptr && n.copy->has_child(name);
                if ((view(tree, child.view()) != nullptr) != listed) return false;
            }
        }
    }
    return true;
}

XsErr Transaction::commit(Tree& tree, Quota& quota, const Limits& limits, uint16_t domid,
                          bool privileged) {
    if (failed_) return XsErr::Again;
    size_t creations = 0;
    int64_t delta = 0;
    for (const TxNode& n : nodes_) {
        const Node* cur = tree.find(n.path.view());
        if ((cur != nullptr ? cur->gen : 0) != n.base_gen) return XsErr::Again;
        if (!n.written()) continue;
        creations += cur == nullptr && n.copy != nullptr;
        delta -= cur != nullptr && cur->owner() == domid;
        delta += n.copy != nullptr && n.copy->owner() == domid;
    }
    if (!privileged && delta > 0 && quota.count(domid) + delta > limits.nodes) return XsErr::NoSpc;
    if (!consistent(tree)) return XsErr::Again;

    // Everything that can fail is done before the first change to the tree.
    if (!tree.reserve(creations)) return XsErr::NoMem;
    for (const TxNode& n : nodes_)
        if (n.written() && n.copy != nullptr && !quota.ensure(n.copy->owner())) return XsErr::NoMem;

    uint64_t gen = tree.next_gen();
    for (TxNode& n : nodes_) {
        if (!n.written()) continue;
        Node* cur = tree.find(n.path.view());
        if (n.copy == nullptr) {
            if (cur == nullptr) continue;
            (void)quota.add(cur->owner(), -1);
            quota.add_bytes(cur->owner(), -int64_t{cur->charged});
            ds::destroy(tree.detach(n.path.view()));
        } else if (cur != nullptr) {
            if (cur->owner() != n.copy->owner()) {
                (void)quota.add(cur->owner(), -1);
                (void)quota.add(n.copy->owner(), 1);
            }
            quota.add_bytes(cur->owner(), -int64_t{cur->charged});
            cur->value = static_cast<ds::Bytes&&>(n.copy->value);
            cur->perms = static_cast<Perms&&>(n.copy->perms);
            cur->children = static_cast<ds::Bytes&&>(n.copy->children);
            cur->gen = gen;
            tree.note_touched(cur);
            cur->charged = cur->footprint();
            quota.add_bytes(cur->owner(), cur->charged);
        } else {
            n.copy->gen = gen;
            (void)quota.add(n.copy->owner(), 1);
            n.copy->charged = n.copy->footprint();
            quota.add_bytes(n.copy->owner(), n.copy->charged);
            (void)tree.insert(n.copy);  // reserved above
            tree.note_touched(n.copy);
            n.copy = nullptr;
        }
    }
    nodes_.clear();
    bytes_ = 0;
    return XsErr::Ok;
}

}  // namespace bh::xs
