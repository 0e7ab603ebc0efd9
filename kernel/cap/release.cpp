// Release hooks and the pending-release queue.
#include "cap/release.hpp"

namespace bh {

namespace {

// Indexed by ObjType; zero-initialised, so no constructor runs at boot.
constinit ReleaseHook g_hooks[BH_OBJ_COUNT] = {};

// Objects whose refs reached zero and whose hook has not run yet (intrusive, LIFO: order
// between releases is not part of the contract).
constinit Kobject* g_pending = nullptr;

// True while kobject_release_pending is running hooks. A hook that releases further objects
// only queues them, so chains of objects owning objects (a domain's space holding the last cap
// to another domain) are freed by one loop instead of by recursion on the kernel stack.
constinit bool g_draining = false;

}  // namespace

void set_release_hook(ObjType type, ReleaseHook hook) {
    auto index = static_cast<uint32_t>(type);
    if (index < BH_OBJ_COUNT) g_hooks[index] = hook;
}

void kobject_hold(Kobject* o) {
    if (o) ++o->refs;
}

void kobject_drop_deferred(Kobject* o) {
    // A drop without a matching hold is a kernel bug; refusing it keeps refs from wrapping.
    if (!o || o->refs == 0) return;
    if (--o->refs != 0 || o->release_queued) return;
    o->release_queued = true;
    o->release_next = g_pending;
    g_pending = o;
}

void kobject_release_pending() {
    if (g_draining) return;
    g_draining = true;
    while (g_pending) {
        Kobject* o = g_pending;
        g_pending = o->release_next;
        o->release_next = nullptr;
        o->release_queued = false;
        // A hold taken while the object was queued revives it: its hook waits for the next zero.
        if (o->refs != 0) continue;
        auto index = static_cast<uint32_t>(o->type);
        ReleaseHook hook = index < BH_OBJ_COUNT ? g_hooks[index] : nullptr;
        if (hook) hook(o);
    }
    g_draining = false;
}

void kobject_drop(Kobject* o) {
    kobject_drop_deferred(o);
    kobject_release_pending();
}

}  // namespace bh
