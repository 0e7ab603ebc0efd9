// Event-channel calls. Binding creates a port in the caller's table and a capability naming
// it; the last capability to a port closes it.
#include "cap/cspace.hpp"
#include "cap/release.hpp"
#include "domain/irq_routing.hpp"
#include "domain/objects.hpp"
#include "evtchn/evtchn_table.hpp"
#include "mem/kheap.hpp"
#include "syscall/syscall.hpp"

namespace bh {
namespace {

enum class Bind { Unbound, Interdomain, Virq, Irq };

// Validates the destination slot, binds, then wraps the port in a capability. A failure
// after binding closes the port again, so nothing is left behind.
// `owner` gets the port; `holder` gets the capability (they differ only for ALLOC_UNBOUND_FOR).
Result<void> bind(Domain& holder, Domain& self, bh_slot_t dst, Bind kind, uint64_t x, uint64_t y,
                  SysOut& out) {
    auto probe = holder.cspace->at(dst);
    if (probe.ok()) return Error::SlotFull;
    if (probe.error() != Error::EmptySlot) return probe.error();
    TRYV(self.quota.charge(sizeof(EvtchnObj)));
    Result<bh_port_t> port = Error::BadArg;
    switch (kind) {
    case Bind::Unbound: {
        auto dom = arg_domid(x);
        port = dom.ok() ? self.evtchn->alloc_unbound(dom.value()) : Result<bh_port_t>(dom.error());
        break;
    }
    case Bind::Interdomain: {
        auto dom = arg_domid(x);
        auto rp = arg32(y);
        port = !dom.ok() ? Result<bh_port_t>(dom.error())
               : !rp.ok() ? Result<bh_port_t>(rp.error())
                          : self.evtchn->bind_interdomain(dom.value(), rp.value());
        break;
    }
    case Bind::Virq: {
        auto v = arg32(x);
        port = v.ok() ? self.evtchn->bind_virq(v.value()) : Result<bh_port_t>(v.error());
        break;
    }
    case Bind::Irq: {
        auto owned = irq_bind(static_cast<uint32_t>(x), self.id);
        port = owned.ok() ? self.evtchn->bind_irq(static_cast<uint32_t>(x))
                          : Result<bh_port_t>(owned.error());
        // Busy from the table means this domain already has the line bound, so it owned the
        // line before this call and irq_bind changed nothing: undoing would drop that binding.
        if (owned.ok() && !port.ok() && port.error() != Error::Busy)
            irq_unbind(static_cast<uint32_t>(x), self.id);
        break;
    }
    }
    if (!port.ok()) {
        self.quota.release(sizeof(EvtchnObj));
        return port.error();
    }
    auto* e = knew<EvtchnObj>();
    if (!e) {
        (void)self.evtchn->close(port.value());
        self.quota.release(sizeof(EvtchnObj));
        return Error::NoMemory;
    }
    e->dom = &self;
    e->port = port.value();
    kobject_hold(&self);
    TRYV(holder.cspace->insert(dst, e, BH_R_SEND | BH_R_READ | BH_R_GRANT));
    out.r1 = port.value();
    return success();
}

}  // namespace

Result<void> sys_evtchn(Domain& self, const SysArgs& a, SysOut& out) {
    switch (a.nr) {
    case BH_CALL_EVTCHN_ALLOC_UNBOUND:
        return bind(self, self, TRY(arg32(a.a0)), Bind::Unbound, a.a1, 0, out);
    case BH_CALL_EVTCHN_BIND_INTERDOMAIN:
        return bind(self, self, TRY(arg32(a.a0)), Bind::Interdomain, a.a1, a.a2, out);
    case BH_CALL_EVTCHN_BIND_VIRQ: return bind(self, self, TRY(arg32(a.a0)), Bind::Virq, a.a1, 0, out);
    case BH_CALL_EVTCHN_BIND_IRQ: {
        IrqObj* irq = TRY(self.cspace->lookup_as<IrqObj>(TRY(arg32(a.a0)), BH_R_CONTROL));
        return bind(self, self, TRY(arg32(a.a1)), Bind::Irq, irq->irq, 0, out);
    }
    case BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR: {
        Domain* target = TRY(self.cspace->lookup_as<Domain>(TRY(arg32(a.a0)), BH_R_CONTROL));
        if (!target->alive() || !target->evtchn) return Error::Dead;
        return bind(self, *target, TRY(arg32(a.a1)), Bind::Unbound, a.a2, 0, out);
    }
    default: break;
    }
    bh_slot_t slot = TRY(arg32(a.a0));
    switch (a.nr) {
    case BH_CALL_EVTCHN_SEND: {
        EvtchnObj* e = TRY(self.cspace->lookup_as<EvtchnObj>(slot, BH_R_SEND));
        if (!e->dom->evtchn) return Error::Dead;
        return e->dom->evtchn->send(e->port);
    }
    case BH_CALL_EVTCHN_CLOSE: {
        TRY(self.cspace->lookup_as<EvtchnObj>(slot, 0));
        return self.cspace->remove(slot);  // the release hook closes the port
    }
    case BH_CALL_EVTCHN_UNMASK: {
        EvtchnObj* e = TRY(self.cspace->lookup_as<EvtchnObj>(slot, 0));
        if (!e->dom->evtchn) return Error::Dead;
        return e->dom->evtchn->unmask(e->port);
    }
    case BH_CALL_EVTCHN_STATUS: {
        EvtchnObj* e = TRY(self.cspace->lookup_as<EvtchnObj>(slot, BH_R_READ));
        if (!e->dom->evtchn) return Error::Dead;
        EvtchnStatus st = TRY(e->dom->evtchn->status(e->port));
        out.r1 = static_cast<uint64_t>(st.state);
        // The port's own number too: a domain handed the cap (not the number) needs it to tell
        // this channel's events from others'.
        out.r2 = uint64_t{st.remote_dom} | (uint64_t{st.remote_port} << 16) | (uint64_t{e->port} << 32);
        return success();
    }
    default: return Error::BadCall;
    }
}

}  // namespace bh
