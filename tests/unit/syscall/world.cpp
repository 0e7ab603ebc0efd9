// Snapshots of the fake machine and its domains, walked through the kernel's own structures.
#include "world.hpp"

#include <stdio.h>

#include <set>
#include <vector>

#include "arch/x86_64/page_table.hpp"
#include "cap/cspace.hpp"
#include "domain/objects.hpp"
#include "domain/registry.hpp"
#include "evtchn/evtchn_table.hpp"
#include "fake_platform.hpp"
#include "gnttab/grant_table.hpp"
#include "mem/machine_frames.hpp"

namespace bhtest {
namespace {

using namespace bh;

// A walker that never builds tables: snapshots only read.
struct NoTables {
    Result<paddr_t> alloc_table() { return Error::NoMemory; }
    void free_table(paddr_t) {}
};

std::string hex(uint64_t v) {
    char buf[24];
    snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string cap_value(const Cap& c) {
    std::string v = "type=" + std::to_string(static_cast<int>(c.type())) +
                    " rights=" + hex(c.rights) + " badge=" + hex(c.badge) +
                    " obj=" + hex(reinterpret_cast<uintptr_t>(c.obj)) +
                    " refs=" + std::to_string(c.obj->refs) +
                    " parent=" + hex(reinterpret_cast<uintptr_t>(c.parent()));
    if (auto* f = kobject_cast<FrameObj>(c.obj))
        v += " pa=" + hex(f->pa) + " frame_refs=" + std::to_string(machine_frames().refcount(f->pa));
    if (auto* e = kobject_cast<EvtchnObj>(c.obj))
        v += " port=" + std::to_string(e->dom->id) + ":" + std::to_string(e->port);
    return v;
}

void add_ports(World& w, const std::string& p, const EvtchnTable& t) {
    for (bh_port_t port = 1; port < t.max_ports(); ++port) {
        auto st = t.status(port);
        if (!st.ok()) break;  // beyond the allocated buckets
        bool pending = t.view().test_pending(port);
        bool masked = t.view().test_mask(port);
        if (st.value().state == EvtchnState::Free && !pending && !masked) continue;
        const EvtchnStatus& s = st.value();
        w[p + "port" + std::to_string(port)] =
            "state=" + std::to_string(static_cast<int>(s.state)) +
            " remote=" + std::to_string(s.remote_dom) + ":" + std::to_string(s.remote_port) +
            " virq=" + std::to_string(s.virq) + " irq=" + std::to_string(s.irq) +
            " pending=" + std::to_string(pending) + " masked=" + std::to_string(masked);
    }
    w[p + "upcall"] = std::to_string(t.upcall_pending());
}

void add_grants(World& w, const std::string& p, GrantTable& g) {
    w[p + "gnttab"] = "frames=" + std::to_string(g.nr_frames()) +
                      " active_maps=" + std::to_string(g.active_maps()) +
                      " maptrack=" + std::to_string(g.maptrack_count()) + "/" +
                      std::to_string(g.maptrack_buckets());
    for (uint32_t f = 0; f < g.nr_frames(); ++f) {
        auto entries = g.entries(f);
        for (uint32_t i = 0; i < entries.size(); ++i) {
            const GrantEntryV1& e = entries[i];
            bh_grant_ref_t ref = f * kGrantEntriesPerFrame + i;
            GrantPins pins = g.pins(ref);
            if (!e.flags && !e.domid && !e.frame && !pins.readers && !pins.writers) continue;
            w[p + "gref" + std::to_string(ref)] =
                "flags=" + hex(e.flags) + " domid=" + std::to_string(e.domid) +
                " frame=" + hex(e.frame) + " pins=" + std::to_string(pins.readers) + "/" +
                std::to_string(pins.writers);
        }
    }
}

void add_pages(World& w, const std::string& p, const AddressSpace& as) {
    if (!as.root()) return;
    PageTable<NoTables> pt(as.root());
    pt.for_each_leaf(kUserPml4Lo, kUserPml4Hi, [&](vaddr_t va, const Translation& t) {
        // Device MMIO is not fake RAM: nothing to hash (and nothing behind it to read).
        bool ram = machine_frames().manages(t.pa);
        w[p + "va" + hex(va)] = "pa=" + hex(t.pa) + " flags=" + hex(t.flags) +
                                " refs=" + std::to_string(machine_frames().refcount(t.pa)) +
                                (ram ? " hash=" + hex(frame_hash(t.pa)) : std::string(" mmio"));
    });
}

}  // namespace

uint64_t frame_hash(paddr_t pa) {
    const auto* b = phys_as<const uint8_t>(pa);
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < kPageSize; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

World domain_world(Domain& d) {
    World w;
    const std::string p = "d" + std::to_string(d.id) + ".";
    w[p + "state"] = "state=" + std::to_string(d.state) + " fault=" + std::to_string(d.fault) +
                     " exit=" + std::to_string(d.exit_code) + " refs=" + std::to_string(d.refs);
    w[p + "quota"] = std::to_string(d.quota.used()) + "/" + std::to_string(d.quota.limit());
    w[p + "console"] = "end=" + std::to_string(d.console.end()) +
                       " held=" + std::to_string(d.console.held());
    const SchedUnit& u = d.vcpu.sched;
    w[p + "sched"] = "state=" + std::to_string(static_cast<int>(u.state())) +
                     " weight=" + std::to_string(u.weight()) + " cap=" + std::to_string(u.cap()) +
                     " timer=" + std::to_string(d.vcpu.timer_period) + "@" +
                     std::to_string(d.vcpu.timer_next) + " rdi=" + hex(d.vcpu.ctx.rdi);
    if (d.cspace) {
        w[p + "caps"] = std::to_string(d.cspace->count());
        for (bh_slot_t s = 0; s < CSpace::kSlots; ++s) {
            auto c = d.cspace->at(s);
            if (c.ok()) w[p + "slot" + std::to_string(s)] = cap_value(*c.value());
        }
    }
    if (d.evtchn) add_ports(w, p, *d.evtchn);
    if (d.gnttab) add_grants(w, p, *d.gnttab);
    add_pages(w, p, d.as);
    return w;
}

World world() {
    World w;
    FrameAllocator& fa = machine_frames();
    w["machine.frames"] = "free=" + std::to_string(fa.free_frames()) +
                          " misuse=" + std::to_string(fa.misuse_count());
    const PlatformLog& log = platform_log();
    w["machine.platform"] = "io=" + std::to_string(log.io.size()) +
                            " irq_lines=" + std::to_string(log.irq_lines.size()) +
                            " mmu_loads=" + std::to_string(log.mmu_loads.size()) +
                            " flushes=" + std::to_string(log.flushes.size());
    for_each_domain([&](Domain& d) {
        World dw = domain_world(d);
        w.insert(dw.begin(), dw.end());
    });
    return w;
}

std::string diff(const World& before, const World& after) {
    std::set<std::string> keys;
    for (const auto& [k, v] : before) keys.insert(k);
    for (const auto& [k, v] : after) keys.insert(k);
    std::string out;
    for (const std::string& k : keys) {
        auto b = before.find(k);
        auto a = after.find(k);
        std::string bv = b == before.end() ? "(none)" : b->second;
        std::string av = a == after.end() ? "(none)" : a->second;
        if (bv != av) out += k + ": " + bv + " -> " + av + "\n";
    }
    return out;
}

}  // namespace bhtest
