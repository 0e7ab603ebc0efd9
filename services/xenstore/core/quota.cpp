// Quotas: the per-domain limits and the node counts charged to each owner.
#include "core/quota.hpp"

namespace bh::xs {

uint32_t Quota::count(uint16_t domid) const {
    for (const Used& u : used_)
        if (u.domid == domid) return u.nodes;
    return 0;
}

bool Quota::add(uint16_t domid, int64_t delta) {
    for (size_t i = 0; i < used_.size(); i++) {
        if (used_[i].domid != domid) continue;
        int64_t v = static_cast<int64_t>(used_[i].nodes) + delta;
        used_[i].nodes = v < 0 ? 0 : static_cast<uint32_t>(v);
        return true;
    }
    if (delta <= 0) return true;
    return used_.push_back(Used{domid, static_cast<uint32_t>(delta)});
}

bool Quota::ensure(uint16_t domid) {
    for (const Used& u : used_)
        if (u.domid == domid) return true;
    return used_.push_back(Used{domid, 0});
}

}  // namespace bh::xs
