// CSpace: a domain's capability space — a fixed array of slots and the operations on them.
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

#include "cap/cap.hpp"
#include "cap/kobject.hpp"
#include "cap/release.hpp"
#include "lib/result.hpp"

namespace bh {

// Invariants: every occupied slot holds one reference on its object (obj->refs counts it);
// every slot satisfies Cap's link invariants, with links possibly into other CSpaces.
// Every method validates all of its arguments before changing anything: a call that returns
// an Error has changed nothing. Release hooks run only after the derivation links are
// consistent again, so a hook may itself use any CSpace.
// Created by knew<CSpace>() and charged to a Quota by the caller; it allocates nothing itself.
// The destructor clears the space, so no slot elsewhere keeps a link into freed memory.
class CSpace {
public:
    static constexpr uint32_t kSlots = 64;

    CSpace() = default;
    ~CSpace() { clear(); }
    CSpace(const CSpace&) = delete;
    CSpace& operator=(const CSpace&) = delete;

    // A root capability (no parent). Errors: BadSlot, BadArg (null object, Null type, rights
    // outside BH_R_ALL), SlotFull.
    Result<void> insert(bh_slot_t slot, Kobject* obj, uint32_t rights, uint64_t badge = 0);

    // The one choke point to an object. Errors in this order: BadSlot, EmptySlot, WrongType,
    // NoRights (a right in `needed` that the cap lacks).
    Result<Cap*> lookup(bh_slot_t slot, ObjType type, uint32_t needed);

    template <class T>
    Result<T*> lookup_as(bh_slot_t slot, uint32_t needed) {
        Cap* cap = TRY(lookup(slot, T::kType, needed));
        return kobject_cast<T>(cap->obj);
    }

    // Any non-empty slot, for cap_info. Errors: BadSlot, EmptySlot.
    Result<Cap*> at(bh_slot_t slot);

    // A child of `src` in `dst` (which may be *this) with rights src.rights & mask, same badge.
    // Errors: BadSlot (either), EmptySlot, NoRights (dst is another space and src lacks
    // BH_R_GRANT), SlotFull (d occupied — including d being src itself).
    Result<void> copy(bh_slot_t src, CSpace& dst, bh_slot_t d, uint32_t rights_mask);

    // copy that also sets the badge. A badged cap keeps its badge: minting it with another
    // (including 0) fails with BadState, checked after NoRights and before SlotFull.
    Result<void> mint(bh_slot_t src, CSpace& dst, bh_slot_t d, uint32_t rights_mask,
                      uint64_t badge);

    // Relocates a cap, keeping its parent and children. Needs no right: no authority is added.
    // Errors: BadSlot (either), EmptySlot, SlotFull (d occupied — including d being src).
    Result<void> move(bh_slot_t src, CSpace& dst, bh_slot_t d);

    // seL4 "delete": children are re-parented to the cap's parent (or become roots) and keep
    // their authority. Errors: BadSlot, EmptySlot.
    Result<void> remove(bh_slot_t slot);

    // Deletes every capability derived from `slot`, in any space, transitively; the slot
    // itself stays. Iterative, O(descendants). Errors: BadSlot, EmptySlot.
    Result<void> revoke(bh_slot_t slot);

    // Removes every slot (domain destruction). Caps derived from them elsewhere survive.
    void clear();

    uint32_t count() const;
    // Lowest empty slot. Errors: SlotFull when every slot is occupied.
    Result<bh_slot_t> find_free() const;

    // Debug helper for tests: every slot's link, rights and badge invariants hold.
    bool check_invariants() const;

private:
    Cap* slot_ptr(bh_slot_t slot) { return slot < kSlots ? &slots_[slot] : nullptr; }
    Result<void> derive(bh_slot_t src, CSpace& dst, bh_slot_t d, uint32_t rights_mask,
                        uint64_t badge);

    static void link_child(Cap* parent, Cap* child);
    static void unlink(Cap* cap);
    static void reparent_children(Cap* cap, Cap* grand);
    static void relocate(Cap* from, Cap* to);
    static void destroy_leaf(Cap* cap);
    static void delete_one(Cap* cap);
    static bool slot_ok(const Cap& cap);

    Cap slots_[kSlots];
};

static_assert(sizeof(CSpace) <= 4096, "a CSpace is one kalloc object");

}  // namespace bh
