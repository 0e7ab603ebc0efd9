// Child construction, wiring and restart (see children.hpp).
#include "children.hpp"

#include "pci_scan.hpp"

#include "store_link.hpp"

using namespace bh::rt;

namespace sup {

ChildState g_children[kMaxChildren];
uint32_t g_n = 0;
bool g_failed = false;

void fail(const char* what, const char* name, uint64_t err) {
    print("supervisor: %s %s: %s", what, name, error_name(err));
    g_failed = true;
}

const char* state_name(uint8_t s) {
    static const char* const names[] = {"built", "running", "paused", "faulted", "dead", "exited"};
    return s < 6 ? names[s] : "?";
}

namespace {

// A capability just made in kTmpSlot (by `made`) goes to child i's `slot`; our copy is dropped
// either way. Returns the first failure, or `made` (whose results the caller may need).
Ret hand_over(Ret made, uint32_t i, bh_slot_t slot) {
    Ret g = made.ok() ? call(BH_CALL_DOMAIN_GIVE_CAP, kDomSlot0 + i, kTmpSlot, slot, BH_R_ALL) : made;
    call(BH_CALL_CAP_DELETE, kTmpSlot);
    return g.ok() ? made : g;
}

// Device authority flows from the machine cap: mint, hand over, drop our copy.
bool give_devices(uint32_t i, const Child& spec) {
    Ret r{};
    const char* what = "";
    if (spec.io_count && r.ok()) {
        what = "I/O ports";
        r = hand_over(call(BH_CALL_MACHINE_DEVICE_CAP, BH_SLOT_MACHINE, spec.io_base, spec.io_count,
                           kTmpSlot), i, BH_SLOT_DEVICE);
    }
    if (spec.mmio_pages && r.ok()) {
        what = "MMIO pages";
        r = hand_over(call(BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, spec.mmio_base,
                           spec.mmio_pages, kTmpSlot), i, BH_SLOT_DEVICE);
    }
    // A PCI function's memory BARs, each as MMIO in its own slot (BH_SLOT_PCI_BAR0 + i).
    for (int b = 0; spec.pci >= 0 && b < 6 && r.ok(); ++b) {
        const bh::pci::BarRegion& bar = g_pci[spec.pci].bars[b];
        if (bar.kind != bh::pci::BarRegion::Mem || bar.base % 4096 != 0) continue;
        if (g_pci[spec.pci].msix_bars >> b & 1) continue;  // the MSI-X table: never a driver's
        what = "a PCI memory BAR";
        uint64_t pages = (bar.size + 4095) / 4096;
        r = hand_over(call(BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, bar.base, pages, kTmpSlot), i,
                      static_cast<bh_slot_t>(BH_SLOT_PCI_BAR0 + b));
    }
    if (spec.pci >= 0 && r.ok()) {
        what = "the PCI function's DMA";
        const PciFunction& f = g_pci[spec.pci];
        r = call(BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kDomSlot0 + i, f.bus << 8 | f.dev << 3 | f.fn);
    }
    if (spec.pci >= 0 && r.ok()) {
        what = "its MSI-X vectors";
        struct Ctx {
            uint32_t child;
            Ret r;
        } ctx{i, {}};
        auto give = [](uint32_t k, void* p) {
            auto* c = static_cast<Ctx*>(p);
            c->r = hand_over(Ret{}, c->child, static_cast<bh_slot_t>(BH_SLOT_MSI0 + k));
            return c->r.ok();
        };
        if (msix_setup(g_pci[spec.pci], kTmpSlot, give, &ctx) < 0 && ctx.r.ok()) ctx.r.err = BH_E_BAD_STATE;
        r = ctx.r;
    }
    if (spec.irq != 0xff && r.ok()) {
        what = "an interrupt line";
        r = hand_over(call(BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, spec.irq, kTmpSlot), i,
                      BH_SLOT_IRQ);
    }
    if (!r.ok()) fail("cannot give the child", what, r.err);
    return r.ok();
}

uint64_t ticks_now() { return call(BH_CALL_TIME).r1; }

}  // namespace

// The old instance is destroyed (its id freed) and a new one built from the same module
// under the same id, with fresh channels and the same devices. The store gets its state area
// back; a store client is introduced again (the store gives the new instance a fresh connection).
void restart_now(uint32_t i) {
    ChildState& c = g_children[i];
    call(BH_CALL_DOMAIN_DESTROY, kDomSlot0 + i);
    call(BH_CALL_CAP_DELETE, kDomSlot0 + i);
    call(BH_CALL_EVTCHN_CLOSE, kCtlSlot0 + i);
    c.restart_at = 0;
    c.created = c.ready = c.finished = false;
    ++c.restarts;
    if (c.spec->max_restarts)
        print("supervisor: restarting %s as domain %u (restart %u of %u)", c.name, c.id, c.restarts,
              c.spec->max_restarts);
    else
        print("supervisor: restarting %s as domain %u (restart %u)", c.name, c.id, c.restarts);
    if (!build(i, *c.spec, c.id)) return;
    if ((c.spec->xs & kXsStore) && !store_give_state(i)) return;
    if ((c.spec->xs & kXsClient) && store_index() >= 0 && !store_introduce(i)) return;
    start(i);
}

bool build(uint32_t i, const Child& spec, bh_domid_t want_id) {
    ChildState& c = g_children[i];
    c.spec = &spec;
    c.built_tsc = rdtsc();
    for (unsigned k = 0; k < sizeof c.name; ++k) c.name[k] = spec.name[k];
    Ret r;
    r = call(BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, spec.module, kDomSlot0 + i, spec.quota_pages, want_id);
    if (spec.outcome == Outcome::Refused) {
        if (r.err == BH_E_BAD_ELF) print("supervisor: %s refused as expected (bad-elf)", c.name);
        else fail("malformed image was not refused:", c.name, r.err);
        c.finished = true;
        return false;
    }
    if (!r.ok()) {
        fail("cannot create", c.name, r.err);
        return false;
    }
    c.id = static_cast<bh_domid_t>(r.r1);
    if (want_id == 0) c.first_id = c.id;
    c.created = true;
    // Control channel: a port in the child's table for us; the child gets its cap, we bind.
    r = hand_over(call(BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, kDomSlot0 + i, kTmpSlot, self_id()), i,
                  BH_SLOT_CONTROL);
    Ret b = r.ok() ? call(BH_CALL_EVTCHN_BIND_INTERDOMAIN, kCtlSlot0 + i, c.id, r.r1) : r;
    if (!b.ok()) {
        fail("cannot wire control channel of", c.name, b.err);
        return false;
    }
    c.ctl_port = static_cast<bh_port_t>(b.r1);
    if (spec.weight != kDefaultWeight) {
        Ret w = call(BH_CALL_DOMAIN_SET_SCHED, kDomSlot0 + i, spec.weight, 0);
        if (!w.ok()) fail("cannot set the scheduling weight of", c.name, w.err);
    }
    return give_devices(i, spec);
}

// Link (a, b): a port in a's table unbound for b, its cap in a's BH_SLOT_PEER. Both learn
// (peer id | port << 16) from their first start argument; b binds to it itself.
bool link(const Link& l) {
    ChildState& a = g_children[l.a];
    ChildState& b = g_children[l.b];
    Ret r = hand_over(call(BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, kDomSlot0 + l.a, kTmpSlot, b.id), l.a,
                      BH_SLOT_PEER);
    if (!r.ok()) {
        fail("cannot link", a.name, r.err);
        return false;
    }
    a.start_arg0 = b.id | (r.r1 << 16);
    b.start_arg0 = a.id | (r.r1 << 16);
    return true;
}

// The second start argument: the role, and how many times this child was restarted before.
bool start(uint32_t i) {
    ChildState& c = g_children[i];
    uint64_t arg1 = c.spec->role | static_cast<uint64_t>(c.restarts) << 32;
    Ret r = call(BH_CALL_DOMAIN_START, kDomSlot0 + i, c.start_arg0, arg1);
    if (!r.ok()) fail("cannot start", c.name, r.err);
    return r.ok();
}

void refresh(ChildState& c) {
    bh_domain_info info{};
    uint32_t i = static_cast<uint32_t>(&c - g_children);
    if (!call(BH_CALL_DOMAIN_INFO, kDomSlot0 + i, reinterpret_cast<uint64_t>(&info)).ok()) return;
    c.state = info.state;
    c.fault = info.fault;
    c.exit_code = info.exit_code;
    if (c.finished || (info.state != BH_DOM_EXITED && info.state != BH_DOM_FAULTED)) return;
    c.finished = true;
    print("supervisor: %s (id %u) %s code=%lu fault=%u", c.name, c.id, state_name(info.state),
          info.exit_code, info.fault);
    const Child& p = *c.spec;
    bool wants = p.restart == RestartMode::Always ||
                 (p.restart == RestartMode::OnFault && info.state == BH_DOM_FAULTED);
    if (wants && (p.max_restarts == 0 || c.restarts < p.max_restarts)) {
        // Backoff doubles with every restart (capped): a crash loop slows down instead of spinning.
        uint32_t shift = c.restarts < 10 ? c.restarts : 10;
        uint64_t ticks = (uint64_t{p.backoff_ms} << shift) / BH_TICK_MS;
        c.restart_at = ticks_now() + (ticks ? ticks : 1);
    } else if (wants) {
        print("supervisor: %s reached its restart limit (%u); left stopped", c.name, c.restarts);
    }
}

void destroy_child(uint32_t i) {
    ChildState& c = g_children[i];
    call(BH_CALL_DOMAIN_DESTROY, kDomSlot0 + i);
    call(BH_CALL_CAP_DELETE, kDomSlot0 + i);
    call(BH_CALL_EVTCHN_CLOSE, kCtlSlot0 + i);
    c.created = c.ready = false;
    c.finished = c.removed = true;
    c.restart_at = 0;
}

uint64_t run_due_restarts(uint64_t now) {
    uint64_t next = 0;
    for (uint32_t i = 0; i < g_n; ++i) {
        ChildState& c = g_children[i];
        if (!c.restart_at) continue;
        if (c.restart_at <= now) restart_now(i);
        else if (!next || c.restart_at < next) next = c.restart_at;
    }
    return next;
}

}  // namespace sup
