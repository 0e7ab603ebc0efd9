// Domain calls: create from a boot module, start, pause, unpause, destroy, info, give a cap,
// scheduling parameters, console read. All but create act through a Domain capability.
#include "cap/cspace.hpp"
#include "domain/console_buffer.hpp"
#include "domain/cpu.hpp"
#include "domain/lifecycle.hpp"
#include "domain/objects.hpp"
#include "domain/registry.hpp"
#include "syscall/syscall.hpp"

namespace bh {
namespace {

constexpr uint64_t kMaxQuotaPages = 1u << 20;  // 4 GiB

Result<void> create(Domain& self, const SysArgs& a, SysOut& out) {
    MachineObj* m = TRY(self.cspace->lookup_as<MachineObj>(TRY(arg32(a.a0)), BH_R_CONTROL));
    uint32_t index = TRY(arg32(a.a1));
    bh_slot_t dst = TRY(arg32(a.a2));
    if (index >= m->nr_modules) return Error::NotFound;
    if (a.a3 == 0 || a.a3 > kMaxQuotaPages) return Error::BadArg;
    // The id is the caller's choice when restarting a domain under the id its peers know.
    if (a.a4 >= kMaxDomains) return Error::BadArg;
    auto want = static_cast<bh_domid_t>(a.a4);
    if (want != 0 && domain_slot(want)) return Error::Busy;
    auto probe = self.cspace->at(dst);
    if (probe.ok()) return Error::SlotFull;
    if (probe.error() != Error::EmptySlot) return probe.error();
    const ModuleImage& mod = m->modules[index];
    Domain* d = TRY(domain_create(&self, {mod.data, mod.size}, mod.name, a.a3 * kPageSize, want));
    TRYV(self.cspace->insert(dst, d, BH_R_ALL));
    out.r1 = d->id;
    return success();
}

}  // namespace

Result<void> sys_domain(Domain& self, const SysArgs& a, SysOut& out) {
    if (a.nr == BH_CALL_DOMAIN_CREATE) return create(self, a, out);
    bh_slot_t slot = TRY(arg32(a.a0));
    bool query = a.nr == BH_CALL_DOMAIN_INFO || a.nr == BH_CALL_DOMAIN_CONSOLE_READ;
    uint32_t need = query ? BH_R_READ : BH_R_CONTROL;
    Domain* d = TRY(self.cspace->lookup_as<Domain>(slot, need));
    switch (a.nr) {
    case BH_CALL_DOMAIN_START: return domain_start(*d, a.a1, a.a2);
    case BH_CALL_DOMAIN_PAUSE: return domain_pause(*d);
    case BH_CALL_DOMAIN_UNPAUSE: return domain_unpause(*d);
    case BH_CALL_DOMAIN_DESTROY:
        if (d->state == BH_DOM_DEAD) return Error::Dead;
        domain_destroy(*d);
        return success();
    case BH_CALL_DOMAIN_INFO: {
        bh_domain_info info;
        domain_info(*d, info);
        return self.as.copy_out(a.a1, &info, sizeof info);
    }
    case BH_CALL_DOMAIN_GIVE_CAP: {
        if (!d->alive() || !d->cspace) return Error::Dead;
        return self.cspace->copy(TRY(arg32(a.a1)), *d->cspace, TRY(arg32(a.a2)),
                                 TRY(arg32(a.a3)));
    }
    case BH_CALL_DOMAIN_SET_SCHED: {
        if (!d->alive()) return Error::Dead;
        return this_cpu().sched.set_params(d->vcpu.sched, TRY(arg32(a.a1)), TRY(arg32(a.a2)));
    }
    case BH_CALL_DOMAIN_CONSOLE_READ: {
        // Faulted and exited domains keep their buffer (that is when it is read); destroy frees it.
        if (d->state == BH_DOM_DEAD) return Error::Dead;
        LogRing::Window w = TRY(log_copy_out(d->console, self.as, TRY(arg32(a.a1)), a.a2, a.a3));
        out.r1 = w.count;
        out.r2 = w.next();
        return success();
    }
    default: return Error::BadCall;
    }
}

}  // namespace bh
