// Node: one entry of the store — path, value, permissions, child names, generation.
#pragma once

#include <stdint.h>

#include <string_view>

#include "bh/ds/bytes.hpp"
#include "core/perms.hpp"

namespace bh::xs {

// Invariants (for nodes in a Tree): path is canonical; perms is non-empty; children holds each
// existing child's base name once, NUL-terminated, in creation order (what DIRECTORY returns);
// gen is non-zero and grows whenever value, perms or children change, which is what
// transactions compare to find conflicts.
struct Node {
    ds::Bytes path;
    ds::Bytes value;
    Perms perms;
    ds::Bytes children;
    uint64_t gen = 0;
    // The bytes this node is charged as: to its owner's memory quota while in the tree, to its
    // transaction while a transaction's copy. Kept equal to footprint() by Db and commit.
    uint32_t charged = 0;

    // What the node costs the store, as memory quotas count it.
    uint32_t footprint() const {
        return static_cast<uint32_t>(kNodeOverhead + path.size() + value.size() + children.size() +
                                     perms.size() * sizeof(Perm));
    }
    static constexpr uint32_t kNodeOverhead = 64;

    uint16_t owner() const { return perms[0].domid; }
    // Replaces every field with a copy of o's (charged starts at 0); false (and unchanged) on
    // allocation failure.
    [[nodiscard]] bool copy_from(const Node& o);
    [[nodiscard]] bool add_child(std::string_view name);
    void remove_child(std::string_view name);
    bool has_child(std::string_view name) const;
    size_t child_count() const;
};

}  // namespace bh::xs
