// Tree: every committed node, kept sorted by path so a subtree is one contiguous range.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string_view>

#include "bh/ds/vec.hpp"
#include "core/node.hpp"

namespace bh::xs {

// Invariants: nodes_ is sorted by path with no duplicates, and owns its nodes. Because a path
// sorts before every path that extends it, a parent comes before its descendants, and the
// nodes below P ("P/...") form one contiguous range. Parent/child consistency (each node but
// "/" and the '@' specials has its parent, which lists it) is kept by the callers (Db, commit,
// state load) and checked by check().
class Tree {
public:
    Tree() = default;
    Tree(const Tree&) = delete;
    Tree& operator=(const Tree&) = delete;
    ~Tree();

    size_t size() const { return nodes_.size(); }
    Node* at(size_t i) const { return nodes_[i]; }
    Node* find(std::string_view path) const;
    // The index range [*first, *last) of the nodes strictly below path.
    void below(std::string_view path, size_t* first, size_t* last) const;

    // Room for `extra` more inserts that then cannot fail.
    [[nodiscard]] bool reserve(size_t extra) { return nodes_.grow_for(nodes_.size() + extra); }
    // Takes ownership of n, whose path must not be present. False on allocation failure
    // (n is then still the caller's).
    [[nodiscard]] bool insert(Node* n);
    // Unlinks the node at path and hands it to the caller (nullptr if absent).
    Node* detach(std::string_view path);
    // Frees the nodes at indices [first, last).
    void destroy_range(size_t first, size_t last);

    // Generations: one counter for the whole store, so "changed since" is a comparison.
    uint64_t next_gen() { return ++gen_; }
    uint64_t gen() const { return gen_; }
    void set_gen(uint64_t g) { gen_ = g; }

    // Drops every node and resets the generation.
    void clear();

    // The nodes given a new generation since forget_touched(), so a journal delta need not scan
    // the whole tree for them: callers note_touched() a node once it is in the tree with its new
    // generation; removal forgets it. Past kMaxTouched the list gives up (touched_complete()
    // false) until the next forget_touched(), and a delta scans instead.
    static constexpr size_t kMaxTouched = 256;
    void note_touched(Node* n);
    void forget_touched();
    bool touched_complete() const { return !touched_overflow_; }
    const ds::Vec<Node*>& touched() const { return touched_; }

    // Checks the parent/child invariant over the whole tree; used by state load and tests.
    bool check() const;

private:
    size_t lower_bound(std::string_view path) const;

    void untouch(const Node* n);

    ds::Vec<Node*> nodes_;
    uint64_t gen_ = 0;
    ds::Vec<Node*> touched_;
    bool touched_overflow_ = false;
};

}  // namespace bh::xs
