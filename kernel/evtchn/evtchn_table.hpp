// EvtchnTable: one domain's Xen 2-level event channels (ports, bindings, raising rules).
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

#include "evtchn/evtchn_host.hpp"
#include "evtchn/port.hpp"
#include "evtchn/port_store.hpp"
#include "evtchn/shared_info.hpp"
#include "lib/result.hpp"
#include "mem/quota.hpp"

namespace bh {

// Invariants:
//  - Port 0 is never open; every open port is < max_ports().
//  - Interdomain links are symmetric: port p here is Interdomain(d, q) iff port q of d's table
//    is Interdomain(self, p). Closing either end (or close_all at domain death) turns the other
//    end into Unbound(self) so the same domain id can bind it again (Xen's close semantics,
//    which restarting a driver with the same domid relies on).
//  - virq_port_[v] / irq_port_[i] name the one open port bound to v / i, or 0.
//  - Pending, mask and selector bits live in the guest-visible shared_info page, never here;
//    a closed port's pending bit is cleared so a re-allocated port starts quiet.
// Every operation validates all of its arguments before changing anything. Not locked: callers
// hold the kernel lock (bind_interdomain and close touch two tables).
class EvtchnTable {
public:
    static constexpr uint32_t kNrIrqs = 256;

    // shared_info_page may be null until the domain's page exists; raises are then lost, so
    // domains should be built with their page (Xen allocates it at domain creation).
    EvtchnTable(bh_domid_t self, void* shared_info_page, bool compat32, EvtchnHost& host,
                Quota& quota);
    // Closes every port (peers see their ends go Unbound-for-us) and frees the buckets.
    ~EvtchnTable();
    EvtchnTable(const EvtchnTable&) = delete;
    EvtchnTable& operator=(const EvtchnTable&) = delete;

    bh_domid_t self() const { return self_; }
    const SharedInfoView& view() const { return view_; }
    // Ports are numbered [1, max_ports()): the smaller of the policy limit and the layout's
    // (4096 for amd64, 1024 for i386).
    uint32_t max_ports() const;
    // Policy limit. BadArg: n == 0 or n > 4096. Busy: a port >= the new limit is open.
    Result<void> set_max_ports(uint32_t n);

    // Moves to / relatches a shared_info page. Pending bits of open ports are carried over to a
    // new page, then anything pending and unmasked is delivered again. Busy: the new layout's
    // port limit would cut off an open port (i386 allows 1024).
    Result<void> set_shared_info(void* page, bool compat32);
    // Delivers selector and upcall bits to a registered vcpu_info (nullptr: the legacy
    // vcpu_info[0] in shared_info), re-delivering anything already pending.
    void set_vcpu_info(void* vcpu_info);

    // New port Unbound, waiting for `remote` (not checked: the peer may be dead or not yet
    // built, as in Xen). NoPorts, Quota, NoMemory.
    Result<bh_port_t> alloc_unbound(bh_domid_t remote);
    // Connects a new port to `remote_port` of `remote_dom`, which must be Unbound for us.
    // BadDomain: remote_dom unknown or dead. BadPort: remote_port 0, out of range, not
    // Unbound, or Unbound for another domain. Then NoPorts, Quota, NoMemory.
    Result<bh_port_t> bind_interdomain(bh_domid_t remote_dom, bh_port_t remote_port);
    // BadArg: virq >= BH_NR_VIRQS. Busy: virq already bound in this table.
    Result<bh_port_t> bind_virq(uint32_t virq);
    // BadArg: irq >= 256. Busy: irq already bound in this table.
    Result<bh_port_t> bind_irq(uint32_t irq);
    // A port whose sends raise itself (Xen's bind_ipi with one vCPU).
    Result<bh_port_t> bind_ipi();

    // Interdomain: raises the peer's port. Unbound: dropped, success (Xen). Ipi: raises own
    // port. BadPort: port not open, or Virq/Irq (only the kernel raises those).
    Result<void> send(bh_port_t port);
    // BadPort: port not open. Frees the port and clears its pending bit; an Interdomain peer's
    // end becomes Unbound(self).
    Result<void> close(bh_port_t port);
    // EVTCHNOP_unmask: BadPort if port is 0 or has no record. Any state is accepted, as in Xen.
    Result<void> unmask(bh_port_t port);
    // BadPort if port is 0 or has no record; a Free port reports Free (EVTCHNSTAT_closed).
    Result<EvtchnStatus> status(bh_port_t port) const;

    // Kernel-side raises: true if the source is bound (whether or not it was already pending).
    bool raise_virq(uint32_t virq);
    bool raise_irq(uint32_t irq);

    // Domain death: closes every port.
    void close_all();
    bool upcall_pending() const { return view_.upcall_pending(); }

    // Xen's evtchn_2l_set_pending: test_and_set pending; if it was clear, the port is unmasked
    // and its selector bit newly set, set upcall_pending and, if that was 0, notify the host.
    // Ports outside [1, max_ports()) are ignored.
    void set_pending(bh_port_t port);

private:
    // The record of an open (non-Free) port, or nullptr.
    PortRecord* open_port(bh_port_t port);
    // The lowest Free port, growing the store when needed. Claims nothing: the caller fills
    // the record. NoPorts, Quota, NoMemory.
    Result<bh_port_t> free_port();
    EvtchnTable* peer_table(bh_domid_t dom);
    // Highest open port, 0 if none.
    bh_port_t highest_open_port() const;
    void close_port(bh_port_t port, PortRecord& rec);
    void mark_upcall();
    void redeliver();

    bh_domid_t self_;
    EvtchnHost& host_;
    SharedInfoView view_;
    void* vcpu_info_ = nullptr;  // registered vcpu_info, or nullptr for the legacy slot
    PortStore ports_;
    uint32_t policy_max_ = kMaxPorts64;
    uint16_t virq_port_[BH_NR_VIRQS] = {};
    uint16_t irq_port_[kNrIrqs] = {};
};

}  // namespace bh
