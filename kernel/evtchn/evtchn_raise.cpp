// EvtchnTable: raising and delivery, following Xen's event_2l.c to the letter.
#include "evtchn/evtchn_table.hpp"

namespace bh {

Result<void> EvtchnTable::send(bh_port_t port) {
    PortRecord* rec = open_port(port);
    if (!rec) return Error::BadPort;
    switch (rec->state) {
    case EvtchnState::Interdomain: {
        // The link is symmetric by invariant; re-checking costs little and means a broken peer
        // can never make us raise a port it does not own.
        EvtchnTable* peer = peer_table(rec->remote_dom);
        PortRecord* remote = peer ? peer->open_port(rec->arg) : nullptr;
        if (remote && remote->state == EvtchnState::Interdomain && remote->remote_dom == self_ &&
            remote->arg == port) {
            peer->set_pending(rec->arg);
        }
        return success();
    }
    case EvtchnState::Unbound: return success();  // nobody listens yet: dropped, as in Xen
    case EvtchnState::Ipi: set_pending(port); return success();
    case EvtchnState::Virq:
    case EvtchnState::Irq:
    case EvtchnState::Free: break;
    }
    return Error::BadPort;
}

void EvtchnTable::set_pending(bh_port_t port) {
    // Without a page there is nowhere to record the event, so nothing to wake the vCPU for.
    if (!view_.has_page() || port == 0 || port >= max_ports()) return;
    // An event already pending has already been signalled (or is masked): one edge only.
    if (view_.test_and_set_pending(port)) return;
    if (!view_.test_mask(port) && !view_.test_and_set_sel(port / view_.word_bits())) {
        mark_upcall();
    }
}

Result<void> EvtchnTable::unmask(bh_port_t port) {
    if (!ports_.get(port) || port >= max_ports()) return Error::BadPort;
    // Xen's evtchn_2l_unmask: only a mask bit we actually cleared can release an event; Linux
    // re-masks before calling us so that this holds.
    if (view_.test_and_clear_mask(port) && view_.test_pending(port) &&
        !view_.test_and_set_sel(port / view_.word_bits())) {
        mark_upcall();
    }
    return success();
}

bool EvtchnTable::raise_virq(uint32_t virq) {
    if (virq >= BH_NR_VIRQS || virq_port_[virq] == 0) return false;
    set_pending(virq_port_[virq]);
    return true;
}

bool EvtchnTable::raise_irq(uint32_t irq) {
    if (irq >= kNrIrqs || irq_port_[irq] == 0) return false;
    set_pending(irq_port_[irq]);
    return true;
}

void EvtchnTable::mark_upcall() {
    // vcpu_mark_events_pending: only the 0 -> 1 edge wakes the vCPU.
    if (view_.has_page() && !view_.test_and_set_upcall()) host_.notify(self_);
}

void EvtchnTable::redeliver() {
    // After a page or vcpu_info move the selector may not reflect what is pending, so rebuild it
    // from the bitmaps and raise the upcall if anything is deliverable. (Xen's map_vcpu_info
    // sets every selector bit instead; this avoids the spurious upcall.)
    bool any = false;
    for (uint32_t w = 0; w < view_.nr_words(); ++w) {
        if (view_.deliverable_word(w) != 0) {
            view_.test_and_set_sel(w);
            any = true;
        }
    }
    if (any) mark_upcall();
}

}  // namespace bh
