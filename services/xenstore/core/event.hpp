// Watch and Event: what a connection watches, what a change announces, and how they match.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string_view>

#include "bh/ds/bytes.hpp"
#include "core/perms.hpp"

namespace bh::xs {

// A registered watch. path is absolute (or '@special'); prefix_len > 0 when the client gave it
// relative, so events are reported relative too (the prefix is cut off).
struct Watch {
    ds::Bytes path;
    ds::Bytes token;
    uint16_t prefix_len = 0;
};

// A change to announce. Ordinary changes fire every watch on the path or above it; a removal
// (rm) also fires watches below the removed path, reported at the watch's own path. Who may
// see it: a domain that can read the node (perms) or its parent (parent_perms) — the
// permissions as they were when the change was made.
struct Event {
    ds::Bytes path;
    bool rm = false;
    Perms perms;
    Perms parent_perms;

    [[nodiscard]] bool copy_from(const Event& o);
};

// True if e fires w; *epath is then the path to report (before cutting w's prefix).
bool watch_fires(const Watch& w, const Event& e, std::string_view* epath);
// Whether a connection of domid may learn of e.
bool event_visible(const Event& e, uint16_t domid, bool privileged);

}  // namespace bh::xs
