// Watch and Event: what a connection watches, what a change announces, and how they match.
#include "core/event.hpp"

#include "core/path.hpp"

namespace bh::xs {

bool Event::copy_from(const Event& o) {
    Event fresh;
    if (!fresh.path.copy_from(o.path) || !fresh.perms.copy_from(o.perms) ||
        !fresh.parent_perms.copy_from(o.parent_perms))
        return false;
    fresh.rm = o.rm;
    *this = static_cast<Event&&>(fresh);
    return true;
}

bool watch_fires(const Watch& w, const Event& e, std::string_view* epath) {
    if (is_child(e.path.view(), w.path.view())) {
        *epath = e.path.view();
        return true;
    }
    // Removing an ancestor of the watched path removes the watched path too.
    if (e.rm && is_child(w.path.view(), e.path.view())) {
        *epath = w.path.view();
        return true;
    }
    return false;
}

bool event_visible(const Event& e, uint16_t domid, bool privileged) {
    if (privileged) return true;
    if (access_for(e.perms, domid, false) & kPermRead) return true;
    return !e.parent_perms.empty() && (access_for(e.parent_perms, domid, false) & kPermRead);
}

}  // namespace bh::xs
