// Tree: every committed node, kept sorted by path so a subtree is one contiguous range.
#include "core/tree.hpp"

#include "bh/ds/alloc.hpp"
#include "core/path.hpp"

namespace bh::xs {

namespace {

// Orders s against the prefix "path/" (or "/" for the root) looking only at s's first
// |prefix| bytes: < 0 before the subtree, 0 inside it, > 0 after it.
int cmp_subtree(std::string_view s, std::string_view path) {
    bool root = path == "/";
    std::string_view head = s.substr(0, path.size());
    int c = head.compare(path);
    if (c != 0 || root) return c;
    if (s.size() == path.size()) return -1;
    return static_cast<unsigned char>(s[path.size()]) - static_cast<int>('/');
}

}  // namespace

Tree::~Tree() { clear(); }

void Tree::clear() {
    for (Node* n : nodes_) ds::destroy(n);
    nodes_.clear();
    gen_ = 0;
    forget_touched();
}

void Tree::note_touched(Node* n) {
    if (touched_overflow_) return;
    if (touched_.size() >= kMaxTouched || !touched_.push_back(n)) {
        touched_.clear();
        touched_overflow_ = true;
    }
}

void Tree::forget_touched() {
    touched_.clear();
    touched_overflow_ = false;
}

void Tree::untouch(const Node* n) {
    for (size_t i = 0; i < touched_.size();) {
        if (touched_[i] == n) {
            touched_[i] = touched_.back();
            touched_.pop_back();
        } else {
            i++;
        }
    }
}

size_t Tree::lower_bound(std::string_view path) const {
    size_t lo = 0, hi = nodes_.size();
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (nodes_[mid]->path.view() < path)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

Node* Tree::find(std::string_view path) const {
    size_t i = lower_bound(path);
    return i < nodes_.size() && nodes_[i]->path == path ? nodes_[i] : nullptr;
}

void Tree::below(std::string_view path, size_t* first, size_t* last) const {
    size_t lo = 0, hi = nodes_.size();
    while (lo < hi) {  // first node not before the subtree
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_subtree(nodes_[mid]->path.view(), path) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t begin = lo;
    hi = nodes_.size();
    while (lo < hi) {  // first node after it
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_subtree(nodes_[mid]->path.view(), path) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    // The root's own entry "/" matches its prefix; it is not below itself.
    if (begin < lo && nodes_[begin]->path == path) begin++;
    *first = begin;
    *last = lo;
}

bool Tree::insert(Node* n) {
    size_t i = lower_bound(n->path.view());
    return nodes_.insert(i, static_cast<Node*&&>(n));
}

Node* Tree::detach(std::string_view path) {
    size_t i = lower_bound(path);
    if (i >= nodes_.size() || !(nodes_[i]->path == path)) return nullptr;
    Node* n = nodes_[i];
    nodes_.erase(i);
    untouch(n);
    return n;
}

void Tree::destroy_range(size_t first, size_t last) {
    if (first >= last || last > nodes_.size()) return;
    for (size_t i = first; i < last; i++) {
        if (!touched_.empty()) untouch(nodes_[i]);
        ds::destroy(nodes_[i]);
    }
    nodes_.erase(first, last);
}

bool Tree::check() const {
    size_t links = 0, nonroot = 0;
    for (size_t i = 0; i < nodes_.size(); i++) {
        const Node* n = nodes_[i];
        std::string_view p = n->path.view();
        if (n->perms.empty() || n->gen == 0 || n->gen > gen_) return false;
        if (i > 0 && !(nodes_[i - 1]->path.view() < p)) return false;
        links += n->child_count();
        if (p == "/" || p[0] == '@') continue;
        nonroot++;
        const Node* parent = find(parent_of(p));
        if (parent == nullptr || !parent->has_child(base_name(p))) return false;
    }
    // Every listed child exists: with each node listed by its parent, counts must agree.
    return links == nonroot;
}

}  // namespace bh::xs
