// EvtchnTable: port allocation, binding, closing and the page/limit settings.
// Raising and delivery (send, set_pending, unmask) live in evtchn_raise.cpp.
#include "evtchn/evtchn_table.hpp"

namespace bh {

// The domain object kallocs its table; keep it within one size class.
static_assert(sizeof(EvtchnTable) <= 2048);

EvtchnTable::EvtchnTable(bh_domid_t self, void* shared_info_page, bool compat32,
                         EvtchnHost& host, Quota& quota)
    : self_(self), host_(host), view_(shared_info_page, compat32), ports_(quota) {}

EvtchnTable::~EvtchnTable() { close_all(); }

uint32_t EvtchnTable::max_ports() const {
    uint32_t layout = view_.max_ports();
    return policy_max_ < layout ? policy_max_ : layout;
}

Result<void> EvtchnTable::set_max_ports(uint32_t n) {
    if (n == 0 || n > kMaxPorts64) return Error::BadArg;
    uint32_t effective = n < view_.max_ports() ? n : view_.max_ports();
    if (highest_open_port() >= effective) return Error::Busy;
    policy_max_ = n;
    return success();
}

Result<void> EvtchnTable::set_shared_info(void* page, bool compat32) {
    SharedInfoView next(page, compat32, vcpu_info_);
    uint32_t limit = policy_max_ < next.max_ports() ? policy_max_ : next.max_ports();
    if (highest_open_port() >= limit) return Error::Busy;

    // A raise the guest has not consumed yet must survive the move. On a relatch (same page)
    // the bitmaps are already where the new layout reads them: port n is bit n%8 of byte n/8.
    if (view_.has_page() && page != view_.page()) {
        for (bh_port_t p = 1; p < ports_.capacity(); ++p) {
            if (ports_.get(p)->state != EvtchnState::Free && view_.test_pending(p)) {
                next.test_and_set_pending(p);
            }
        }
    }
    view_ = next;
    redeliver();
    return success();
}

void EvtchnTable::set_vcpu_info(void* vcpu_info) {
    vcpu_info_ = vcpu_info;
    view_ = SharedInfoView(view_.page(), view_.compat32(), vcpu_info);
    redeliver();
}

Result<bh_port_t> EvtchnTable::alloc_unbound(bh_domid_t remote) {
    bh_port_t port = TRY(free_port());
    PortRecord* rec = ports_.get(port);
    rec->state = EvtchnState::Unbound;
    rec->remote_dom = remote;
    return port;
}

Result<bh_port_t> EvtchnTable::bind_interdomain(bh_domid_t remote_dom, bh_port_t remote_port) {
    EvtchnTable* peer = peer_table(remote_dom);
    if (!peer) return Error::BadDomain;
    PortRecord* remote = peer->open_port(remote_port);
    if (!remote || remote->state != EvtchnState::Unbound || remote->remote_dom != self_) {
        return Error::BadPort;
    }

    // The new port cannot be remote_port even on a loopback bind: that one is not Free.
    bh_port_t port = TRY(free_port());
    PortRecord* rec = ports_.get(port);
    rec->state = EvtchnState::Interdomain;
    rec->remote_dom = remote_dom;
    rec->arg = remote_port;
    remote->state = EvtchnState::Interdomain;
    remote->arg = port;
    return port;
}

Result<bh_port_t> EvtchnTable::bind_virq(uint32_t virq) {
    if (virq >= BH_NR_VIRQS) return Error::BadArg;
    if (virq_port_[virq] != 0) return Error::Busy;
    bh_port_t port = TRY(free_port());
    PortRecord* rec = ports_.get(port);
    rec->state = EvtchnState::Virq;
    rec->arg = virq;
    virq_port_[virq] = static_cast<uint16_t>(port);
    return port;
}

Result<bh_port_t> EvtchnTable::bind_irq(uint32_t irq) {
    if (irq >= kNrIrqs) return Error::BadArg;
    if (irq_port_[irq] != 0) return Error::Busy;
    bh_port_t port = TRY(free_port());
    PortRecord* rec = ports_.get(port);
    rec->state = EvtchnState::Irq;
    rec->arg = irq;
    irq_port_[irq] = static_cast<uint16_t>(port);
    return port;
}

Result<bh_port_t> EvtchnTable::bind_ipi() {
    bh_port_t port = TRY(free_port());
    ports_.get(port)->state = EvtchnState::Ipi;
    return port;
}

Result<void> EvtchnTable::close(bh_port_t port) {
    PortRecord* rec = open_port(port);
    if (!rec) return Error::BadPort;
    close_port(port, *rec);
    return success();
}

void EvtchnTable::close_all() {
    for (bh_port_t p = 1; p < ports_.capacity(); ++p) {
        PortRecord* rec = ports_.get(p);
        if (rec->state != EvtchnState::Free) close_port(p, *rec);
    }
}

Result<EvtchnStatus> EvtchnTable::status(bh_port_t port) const {
    const PortRecord* rec = ports_.get(port);
    if (!rec || port >= max_ports()) return Error::BadPort;
    EvtchnStatus st{rec->state, 0, 0, 0, 0};
    switch (rec->state) {
    case EvtchnState::Unbound: st.remote_dom = rec->remote_dom; break;
    case EvtchnState::Interdomain:
        st.remote_dom = rec->remote_dom;
        st.remote_port = rec->arg;
        break;
    case EvtchnState::Virq: st.virq = rec->arg; break;
    case EvtchnState::Irq: st.irq = rec->arg; break;
    case EvtchnState::Free:
    case EvtchnState::Ipi: break;
    }
    return st;
}

PortRecord* EvtchnTable::open_port(bh_port_t port) {
    PortRecord* rec = ports_.get(port);
    return (rec && rec->state != EvtchnState::Free) ? rec : nullptr;
}

Result<bh_port_t> EvtchnTable::free_port() {
    uint32_t limit = max_ports();
    uint32_t have = ports_.capacity() < limit ? ports_.capacity() : limit;
    for (bh_port_t p = 1; p < have; ++p) {
        if (ports_.get(p)->state == EvtchnState::Free) return p;
    }
    if (ports_.capacity() >= limit) return Error::NoPorts;
    bh_port_t first_new = ports_.capacity();
    TRYV(ports_.grow());
    return first_new == 0 ? 1 : first_new;  // port 0 is reserved
}

EvtchnTable* EvtchnTable::peer_table(bh_domid_t dom) {
    // Loopback works even before the host has registered this table.
    return dom == self_ ? this : host_.table_of(dom);
}

bh_port_t EvtchnTable::highest_open_port() const {
    for (bh_port_t p = ports_.capacity(); p > 1; --p) {
        if (ports_.get(p - 1)->state != EvtchnState::Free) return p - 1;
    }
    return 0;
}

void EvtchnTable::close_port(bh_port_t port, PortRecord& rec) {
    switch (rec.state) {
    case EvtchnState::Interdomain: {
        EvtchnTable* peer = peer_table(rec.remote_dom);
        PortRecord* remote = peer ? peer->open_port(rec.arg) : nullptr;
        if (remote && remote->state == EvtchnState::Interdomain && remote->remote_dom == self_ &&
            remote->arg == port) {
            remote->state = EvtchnState::Unbound;
            remote->arg = 0;
        }
        break;
    }
    case EvtchnState::Virq: virq_port_[rec.arg] = 0; break;
    case EvtchnState::Irq: irq_port_[rec.arg] = 0; break;
    case EvtchnState::Free:
    case EvtchnState::Unbound:
    case EvtchnState::Ipi: break;
    }
    rec = PortRecord{};
    // Xen's evtchn_port_clear_pending: whoever gets this port number next starts quiet.
    view_.test_and_clear_pending(port);
}

}  // namespace bh
