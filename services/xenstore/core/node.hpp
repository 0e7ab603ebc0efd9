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

    uint16_t owner() const { return perms[0].domid; }
    // Replaces every field with a copy of o's; false (and unchanged) on allocation failure.
    [[nodiscard]] bool copy_from(const Node& o);
    [[nodiscard]] bool add_child(std::string_view name);
    void remove_child(std::string_view name);
    bool has_child(std::string_view name) const;
    size_t child_count() const;
};

}  // namespace bh::xs
