// Kobject: the base of every object a capability can name.
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

namespace bh {

enum class ObjType : uint8_t {
    Null = BH_OBJ_NULL,
    Domain = BH_OBJ_DOMAIN,
    Frame = BH_OBJ_FRAME,
    EvtChn = BH_OBJ_EVTCHN,
    GntTab = BH_OBJ_GNTTAB,
    Device = BH_OBJ_DEVICE,
    Irq = BH_OBJ_IRQ,
    Machine = BH_OBJ_MACHINE,
};

// Invariant: refs counts the capabilities naming this object plus kernel-internal holds.
// When refs drops to zero the type's release hook frees it (see cap/release.hpp).
struct Kobject {
    explicit Kobject(ObjType t) : type(t) {}
    ObjType type;
    // Owned by cap/release.cpp: set while the object waits on the pending-release list, so a
    // release requested while hooks are already running is queued once, not run nested.
    bool release_queued = false;
    uint32_t refs = 0;
    Kobject* release_next = nullptr;
};

// Tag-checked down-cast: every concrete kind declares `static constexpr ObjType kType`.
template <class T>
T* kobject_cast(Kobject* o) {
    return (o && o->type == T::kType) ? static_cast<T*>(o) : nullptr;
}

}  // namespace bh
