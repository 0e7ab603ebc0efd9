// Randomized conformance: a hostile domain makes >= 100 000 random hypercalls (random numbers,
// slots, pointers — kernel, non-canonical, unmapped, read-only) next to a victim domain. The
// victim's pages, caps, ports and grants must stay as they were, the frame allocator must see
// no misuse, and destroying the attacker must give back every frame and every quota byte.
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "cap/cspace.hpp"
#include "domain/cpu.hpp"
#include "domain/registry.hpp"
#include "evtchn_helpers.hpp"
#include "gnttab_helpers.hpp"
#include "hostile_args.hpp"
#include "mem/machine_frames.hpp"

using namespace bhtest;
namespace gtf = bh::gtf;

namespace {

constexpr uint64_t kCalls = 120000;  // per seed
constexpr uint64_t kVictimSlot = 8;  // supervisor's caps
constexpr uint64_t kAttackerSlot = 9;

// The attacker's device authority is ports 0x70..0x71 and line 3; the supervisor itself
// touches no hardware here. Anything else in the platform log is an escape.
std::string hardware_touched_outside_grants() {
    std::string out;
    for (const PortIo& io : platform_log().io)
        if (io.port < 0x70 || io.port + io.width > 0x72)
            out += "port " + std::to_string(io.port) + " width " + std::to_string(io.width) + "\n";
    for (const IrqLineCall& l : platform_log().irq_lines)
        if (l.line != 3) out += "irq line " + std::to_string(l.line) + "\n";
    return out;
}

// `v` without its " name=..." field (fields are space-separated).
std::string without_field(std::string v, const std::string& name) {
    size_t at = v.find(" " + name + "=");
    if (at == std::string::npos) return v;
    size_t end = v.find(' ', at + 1);
    return v.erase(at, end == std::string::npos ? std::string::npos : end - at);
}

struct RandomFixture : GntFixture {
    // a = victim, b = attacker (GntFixture names them); plus these victim resources:
    uint64_t channel = 0;   // victim port connected to the attacker
    uint64_t for_x = 0;     // victim port unbound for the attacker
    uint64_t for_sup = 0;   // victim port unbound for the supervisor: never the attacker's
    Domain* x = nullptr;

    RandomFixture() {
        REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, kSlotA, 0, 0);
        map_page(a, kPrivateVa);
        map_page(a, kPrivateVa + bh::kPageSize, false);
        const char secret[] = "victim's private data";
        poke(a, kPrivateVa, secret, sizeof secret);
        grant(1, b.id, gtf::kReadonly);          // the attacker may read this page
        grant(2, sup().id);                      // ... and not this one
        for_sup = REQUIRE_OK(a, BH_CALL_EVTCHN_ALLOC_UNBOUND, 10, sup().id).r1;
        REQUIRE_OK(a, BH_CALL_EVTCHN_BIND_VIRQ, 11, BH_VIRQ_TIMER);
        arm_attacker(b);
    }

