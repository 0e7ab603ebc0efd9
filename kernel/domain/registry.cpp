// Domain ids are handed out lowest-first; id 0 is the supervisor's.
#include "domain/registry.hpp"

#include "domain/domain.hpp"

namespace bh {
namespace {
Domain* g_domains[kMaxDomains];
}

Domain* domain_slot(bh_domid_t id) { return id < kMaxDomains ? g_domains[id] : nullptr; }

Domain* domain_by_id(bh_domid_t id) {
    Domain* d = domain_slot(id);
    return (d && d->alive()) ? d : nullptr;
}

Result<bh_domid_t> domain_register(Domain* d, bh_domid_t want) {
    if (want != 0) {
        if (want >= kMaxDomains) return Error::BadArg;
        if (g_domains[want]) return Error::Busy;
        g_domains[want] = d;
        return want;
    }
    for (uint32_t i = 0; i < kMaxDomains; ++i) {
        if (!g_domains[i]) {
            g_domains[i] = d;
            return static_cast<bh_domid_t>(i);
        }
    }
    return Error::NoMemory;
}

void domain_unregister(bh_domid_t id) {
    if (id < kMaxDomains) g_domains[id] = nullptr;
}

}  // namespace bh
