// Quotas: the per-domain limits and the node counts charged to each owner.
#include "core/quota.hpp"

namespace bh::xs {

uint32_t Quota::count(uint16_t domid) const {
    for (const Used& u : used_)
        if (u.domid == domid) return u.nodes;
    return 0;
}

uint64_t Quota::bytes(uint16_t domid) const {
    for (const Used& u : used_)
        if (u.domid == domid) return u.bytes;
    return 0;
}

void Quota::add_bytes(uint16_t domid, int64_t delta) {
    for (Used& u : used_) {
        if (u.domid != domid) continue;
        int64_t v = static_cast<int64_t>(u.bytes) + delta;
        u.bytes = v < 0 ? 0 : static_cast<uint64_t>(v);
        return;
    }
}

bool Quota::add(uint16_t domid, int64_t delta) {
    for (size_t i = 0; i < used_.size(); i++) {
        if (used_[i].domid != domid) continue;
        int64_t v = static_cast<int64_t>(used_[i].nodes) + delta;
        used_[i].nodes = v < 0 ? 0 : static_cast<uint32_t>(v);
        return true;
    }
    if (delta <= 0) return true;
    return used_.push_back(Used{domid, static_cast<uint32_t>(delta), 0});
}

bool Quota::ensure(uint16_t domid) {
    for (const Used& u : used_)
        if (u.domid == domid) return true;
    return used_.push_back(Used{domid, 0, 0});
}

}  // namespace bh::xs