    // Gives the attacker its toys: scratch pages, a grant table, a channel to the victim,
    // read-only authority over the victim, a device region and an interrupt line.
    void arm_attacker(Domain& d) {
        x = &d;
        REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, kAttackerSlot, 0, 0);
        map_page(d, kRwVa);
        map_page(d, kRoVa, false);
        REQUIRE_OK(d, BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTabVa, 1);
        bh_slot_t s = free_slot(a);
        channel = REQUIRE_OK(a, BH_CALL_EVTCHN_ALLOC_UNBOUND, s, d.id).r1;
        REQUIRE_OK(d, BH_CALL_EVTCHN_BIND_INTERDOMAIN, 9, a.id, channel);
        s = free_slot(a);
        for_x = REQUIRE_OK(a, BH_CALL_EVTCHN_ALLOC_UNBOUND, s, d.id).r1;
        REQUIRE_OK(sup(), BH_CALL_DOMAIN_GIVE_CAP, kAttackerSlot, kVictimSlot, 10, BH_R_READ);
        bh_slot_t dev = free_slot(sup());
        REQUIRE_OK(sup(), BH_CALL_MACHINE_DEVICE_CAP, BH_SLOT_MACHINE, 0x70, 2, dev);
        REQUIRE_OK(sup(), BH_CALL_DOMAIN_GIVE_CAP, kAttackerSlot, dev, 11, BH_R_ALL);
        REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, dev);
        bh_slot_t irq = free_slot(sup());
        REQUIRE_OK(sup(), BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, 3, irq);
        REQUIRE_OK(sup(), BH_CALL_DOMAIN_GIVE_CAP, kAttackerSlot, irq, 12, BH_R_ALL);
        REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, irq);
    }

    // The attacker stopped itself (EXIT): the supervisor destroys it and builds a new one.
    void replace_attacker() {
        REQUIRE_OK(sup(), BH_CALL_DOMAIN_DESTROY, kAttackerSlot);
        REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, kAttackerSlot);
        for (uint64_t p : {channel, for_x}) {  // the victim closes what it had for the old one
            for (bh_slot_t s = 0; s < bh::CSpace::kSlots; ++s) {
                auto c = a.cspace->at(s);
                auto* e = c.ok() ? bh::kobject_cast<bh::EvtchnObj>(c.value()->obj) : nullptr;
                if (e && e->port == p) REQUIRE_OK(a, BH_CALL_EVTCHN_CLOSE, s);
            }
        }
        arm_attacker(child(kAttackerSlot));
    }

    // What the attacker must never change about the victim. Ports the attacker is entitled to
    // (connected to or unbound for it) may flip between those two states; pending bits in the
    // victim's shared_info and the in-use bits of grants it made to the attacker may change.
    std::map<std::string, std::string> fingerprint() {
        std::map<std::string, std::string> f;
        f["state"] = std::to_string(a.state) + " quota=" + std::to_string(a.quota.used()) +
                     " sched=" + std::to_string(static_cast<int>(a.vcpu.sched.state()));
        for (bh_slot_t s = 0; s < bh::CSpace::kSlots; ++s) {
            auto c = a.cspace->at(s);
            if (!c.ok()) continue;
            // Caps to the ports kept for the attacker are re-made when it is replaced.
            auto* e = bh::kobject_cast<bh::EvtchnObj>(c.value()->obj);
            bool attackers = e && (e->port == channel || e->port == for_x);
            f["slot" + std::to_string(s)] =
                std::to_string(static_cast<int>(c.value()->type())) + "/" +
                std::to_string(c.value()->rights) + "/" +
                (attackers ? std::string("attacker's port")
                           : std::to_string(reinterpret_cast<uintptr_t>(c.value()->obj)));
        }
        for (bh_port_t p = 1; p < 256; ++p) {
            auto st = a.evtchn->status(p);
            if (!st.ok()) break;
            const auto& s = st.value();
            bool attackers = s.remote_dom == x->id && (s.state == bh::EvtchnState::Unbound ||
                                                       s.state == bh::EvtchnState::Interdomain);
            f["port" + std::to_string(p)] =
                attackers ? "attacker's"
                          : std::to_string(static_cast<int>(s.state)) + ":" +
                                std::to_string(s.remote_dom) + ":" + std::to_string(s.remote_port);
        }
        for (uint32_t r = 0; r < 8; ++r) {
            const auto& e = a.gnttab->entries(0)[r];
            f["gref" + std::to_string(r)] =
                std::to_string(e.flags & ~(gtf::kReading | gtf::kWriting)) + "/" +
                std::to_string(e.domid) + "/" + std::to_string(e.frame);
        }
        // Every page but shared_info, with its content hash; not its reference count (a mapping
        // of the granted page holds two) and not the grant table's hash (its in-use bits are
        // compared above).
        const std::string table_key = "d" + std::to_string(a.id) + ".va0x30000000";
        for (const auto& [k, v] : domain_world(a)) {
            if (k.find(".va") == std::string::npos || k.find("0x7f0000000000") != std::string::npos)
                continue;
            std::string value = without_field(v, "refs");
            if (k == table_key) value = without_field(value, "hash");
            f[k] = value;
        }
        return f;
    }
};

