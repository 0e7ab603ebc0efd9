// KernelHost: the kernel side of the event-channel and grant-table interfaces.
#include "domain/kernel_host.hpp"

#include "cap/release.hpp"
#include "domain/cpu.hpp"
#include "domain/domain.hpp"
#include "domain/registry.hpp"
#include "gnttab/grant_table.hpp"
#include "mem/kheap.hpp"
#include "mem/machine_frames.hpp"

namespace bh {

namespace {
EvtchnKernelHost g_evtchn_host;
GnttabKernelHost g_gnttab_host;
}  // namespace

EvtchnKernelHost& evtchn_host() { return g_evtchn_host; }
GnttabKernelHost& gnttab_host() { return g_gnttab_host; }

EvtchnTable* EvtchnKernelHost::table_of(bh_domid_t dom) {
    Domain* d = domain_by_id(dom);
    return d ? d->evtchn : nullptr;
}

// Only a running domain is woken: a built one must wait for DOMAIN_START (an event would
// otherwise run it before its controller started it), a paused one for DOMAIN_UNPAUSE (which
// looks at its pending events then).
void EvtchnKernelHost::notify(bh_domid_t dom) {
    Domain* d = domain_by_id(dom);
    if (d && d->state == BH_DOM_RUNNING) vcpu_wake(d->vcpu);
}

GrantTable* GnttabKernelHost::table_of(bh_domid_t dom) {
    Domain* d = domain_by_id(dom);
    return d ? d->gnttab : nullptr;
}

// A native domain names the granted page by its own virtual page number (the role a guest's
// GFN plays for SVM guests); it must be an ordinary page of its own, not a foreign mapping.
Result<paddr_t> GnttabKernelHost::get_granted_frame(bh_domid_t granter, uint32_t frame_field,
                                                    bool write) {
    Domain* d = domain_by_id(granter);
    if (!d) return Error::BadDomain;
    auto leaf = d->as.lookup(static_cast<vaddr_t>(frame_field) << kPageShift);
    if (!leaf.ok() || leaf.value().foreign || leaf.value().device) return Error::BadGrant;
    if (write && !leaf.value().writable) return Error::GrantDenied;
    machine_frames().ref(leaf.value().pa);
    return leaf.value().pa;
}

void GnttabKernelHost::put_frame(paddr_t pa) { machine_frames().unref(pa); }

Result<void> GnttabKernelHost::map_foreign(bh_domid_t mapper, vaddr_t va, paddr_t pa, bool writable) {
    Domain* d = domain_by_id(mapper);
    if (!d) return Error::BadDomain;
    return d->as.map(va, pa, writable, false, true);
}

void GnttabKernelHost::unmap_foreign(bh_domid_t mapper, vaddr_t va) {
    Domain* d = domain_slot(mapper);
    if (d && d->as.root()) (void)d->as.unmap(va);
}

void GnttabKernelHost::unmap_foreign_batched(bh_domid_t mapper, vaddr_t va) {
    Domain* d = domain_slot(mapper);
    if (d && d->as.root()) (void)d->as.unmap(va, false);
}

void GnttabKernelHost::flush_foreign_dma(bh_domid_t mapper) {
    Domain* d = domain_slot(mapper);
    if (d) d->as.flush_dma();
}

Result<paddr_t> GnttabKernelHost::local_frame(bh_domid_t self, vaddr_t va, bool write) {
    Domain* d = domain_by_id(self);
    if (!d) return Error::BadDomain;
    auto leaf = TRY(d->as.lookup(va));
    if ((write && !leaf.writable) || leaf.device) return Error::BadAddress;
    return leaf.pa;
}

Result<paddr_t> GnttabKernelHost::alloc_table_frame() { return machine_frames().alloc(); }
void GnttabKernelHost::free_table_frame(paddr_t pa) { machine_frames().unref(pa); }

void GnttabKernelHost::hold_owner_until_idle(GrantTable& t, Domain& owner) {
    for (Retired& r : retired_) {
        if (!r.table) {
            r = {&t, &owner};
            kobject_hold(&owner);
            return;
        }
    }
    // More retired tables than domain ids cannot happen: each dead id holds at most one.
}

void GnttabKernelHost::table_idle(GrantTable& t) {
    kdelete(&t);
    for (Retired& r : retired_) {
        if (r.table == &t) {
            Domain* owner = r.owner;
            r = {};
            kobject_drop(owner);
            return;
        }
    }
}

}  // namespace bh
