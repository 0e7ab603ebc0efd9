// CSpace operations and the derivation-tree surgery behind them.
#include "cap/cspace.hpp"

namespace bh {

// ---- tree surgery (no validation: callers have decided the operation succeeds) ----

// Pushes `child` at the head of parent's children: O(1), sibling order carries no meaning.
void CSpace::link_child(Cap* parent, Cap* child) {
    child->parent_ = parent;
    child->prev_sibling_ = nullptr;
    child->next_sibling_ = parent->first_child_;
    if (parent->first_child_) parent->first_child_->prev_sibling_ = child;
    parent->first_child_ = child;
}

// Takes `cap` out of its parent's child list; its own children stay attached to it.
void CSpace::unlink(Cap* cap) {
    if (cap->prev_sibling_) {
        cap->prev_sibling_->next_sibling_ = cap->next_sibling_;
    } else if (cap->parent_) {
        cap->parent_->first_child_ = cap->next_sibling_;
    }
    if (cap->next_sibling_) cap->next_sibling_->prev_sibling_ = cap->prev_sibling_;
    cap->parent_ = nullptr;
    cap->prev_sibling_ = nullptr;
    cap->next_sibling_ = nullptr;
}

// Hands cap's children to `grand` (cap's former parent), so they keep their place under the
// authority cap came from; with no grand they become roots.
void CSpace::reparent_children(Cap* cap, Cap* grand) {
    Cap* child = cap->first_child_;
    cap->first_child_ = nullptr;
    while (child) {
        Cap* next = child->next_sibling_;
        if (grand) {
            link_child(grand, child);
        } else {
            child->parent_ = nullptr;
            child->prev_sibling_ = nullptr;
            child->next_sibling_ = nullptr;
        }
        child = next;
    }
}

// Moves a slot's content to an empty slot and points every neighbour at the new place.
void CSpace::relocate(Cap* from, Cap* to) {
    *to = *from;
    if (to->prev_sibling_) {
        to->prev_sibling_->next_sibling_ = to;
    } else if (to->parent_) {
        to->parent_->first_child_ = to;
    }
    if (to->next_sibling_) to->next_sibling_->prev_sibling_ = to;
    for (Cap* c = to->first_child_; c; c = c->next_sibling_) c->parent_ = to;
    *from = Cap{};
}

// Empties a childless slot. The object's hook is only queued; callers run
// kobject_release_pending() once the tree is consistent.
void CSpace::destroy_leaf(Cap* cap) {
    unlink(cap);
    Kobject* obj = cap->obj;
    *cap = Cap{};
    kobject_drop_deferred(obj);
}

// seL4 "delete" of one cap, hooks deferred like destroy_leaf.
void CSpace::delete_one(Cap* cap) {
    Cap* grand = cap->parent_;
    unlink(cap);
    reparent_children(cap, grand);
    destroy_leaf(cap);
}

// ---- operations ----

Result<void> CSpace::insert(bh_slot_t slot, Kobject* obj, uint32_t rights, uint64_t badge) {
    Cap* cap = slot_ptr(slot);
    if (!cap) return Error::BadSlot;
    if (!obj || obj->type == ObjType::Null || (rights & ~BH_R_ALL) != 0) return Error::BadArg;
    if (!cap->empty()) return Error::SlotFull;
    cap->obj = obj;
    cap->rights = rights;
    cap->badge = badge;
    kobject_hold(obj);
    return success();
}

Result<Cap*> CSpace::lookup(bh_slot_t slot, ObjType type, uint32_t needed) {
    Cap* cap = TRY(at(slot));
    if (cap->type() != type) return Error::WrongType;
    if ((needed & ~cap->rights) != 0) return Error::NoRights;
    return cap;
}

Result<Cap*> CSpace::at(bh_slot_t slot) {
    Cap* cap = slot_ptr(slot);
    if (!cap) return Error::BadSlot;
    if (cap->empty()) return Error::EmptySlot;
    return cap;
}

Result<void> CSpace::copy(bh_slot_t src, CSpace& dst, bh_slot_t d, uint32_t rights_mask) {
    Cap* from = slot_ptr(src);
    if (!from) return Error::BadSlot;
    return derive(src, dst, d, rights_mask, from->badge);
}

Result<void> CSpace::mint(bh_slot_t src, CSpace& dst, bh_slot_t d, uint32_t rights_mask,
                          uint64_t badge) {
    return derive(src, dst, d, rights_mask, badge);
}

// Shared by copy and mint: copy passes the source's own badge, so the badge rule never fires.
Result<void> CSpace::derive(bh_slot_t src, CSpace& dst, bh_slot_t d, uint32_t rights_mask,
                            uint64_t badge) {
    Cap* from = slot_ptr(src);
    Cap* to = dst.slot_ptr(d);
    if (!from || !to) return Error::BadSlot;
    if (from->empty()) return Error::EmptySlot;
    if (&dst != this && (from->rights & BH_R_GRANT) == 0) return Error::NoRights;
    if (from->badge != 0 && badge != from->badge) return Error::BadState;
    if (!to->empty()) return Error::SlotFull;
    to->obj = from->obj;
    to->rights = from->rights & rights_mask;
    to->badge = badge;
    link_child(from, to);
    kobject_hold(to->obj);
    return success();
}

Result<void> CSpace::move(bh_slot_t src, CSpace& dst, bh_slot_t d) {
    Cap* from = slot_ptr(src);
    Cap* to = dst.slot_ptr(d);
    if (!from || !to) return Error::BadSlot;
    if (from->empty()) return Error::EmptySlot;
    if (!to->empty()) return Error::SlotFull;
    relocate(from, to);
    return success();
}

Result<void> CSpace::remove(bh_slot_t slot) {
    Cap* cap = TRY(at(slot));
    delete_one(cap);
    kobject_release_pending();
    return success();
}

// Post-order walk without a stack: always descend to a leaf and delete it, then resume from
// its parent, whose next child has become its first. Each cap is entered once per child plus
// once more, so the walk is linear. Every deleted cap names the root's object and the root
// keeps its reference, so no release hook can become due here.
Result<void> CSpace::revoke(bh_slot_t slot) {
    Cap* root = TRY(at(slot));
    Cap* node = root->first_child_;
    while (node) {
        if (node->first_child_) {
            node = node->first_child_;
            continue;
        }
        Cap* parent = node->parent_;
        destroy_leaf(node);
        node = parent == root ? root->first_child_ : parent;
    }
    return success();
}

void CSpace::clear() {
    for (uint32_t i = 0; i < kSlots; ++i) {
        if (!slots_[i].empty()) delete_one(&slots_[i]);
    }
    kobject_release_pending();
}

uint32_t CSpace::count() const {
    uint32_t n = 0;
    for (uint32_t i = 0; i < kSlots; ++i) n += slots_[i].empty() ? 0 : 1;
    return n;
}

Result<bh_slot_t> CSpace::find_free() const {
    for (uint32_t i = 0; i < kSlots; ++i) {
        if (slots_[i].empty()) return bh_slot_t{i};
    }
    return Error::SlotFull;
}

// ---- debug ----

// Checks one slot against its neighbours; O(1) per slot, so together with every other slot's
// check it covers each sibling list, whichever CSpace its members live in.
bool CSpace::slot_ok(const Cap& c) {
    if (c.empty()) {
        return c.rights == 0 && c.badge == 0 && !c.parent_ && !c.first_child_ &&
               !c.next_sibling_ && !c.prev_sibling_;
    }
    if (c.obj->type == ObjType::Null || c.obj->refs == 0 || (c.rights & ~BH_R_ALL) != 0) {
        return false;
    }
    if (const Cap* p = c.parent_) {
        if (p->obj != c.obj || (c.rights & ~p->rights) != 0) return false;
        if (p->badge != 0 && c.badge != p->badge) return false;
        if (c.prev_sibling_ ? c.prev_sibling_->next_sibling_ != &c : p->first_child_ != &c) {
            return false;
        }
        if (c.prev_sibling_ && c.prev_sibling_->parent_ != p) return false;
        if (c.next_sibling_ && (c.next_sibling_->prev_sibling_ != &c ||
                                c.next_sibling_->parent_ != p)) {
            return false;
        }
    } else if (c.prev_sibling_ || c.next_sibling_) {
        return false;
    }
    if (const Cap* k = c.first_child_) {
        if (k->parent_ != &c || k->prev_sibling_) return false;
    }
    return true;
}

bool CSpace::check_invariants() const {
    for (uint32_t i = 0; i < kSlots; ++i) {
        if (!slot_ok(slots_[i])) return false;
    }
    return true;
}

}  // namespace bh
