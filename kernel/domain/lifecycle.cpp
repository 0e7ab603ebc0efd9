// Domain lifecycle. Teardown order matters: grant mappings first (peers' GTF flags cleared),
// then event channels (peers see Unbound-for-us), capabilities, and last the address space.
#include "domain/lifecycle.hpp"

#include "domain/platform.hpp"

#include "boot/elf.hpp"
#include "cap/cspace.hpp"
#include "cap/release.hpp"
#include "domain/console_buffer.hpp"
#include "domain/cpu.hpp"
#include "domain/dma_assign.hpp"
#include "domain/irq_routing.hpp"
#include "domain/kernel_host.hpp"
#include "domain/objects.hpp"
#include "domain/registry.hpp"
#include "evtchn/evtchn_table.hpp"
#include "gnttab/grant_table.hpp"
#include "lib/log.hpp"
#include "mem/kheap.hpp"
#include "mem/machine_frames.hpp"

namespace bh {
namespace {

constexpr vaddr_t kUserLo = 0x1000;
constexpr vaddr_t kUserHi = 0x0000700000000000ull;

// A zeroed frame charged to d, mapped at va.
Result<paddr_t> map_new_frame(Domain& d, vaddr_t va, bool writable, bool executable) {
    TRYV(d.quota.charge(kPageSize));
    auto f = machine_frames().alloc();
    if (!f.ok()) {
        d.quota.release(kPageSize);
        return f.error();
    }
    auto m = d.as.map(va, f.value(), writable, executable, false);
    machine_frames().unref(f.value());  // the mapping holds the only reference now
    if (!m.ok()) {
        d.quota.release(kPageSize);
        return m.error();
    }
    return f.value();
}

Result<void> load_elf(Domain& d, std::span<const uint8_t> file, const ElfImage& img) {
    for (uint32_t i = 0; i < img.segment_count(); ++i) {
        const ElfSegment& s = img.segment(i);
        vaddr_t first = s.vaddr & ~(kPageSize - 1);
        for (vaddr_t page = first; page < s.vaddr + s.memsz; page += kPageSize) {
            paddr_t pa = TRY(map_new_frame(d, page, s.writable, s.executable));
            // Copy the part of the file image that lands in this page.
            uint64_t lo = page > s.vaddr ? page : s.vaddr;
            uint64_t hi = page + kPageSize < s.vaddr + s.filesz ? page + kPageSize : s.vaddr + s.filesz;
            if (lo < hi)
                __builtin_memcpy(phys_as<uint8_t>(pa) + (lo - page),
                                 file.data() + s.file_offset + (lo - s.vaddr), hi - lo);
        }
    }
    return success();
}

// Every domain starts holding a read-only cap to itself and a cap to its grant table.
Result<void> install_initial_caps(Domain& d) {
    auto* g = knew<GnttabObj>();
    if (!g) return Error::NoMemory;
    g->dom = &d;
    kobject_hold(&d);
    TRYV(d.cspace->insert(BH_SLOT_GNTTAB, g, BH_R_READ | BH_R_WRITE | BH_R_GRANT));
    return d.cspace->insert(BH_SLOT_SELF, &d, BH_R_READ);
}

uint64_t domain_cost(uint64_t quota_bytes) { return quota_bytes + sizeof(Domain); }

// Everything except the Domain object and its id.
void teardown(Domain& d) {
    // Never free the tables the CPU is walking: fall back to the kernel's own.
    if (d.as.root() && platform::mmu_root() == d.as.root()) platform::mmu_load(kernel_root());
    this_cpu().sched.remove(d.vcpu.sched);
    irq_unbind_all(d.id);
    dma_release_all(d);  // its devices reach nothing from here on
    if (this_cpu().current == &d.vcpu) this_cpu().current = nullptr;
    if (d.gnttab) d.gnttab->release_all();
    if (d.evtchn) {
        kdelete(d.evtchn);  // closes every port: peers see Unbound-for-us
        d.evtchn = nullptr;
    }
    if (d.cspace) {
        d.cspace->clear();
        kdelete(d.cspace);
        d.cspace = nullptr;
    }
    if (d.gnttab) {
        if (d.gnttab->retire()) kdelete(d.gnttab);
        else gnttab_host().hold_owner_until_idle(*d.gnttab, d);  // freed at its last foreign unmap
        d.gnttab = nullptr;
    }
    d.as.destroy();
    if (d.shared_info) {
        machine_frames().unref(d.shared_info);
        d.shared_info = 0;
    }
}

void tell_controller(Domain& d) {
    Domain* c = domain_by_id(d.controller);
    if (c && c != &d && c->evtchn) c->evtchn->raise_virq(BH_VIRQ_DOM_EXC);
}

const char* fault_name(bh_fault f) {
    switch (f) {
    case BH_FAULT_PAGE: return "page-fault";
    case BH_FAULT_GP: return "general-protection";
    case BH_FAULT_UD: return "invalid-opcode";
    case BH_FAULT_DE: return "divide-error";
    default: return "exception";
    }
}

}  // namespace

Result<Domain*> domain_create(Domain* creator, std::span<const uint8_t> elf, const char* name,
                              uint64_t quota_bytes, bh_domid_t want_id) {
    const char* reason = "";
    auto img = ElfImage::parse(elf, kUserLo, kUserHi, &reason);
    if (!img.ok()) {
        klog("domain: refused ELF image '%s': %s", name, reason);
        return Error::BadElf;
    }
    if (creator) TRYV(creator->quota.charge(domain_cost(quota_bytes)));
    Domain* d = knew<Domain>();
    if (!d) {
        if (creator) creator->quota.release(domain_cost(quota_bytes));
        return Error::NoMemory;
    }
    kobject_hold(d);  // the registry's reference
    d->quota = Quota(quota_bytes);
    d->controller = creator ? creator->id : 0;
    for (unsigned i = 0; name[i] && i + 1 < sizeof d->name; ++i) d->name[i] = name[i];

    auto fail = [&](Error e) -> Result<Domain*> {
        d->state = BH_DOM_DEAD;
        teardown(*d);
        console_buffer_release(*d);
        if (d->id || !creator) domain_unregister(d->id);
        if (creator) creator->quota.release(domain_cost(quota_bytes));
        kobject_drop(d);
        return e;
    };
    auto id = domain_register(d, want_id);
    if (!id.ok()) return fail(id.error());
    d->id = id.value();

    if (auto r = d->as.init(d->quota, kernel_root()); !r.ok()) return fail(r.error());
    if (auto r = load_elf(*d, elf, img.value()); !r.ok()) return fail(r.error());
    for (unsigned i = 1; i <= BH_USER_STACK_PAGES; ++i)
        if (auto r = map_new_frame(*d, BH_USER_STACK_TOP - i * kPageSize, true, false); !r.ok())
            return fail(r.error());
    auto si = map_new_frame(*d, BH_USER_SHARED_INFO, true, false);
    if (!si.ok()) return fail(si.error());
    d->shared_info = si.value();
    machine_frames().ref(d->shared_info);  // the kernel's own reference, for event delivery

    d->cspace = knew<CSpace>();
    d->evtchn = knew<EvtchnTable>(d->id, phys_to_virt(d->shared_info), false, evtchn_host(),
                                  d->quota);
    d->gnttab = knew<GrantTable>(d->id, gnttab_host(), d->quota);
    if (!d->cspace || !d->evtchn || !d->gnttab) return fail(Error::NoMemory);
    if (auto r = d->quota.charge(sizeof(CSpace) + sizeof(EvtchnTable) + sizeof(GrantTable));
        !r.ok())
        return fail(r.error());
    if (auto r = console_buffer_init(*d); !r.ok()) return fail(r.error());

    if (auto r = install_initial_caps(*d); !r.ok()) return fail(r.error());

    d->vcpu.ctx = x86::user_context(img.value().entry(), BH_USER_STACK_TOP - 8);
    if (auto r = this_cpu().sched.add(d->vcpu.sched); !r.ok()) return fail(r.error());
    d->state = BH_DOM_BUILT;
    klog("domain: built %s id=%u quota=%lu KiB", d->name, d->id, quota_bytes / 1024);
    return d;
}

Result<void> domain_start(Domain& d, uint64_t arg0, uint64_t arg1) {
    if (d.state != BH_DOM_BUILT) return Error::BadState;
    d.vcpu.ctx.rdi = arg0;
    d.vcpu.ctx.rsi = arg1;
    d.state = BH_DOM_RUNNING;
    this_cpu().sched.wake(d.vcpu.sched);
    return success();
}

Result<void> domain_pause(Domain& d) {
    if (d.state != BH_DOM_RUNNING) return Error::BadState;
    d.state = BH_DOM_PAUSED;
    this_cpu().sched.pause(d.vcpu.sched);
    if (this_cpu().current == &d.vcpu) this_cpu().need_resched = true;
    return success();
}

Result<void> domain_unpause(Domain& d) {
    if (d.state != BH_DOM_PAUSED) return Error::BadState;
    d.state = BH_DOM_RUNNING;
    this_cpu().sched.unpause(d.vcpu.sched);
    // An event that arrived while paused woke nobody: deliver that wake-up now.
    if (d.evtchn && d.evtchn->upcall_pending()) vcpu_wake(d.vcpu);
    return success();
}

void domain_fault(Domain& d, bh_fault kind, uint64_t rip, uint64_t addr, uint64_t vector) {
    klog("BH-FAULT dom=%u name=%s kind=%s vector=%lu rip=0x%lx addr=0x%lx", d.id, d.name,
         fault_name(kind), vector, rip, addr);
    d.fault = kind;
    d.fault_rip = rip;
    d.fault_addr = addr;
    d.state = BH_DOM_FAULTED;
    teardown(d);
    this_cpu().need_resched = true;
    tell_controller(d);
}

void domain_exit(Domain& d, uint64_t code) {
    klog("domain: %s id=%u exited with code %lu", d.name, d.id, code);
    d.exit_code = code;
    d.state = BH_DOM_EXITED;
    teardown(d);
    this_cpu().need_resched = true;
    tell_controller(d);
}

void domain_destroy(Domain& d) {
    bool was_alive = d.alive();
    kobject_hold(&d);  // its own cspace may hold the last cap to it
    d.state = BH_DOM_DEAD;
    teardown(d);
    console_buffer_release(d);  // kept through a fault or exit: read then, freed now
    domain_unregister(d.id);
    Domain* creator = domain_slot(d.controller);
    if (creator && creator != &d) creator->quota.release(domain_cost(d.quota.limit()));
    this_cpu().need_resched = true;
    if (was_alive) tell_controller(d);
    kobject_drop(&d);  // the registry's reference
    kobject_drop(&d);
}

void domain_info(const Domain& d, bh_domain_info& out) {
    out = {};
    out.domid = d.id;
    out.state = static_cast<uint8_t>(d.state);
    out.fault = static_cast<uint8_t>(d.fault);
    out.weight = d.vcpu.sched.weight();
    out.mem_pages = page_round_up(d.quota.used()) / kPageSize;
    out.quota_pages = d.quota.limit() / kPageSize;
    out.fault_addr = d.fault_addr;
    out.fault_rip = d.fault_rip;
    out.cpu_ticks = d.vcpu.sched.ticks_run();
    out.exit_code = d.exit_code;
    out.dma_faults = d.dma_faults;
    for (unsigned i = 0; i < sizeof out.name && d.name[i]; ++i) out.name[i] = d.name[i];
}

}  // namespace bh
