// Event-channel port states and the per-port record a table keeps.
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

namespace bh {

// Numbered as Xen's EVTCHNSTAT_* so the Xen personality's EVTCHNOP_status is a plain cast.
enum class EvtchnState : uint8_t {
    Free = 0,         // EVTCHNSTAT_closed
    Unbound = 1,      // waiting for `remote_dom` to bind_interdomain to it
    Interdomain = 2,  // connected to (remote_dom, remote_port)
    Irq = 3,          // EVTCHNSTAT_pirq: a physical interrupt routed to this domain
    Virq = 4,
    Ipi = 5,          // sends raise the port on the same domain
};

// What status() reports; fields not meaningful for `state` are zero.
struct EvtchnStatus {
    EvtchnState state;
    bh_domid_t remote_dom;   // Unbound, Interdomain
    bh_port_t remote_port;   // Interdomain
    uint32_t virq;           // Virq
    uint32_t irq;            // Irq
};

// One port's kernel-side state. 8 bytes, so a 64-port bucket is 512 bytes.
// Invariant: a Free record is all zero.
struct PortRecord {
    EvtchnState state = EvtchnState::Free;
    uint8_t pad = 0;
    bh_domid_t remote_dom = 0;  // Unbound, Interdomain
    uint32_t arg = 0;           // Interdomain: remote port; Virq: virq; Irq: irq
};
static_assert(sizeof(PortRecord) == 8);

}  // namespace bh