const std::vector<uint64_t> kAllCalls = {
    BH_CALL_NULL, BH_CALL_CONSOLE_WRITE, BH_CALL_YIELD, BH_CALL_BLOCK, BH_CALL_SELF_INFO,
    BH_CALL_TIME, BH_CALL_EXIT, BH_CALL_WAKE_LATENCY, BH_CALL_SET_TIMER, BH_CALL_CAP_COPY,
    BH_CALL_CAP_MINT, BH_CALL_CAP_MOVE, BH_CALL_CAP_DELETE, BH_CALL_CAP_REVOKE, BH_CALL_CAP_INFO,
    BH_CALL_FRAME_ALLOC, BH_CALL_FRAME_MAP, BH_CALL_FRAME_UNMAP, BH_CALL_EVTCHN_ALLOC_UNBOUND,
    BH_CALL_EVTCHN_BIND_INTERDOMAIN, BH_CALL_EVTCHN_BIND_VIRQ, BH_CALL_EVTCHN_BIND_IRQ,
    BH_CALL_EVTCHN_SEND, BH_CALL_EVTCHN_CLOSE, BH_CALL_EVTCHN_UNMASK, BH_CALL_EVTCHN_STATUS,
    BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, BH_CALL_GNTTAB_SETUP, BH_CALL_GNTTAB_MAP,
    BH_CALL_GNTTAB_UNMAP, BH_CALL_GNTTAB_COPY, BH_CALL_DOMAIN_CREATE, BH_CALL_DOMAIN_START,
    BH_CALL_DOMAIN_PAUSE, BH_CALL_DOMAIN_UNPAUSE, BH_CALL_DOMAIN_DESTROY, BH_CALL_DOMAIN_INFO,
    BH_CALL_DOMAIN_GIVE_CAP, BH_CALL_DOMAIN_SET_SCHED, BH_CALL_MACHINE_MODULES,
    BH_CALL_MACHINE_SHUTDOWN, BH_CALL_MACHINE_CMDLINE, BH_CALL_MACHINE_DEVICE_CAP,
    BH_CALL_MACHINE_IRQ_CAP, BH_CALL_MACHINE_MMIO_CAP, BH_CALL_MACHINE_CONSOLE_READ,
    BH_CALL_IO_OUT, BH_CALL_IO_IN, BH_CALL_IRQ_ACK, BH_CALL_DEVICE_MAP,
    BH_CALL_DOMAIN_CONSOLE_READ, BH_CALL_MACHINE_DMESG, BH_CALL_MACHINE_MODULE_READ,
    BH_CALL_MACHINE_FIRMWARE, BH_CALL_MACHINE_IOMMU, BH_CALL_DMA_ASSIGN};

// What no capability the attacker holds (or can derive) allows: a domain with CONTROL, the
// Machine, an MMIO region.
const uint64_t kNeedsAuthority[] = {
    BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, BH_CALL_DOMAIN_CREATE, BH_CALL_DOMAIN_START,
    BH_CALL_DOMAIN_PAUSE, BH_CALL_DOMAIN_UNPAUSE, BH_CALL_DOMAIN_DESTROY, BH_CALL_DOMAIN_GIVE_CAP,
    BH_CALL_DOMAIN_SET_SCHED, BH_CALL_MACHINE_MODULES, BH_CALL_MACHINE_SHUTDOWN,
    BH_CALL_MACHINE_CMDLINE, BH_CALL_MACHINE_DEVICE_CAP, BH_CALL_MACHINE_IRQ_CAP,
    BH_CALL_MACHINE_MMIO_CAP, BH_CALL_MACHINE_CONSOLE_READ, BH_CALL_DEVICE_MAP,
    BH_CALL_MACHINE_DMESG, BH_CALL_MACHINE_MODULE_READ, BH_CALL_MACHINE_FIRMWARE,
    BH_CALL_MACHINE_IOMMU, BH_CALL_DMA_ASSIGN};

}  // namespace

