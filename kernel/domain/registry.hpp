// The table of live domains by id.
#pragma once

#include <bulkhead/abi.h>

#include "lib/result.hpp"

namespace bh {

struct Domain;

inline constexpr uint32_t kMaxDomains = 256;

// Live domains only: nullptr for an unknown, dead or faulted id.
Domain* domain_by_id(bh_domid_t id);
// Any registered domain, faulted ones included (for info queries and teardown).
Domain* domain_slot(bh_domid_t id);
// `want` 0 takes the lowest free id; otherwise exactly that id (a restarted domain keeps its id,
// since grant entries and Xen frontends name it), Busy if it is taken, BadArg if out of range.
Result<bh_domid_t> domain_register(Domain* d, bh_domid_t want = 0);
void domain_unregister(bh_domid_t id);

template <class F>
void for_each_domain(F f) {
    for (uint32_t i = 0; i < kMaxDomains; ++i)
        if (Domain* d = domain_slot(static_cast<bh_domid_t>(i))) f(*d);
}

}  // namespace bh
