// Domain: an isolated protection domain — address space, capability space, event channels,
// grant table, one vCPU, and the quota everything it causes to exist is charged to.
#pragma once

#include <bulkhead/abi.h>

#include "cap/kobject.hpp"
#include "domain/address_space.hpp"
#include "domain/vcpu.hpp"
#include "lib/log_ring.hpp"
#include "mem/quota.hpp"

namespace bh {

class CSpace;
class EvtchnTable;
class GrantTable;

// Lifecycle: Built → Running ⇄ Paused → (Faulted →) Dead. Once Dead its resources are
// reclaimed; the object itself lives while capabilities or grant mappings still name it.
struct Domain : Kobject {
    static constexpr ObjType kType = ObjType::Domain;
    Domain() : Kobject(kType), vcpu(this) {}

    bh_domid_t id = 0;
    char name[32] = {};
    bh_domain_state state = BH_DOM_BUILT;
    bh_fault fault = BH_FAULT_NONE;
    uint64_t fault_addr = 0;
    uint64_t fault_rip = 0;
    uint64_t exit_code = 0;
    uint64_t dma_faults = 0;    // requests by its devices the IOMMU blocked
    bh_domid_t controller = 0;  // told (VIRQ_DOM_EXC) when this domain faults or dies

    Quota quota;
    AddressSpace as;
    CSpace* cspace = nullptr;
    EvtchnTable* evtchn = nullptr;
    GrantTable* gnttab = nullptr;
    paddr_t shared_info = 0;
    Vcpu vcpu;
    LogRing console;  // its CONSOLE_WRITE lines, create to destroy (domain/console_buffer.hpp)

    bool alive() const { return state == BH_DOM_BUILT || state == BH_DOM_RUNNING || state == BH_DOM_PAUSED; }
};

}  // namespace bh
