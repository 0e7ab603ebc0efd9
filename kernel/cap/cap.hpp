// Cap: one capability slot — (object, rights, badge) plus its place in the derivation tree.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cap/kobject.hpp"

namespace bh {

class CSpace;

// Invariants (kept by CSpace, checked by CSpace::check_invariants):
//  - empty (obj == nullptr) implies rights == 0, badge == 0 and no links;
//  - a derived cap names its parent's object, its rights are a subset of the parent's, and its
//    badge equals the parent's unless the parent is unbadged;
//  - siblings form a doubly linked list headed by parent->first_child; a root cap (no parent)
//    has no siblings.
// Links may point into other CSpaces: authority handed to another domain stays in the tree of
// the cap it was derived from, so revoke reaches it.
struct Cap {
    Kobject* obj = nullptr;
    uint32_t rights = 0;  // BH_R_* bits
    uint64_t badge = 0;   // 0 = unbadged

    bool empty() const { return obj == nullptr; }
    ObjType type() const { return obj ? obj->type : ObjType::Null; }

    const Cap* parent() const { return parent_; }
    const Cap* first_child() const { return first_child_; }
    const Cap* next_sibling() const { return next_sibling_; }
    const Cap* prev_sibling() const { return prev_sibling_; }

private:
    friend class CSpace;
    Cap* parent_ = nullptr;
    Cap* first_child_ = nullptr;
    Cap* next_sibling_ = nullptr;
    Cap* prev_sibling_ = nullptr;
};

static_assert(sizeof(Cap) <= 64, "a slot stays within one cache line");

}  // namespace bh
