// Object lifetime: reference holds and the per-type release hooks run when refs reaches zero.
#pragma once

#include "cap/kobject.hpp"

namespace bh {

// Runs when the last capability or kernel hold on an object goes; it frees the object (or
// closes the port, ...). A hook may itself delete capabilities and drop holds.
using ReleaseHook = void (*)(Kobject*);

// Installs (or, with nullptr, removes) the hook for a type. Unknown types are ignored.
void set_release_hook(ObjType type, ReleaseHook hook);

// Kernel-internal holds: keep an object alive without a capability (a bound port, a mapping).
void kobject_hold(Kobject* o);
// Drops one reference; at zero the type's hook runs before this returns, unless hooks are
// already running further up the stack, in which case that outer loop runs it.
void kobject_drop(Kobject* o);

// For cap/ internals. Releases are split in two so that a tree operation (revoke, clear)
// finishes rewriting the derivation links before any hook can touch capability spaces.
// kobject_drop_deferred decrements and queues an object that reached zero;
// kobject_release_pending runs the hooks of every queued object.
void kobject_drop_deferred(Kobject* o);
void kobject_release_pending();

}  // namespace bh
