// EvtchnHost: what an event-channel table needs from the rest of the kernel.
#pragma once

#include <bulkhead/abi.h>

namespace bh {

class EvtchnTable;

// Implemented by the domain registry (and by fakes in tests). Calls arrive with the kernel lock
// held, from inside a table operation, so an implementation must not call back into the table
// that called it other than through table_of().
class EvtchnHost {
public:
    // The live table of `dom`, or nullptr when the domain is unknown or dead.
    virtual EvtchnTable* table_of(bh_domid_t dom) = 0;
    // `dom`'s evtchn_upcall_pending went 0 -> 1: wake its vCPU (unblock a native domain, or
    // assert the callback vector of a guest).
    virtual void notify(bh_domid_t dom) = 0;

protected:
    // Not virtual: tables never own or delete their host (and the kernel has no operator delete).
    ~EvtchnHost() = default;
};

}  // namespace bh