TEST_CASE_METHOD(RandomFixture, "Random hypercalls from a hostile domain leave its neighbour untouched") {
    const uint64_t free_before_attacker = bh::machine_frames().free_frames();  // after arming
    const auto victim0 = fingerprint();
    const uint64_t seed = GENERATE(0xB01DFACEull, 1ull, 0x5eed5eedull);  // a fresh fixture each
    INFO("seed " << std::hex << seed);
    Chooser ch(seed, kAllCalls, {0, a.id, b.id, 3, 77, 0x7ff0, 0xffff, 0x10000, ~0ull});
    std::map<uint64_t, uint64_t> successes;
    uint64_t exits = 0;
    for (uint64_t i = 0; i < kCalls; ++i) {
        if (i % 1000 == 0) seed_copy_ops(*x, a, ch);
        uint64_t nr = ch.call_number();
        if (nr == BH_CALL_EXIT && ch.pick(20) != 0) nr = BH_CALL_CAP_INFO;  // keep exits rare
        uint64_t args[6];
        for (auto& v : args) v = ch.arg();
        if (ch.pick(2)) ch.plausible(nr, args, a.id);
        CallResult r;
        try {
            r = call(*x, nr, args[0], args[1], args[2], args[3], args[4], args[5]);
        } catch (const MachineStopped&) {
            FAIL("call " << nr << " without a Machine cap stopped the machine");
        }
        if (r.err == Error::None) ++successes[nr];
        if (!x->alive()) {
            ++exits;
            replace_attacker();
        }
        if (i % 10000 == 9999) {
            INFO("after call " << i);
            REQUIRE(hardware_touched_outside_grants() == "");
            REQUIRE(diff(victim0, fingerprint()) == "");
            REQUIRE(bh::machine_frames().misuse_count() == 0);
            REQUIRE(a.cspace->check_invariants());
            REQUIRE(x->cspace->check_invariants());
            REQUIRE(sup().cspace->check_invariants());
        }
    }
    CHECK(diff(victim0, fingerprint()) == "");
    CHECK(hardware_touched_outside_grants() == "");
    // Authority the attacker never had was never exercised...
    for (uint64_t nr : kNeedsAuthority) {
        INFO("call " << nr);
        CHECK(successes.count(nr) == 0);
    }
    // ... while every call it may make did real work at least once.
    for (uint64_t nr : kAllCalls) {
        if (std::count(std::begin(kNeedsAuthority), std::end(kNeedsAuthority), nr)) continue;
        INFO("call " << nr << " never succeeded");
        CHECK(successes.count(nr) == 1);
    }
    CHECK(exits > 0);

    // Without the attacker the victim is exactly as it was built, and every frame is back.
    const bh_domid_t xid = x->id;
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_DESTROY, kAttackerSlot);
    for (uint32_t r = 0; r < 8; ++r)
        CHECK((a.gnttab->entries(0)[r].flags & (gtf::kReading | gtf::kWriting)) == 0);
    CHECK(a.gnttab->active_maps() == 0);
    for (uint64_t p : {channel, for_x}) {
        auto st = a.evtchn->status(static_cast<bh_port_t>(p)).value();
        CHECK(st.state == bh::EvtchnState::Unbound);
        CHECK(st.remote_dom == xid);
    }
    CHECK(a.evtchn->status(static_cast<bh_port_t>(for_sup)).value().remote_dom == sup().id);
    CHECK(bh::machine_frames().misuse_count() == 0);
    // Frames: the attacker's are all back (its last incarnation was armed like the first).
    REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, kAttackerSlot);
    CHECK(bh::machine_frames().free_frames() >= free_before_attacker);
}
