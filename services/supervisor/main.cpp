// The supervisor: the first domain. It holds the machine capability, builds the boot domains
// of its scenario, wires their event channels, waits for them, and judges the outcome.
#include <bh/rt.hpp>

#include "scenario.hpp"

using namespace bh::rt;
using sup::Outcome;

namespace {

constexpr uint32_t kMaxChildren = 16;
// Supervisor capability slots: children's domain caps, then their control-channel caps.
constexpr bh_slot_t kDomSlot0 = 16, kCtlSlot0 = 32, kTmpSlot = 60, kExcSlot = 61, kConSlot = 62;

struct ChildState {
    const sup::Child* spec;
    bh_domid_t id = 0;
    bh_port_t ctl_port = 0;  // our end of its control channel
    bool created = false, ready = false, finished = false;
    uint8_t state = 0, fault = 0;
    uint64_t exit_code = 0;
    char name[48] = {};
};

ChildState g_children[kMaxChildren];
uint32_t g_n = 0;
uint32_t g_dom_exc = 0;
bool g_failed = false;

void fail(const char* what, const char* name, uint64_t err) {
    print("supervisor: %s %s: %s", what, name, error_name(err));
    g_failed = true;
}

bool arg_value(const char* cmdline, const char* key, char* out, unsigned n) {
    for (const char* p = cmdline; *p; ++p) {
        if (p != cmdline && p[-1] != ' ') continue;
        const char* k = key;
        const char* q = p;
        while (*k && *q == *k) ++q, ++k;
        if (*k || *q != '=') continue;
        ++q;
        unsigned i = 0;
        while (*q && *q != ' ' && i + 1 < n) out[i++] = *q++;
        out[i] = '\0';
        return true;
    }
    return false;
}

const char* state_name(uint8_t s) {
    static const char* const names[] = {"built", "running", "paused", "faulted", "dead", "exited"};
    return s < 6 ? names[s] : "?";
}

// A capability just made in kTmpSlot (by `made`) goes to child i's `slot`; our copy is dropped
// either way. Returns the first failure, or `made` (whose results the caller may need).
Ret hand_over(Ret made, uint32_t i, bh_slot_t slot) {
    Ret g = made.ok() ? call(BH_CALL_DOMAIN_GIVE_CAP, kDomSlot0 + i, kTmpSlot, slot, BH_R_ALL) : made;
    call(BH_CALL_CAP_DELETE, kTmpSlot);
    return g.ok() ? made : g;
}

// Device authority flows from the machine cap: mint, hand over, drop our copy.
bool give_devices(uint32_t i, const sup::Child& spec) {
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
    if (spec.irq != 0xff && r.ok()) {
        what = "an interrupt line";
        r = hand_over(call(BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, spec.irq, kTmpSlot), i,
                      BH_SLOT_IRQ);
    }
    if (!r.ok()) fail("cannot give the child", what, r.err);
    return r.ok();
}

// Even the machine capability cannot turn RAM or the interrupt controllers into device MMIO.
void check_mmio_refusals() {
    struct Case {
        uint64_t base;
        const char* what;
        uint64_t want;
    } cases[] = {{0x100000, "RAM", BH_E_NO_RIGHTS},
                 {0xFEE00000, "the local APIC", BH_E_NO_RIGHTS},
                 {0xFEC00000, "the I/O APIC", BH_E_NO_RIGHTS},
                 {0xFED00010, "an unaligned address", BH_E_BAD_ARG}};
    for (const Case& c : cases) {
        Ret r = call(BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, c.base, 1, kTmpSlot);
        if (r.ok()) call(BH_CALL_CAP_DELETE, kTmpSlot);
        if (r.err != c.want) fail("MMIO capability over", c.what, r.err);
    }
}

bool build(uint32_t i, const sup::Child& spec) {
    ChildState& c = g_children[i];
    c.spec = &spec;
    bh_module_info info{};
    Ret r = call(BH_CALL_MACHINE_MODULES, BH_SLOT_MACHINE, i + 1, reinterpret_cast<uint64_t>(&info));
    if (!r.ok()) {
        fail("missing module for child", "", r.err);
        return false;
    }
    for (unsigned k = 0; k < sizeof c.name - 1 && info.name[k]; ++k) c.name[k] = info.name[k];
    r = call(BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, i + 1, kDomSlot0 + i, spec.quota_pages);
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
    return give_devices(i, spec);
}

// Link (a, b): a port in a's table unbound for b, its cap in a's BH_SLOT_PEER. Both learn
// (peer id | port << 16) from their first start argument; b binds to it itself.
uint64_t link_args[kMaxChildren];
bool link(const sup::Link& l) {
    ChildState& a = g_children[l.a];
    ChildState& b = g_children[l.b];
    Ret r = hand_over(call(BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, kDomSlot0 + l.a, kTmpSlot, b.id), l.a,
                      BH_SLOT_PEER);
    if (!r.ok()) {
        fail("cannot link", a.name, r.err);
        return false;
    }
    link_args[l.a] = b.id | (r.r1 << 16);
    link_args[l.b] = a.id | (r.r1 << 16);
    return true;
}

void refresh(ChildState& c) {
    bh_domain_info info{};
    uint32_t i = static_cast<uint32_t>(&c - g_children);
    if (!call(BH_CALL_DOMAIN_INFO, kDomSlot0 + i, reinterpret_cast<uint64_t>(&info)).ok()) return;
    c.state = info.state;
    c.fault = info.fault;
    c.exit_code = info.exit_code;
    if (!c.finished && (info.state == BH_DOM_EXITED || info.state == BH_DOM_FAULTED)) {
        c.finished = true;
        print("supervisor: %s (id %u) %s code=%lu fault=%u", c.name, c.id, state_name(info.state),
              info.exit_code, info.fault);
    }
}

void print_table() {
    for (uint32_t i = 0; i < g_n; ++i) {
        ChildState& c = g_children[i];
        if (!c.created) continue;
        bh_domain_info info{};
        call(BH_CALL_DOMAIN_INFO, kDomSlot0 + i, reinterpret_cast<uint64_t>(&info));
        print("BH-DOMAIN name=%s id=%u state=%s mem=%lu quota=%lu", c.name, c.id,
              state_name(info.state), info.mem_pages * 4, info.quota_pages * 4);
    }
}

// Pause and unpause every running service, checking the state the kernel reports each time and
// that a paused domain's own-cap calls are refused for the wrong state.
bool exercise_lifecycle() {
    bool ok = true;
    for (uint32_t i = 0; i < g_n; ++i) {
        ChildState& c = g_children[i];
        if (!c.created || c.spec->outcome != Outcome::Service) continue;
        Ret p = call(BH_CALL_DOMAIN_PAUSE, kDomSlot0 + i);
        refresh(c);
        bool paused = p.ok() && c.state == BH_DOM_PAUSED;
        Ret again = call(BH_CALL_DOMAIN_PAUSE, kDomSlot0 + i);
        Ret u = call(BH_CALL_DOMAIN_UNPAUSE, kDomSlot0 + i);
        refresh(c);
        bool resumed = u.ok() && c.state == BH_DOM_RUNNING;
        print("supervisor: %s pause %s, pause again %s, unpause %s", c.name,
              paused ? "ok" : "FAILED", error_name(again.err), resumed ? "ok" : "FAILED");
        ok = ok && paused && resumed && again.err == BH_E_BAD_STATE;
    }
    return ok;
}

// The machine console: lines typed there arrive through VIRQ_CONSOLE. Commands: help, list,
// quit. Returns true when asked to shut down.
char g_line[64];
unsigned g_len = 0;
bool console_command(const char* cmd) {
    auto is = [&](const char* w) {
        unsigned i = 0;
        while (w[i] && cmd[i] == w[i]) ++i;
        return w[i] == '\0' && cmd[i] == '\0';
    };
    print("BH-CONSOLE command '%s'", cmd);
    if (is("help")) print("supervisor: commands: help, list, quit");
    else if (is("list")) print_table();
    else if (is("quit")) return true;
    else if (cmd[0]) print("supervisor: unknown command '%s' (try help)", cmd);
    return false;
}

bool console_input() {
    char buf[64];
    bool quit = false;
    for (;;) {
        Ret r = call(BH_CALL_MACHINE_CONSOLE_READ, BH_SLOT_MACHINE, reinterpret_cast<uint64_t>(buf),
                     sizeof buf);
        if (!r.ok() || r.r1 == 0) return quit;
        for (uint64_t i = 0; i < r.r1; ++i) {
            char ch = buf[i];
            if (ch == '\r' || ch == '\n') {
                g_line[g_len] = '\0';
                quit = console_command(g_line) || quit;
                g_len = 0;
            } else if (g_len + 1 < sizeof g_line && ch >= 0x20 && ch < 0x7f) {
                g_line[g_len++] = ch;
            }
        }
    }
}

bool judge(const sup::Scenario& s) {
    bool ok = !g_failed && g_dom_exc >= s.min_dom_exc;
    for (uint32_t i = 0; i < g_n; ++i) {
        ChildState& c = g_children[i];
        const sup::Child& e = *c.spec;
        bool good = true;
        switch (e.outcome) {
        case Outcome::Service: good = c.ready && c.state == BH_DOM_RUNNING; break;
        case Outcome::Exit0:
        case Outcome::Waiter: good = c.state == BH_DOM_EXITED && c.exit_code == 0; break;
        case Outcome::Fault: good = c.state == BH_DOM_FAULTED && c.fault == e.fault; break;
        case Outcome::Refused: good = !c.created; break;
        }
        if (!good) print("supervisor: %s did not behave as expected", c.name);
        ok = ok && good;
    }
    return ok;
}

// Destroys every child and checks the quota it paid for them came back.
bool reclaim(uint64_t baseline_pages) {
    for (uint32_t i = 0; i < g_n; ++i)
        if (g_children[i].created) call(BH_CALL_DOMAIN_DESTROY, kDomSlot0 + i);
    for (uint32_t i = 0; i < g_n; ++i)
        if (g_children[i].created) call(BH_CALL_CAP_DELETE, kDomSlot0 + i);
    bh_domain_info me{};
    call(BH_CALL_DOMAIN_INFO, BH_SLOT_SELF, reinterpret_cast<uint64_t>(&me));
    print("supervisor: after destroying all children: %lu pages charged (baseline %lu)",
          me.mem_pages, baseline_pages);
    return me.mem_pages == baseline_pages;
}

}  // namespace

int bh_main(uint64_t nr_modules, uint64_t) {
    char cmdline[256] = {};
    call(BH_CALL_MACHINE_CMDLINE, BH_SLOT_MACHINE, reinterpret_cast<uint64_t>(cmdline), sizeof cmdline);
    char name[32] = "default", mode[16] = "";
    arg_value(cmdline, "scenario", name, sizeof name);
    arg_value(cmdline, "mode", mode, sizeof mode);
    const sup::Scenario* s = sup::find_scenario(name);
    auto shutdown = [](uint64_t code) { call(BH_CALL_MACHINE_SHUTDOWN, BH_SLOT_MACHINE, code); };
    if (!s) {
        print("BH-TEST %s FAIL unknown scenario", name);
        shutdown(1);
    }
    print("supervisor: scenario %s, %lu boot modules", s->name, nr_modules);
    if (s->nr_children + 1 > nr_modules) {
        print("BH-TEST %s FAIL boot archive has %lu modules, scenario needs %u", s->name,
              nr_modules, s->nr_children + 1);
        shutdown(1);
    }
    Ret exc = call(BH_CALL_EVTCHN_BIND_VIRQ, kExcSlot, BH_VIRQ_DOM_EXC);
    Ret con = call(BH_CALL_EVTCHN_BIND_VIRQ, kConSlot, BH_VIRQ_CONSOLE);
    bh_domain_info me{};
    call(BH_CALL_DOMAIN_INFO, BH_SLOT_SELF, reinterpret_cast<uint64_t>(&me));
    uint64_t baseline = me.mem_pages;

    check_mmio_refusals();
    g_n = s->nr_children;
    for (uint32_t i = 0; i < g_n; ++i) build(i, s->children[i]);
    for (uint32_t i = 0; i < s->nr_links; ++i) link(s->links[i]);
    for (uint32_t i = 0; i < g_n; ++i)
        if (g_children[i].created) {
            Ret r = call(BH_CALL_DOMAIN_START, kDomSlot0 + i, link_args[i], g_children[i].spec->role);
            if (!r.ok()) fail("cannot start", g_children[i].name, r.err);
        }

    bool table_done = false, waiters_told = false, prompted = false, quit = false;
    for (;;) {
        bool all_ready = true, finite_done = true, all_done = true, any_finite = false;
        for (uint32_t i = 0; i < g_n; ++i) {
            ChildState& c = g_children[i];
            if (!c.created) continue;
            all_ready = all_ready && (c.ready || c.finished);
            bool finite = c.spec->outcome == Outcome::Exit0 || c.spec->outcome == Outcome::Fault;
            any_finite = any_finite || finite || c.spec->outcome == Outcome::Waiter;
            if (finite) finite_done = finite_done && c.finished;
            if (c.spec->outcome != Outcome::Service) all_done = all_done && c.finished;
        }
        if (all_ready && !table_done) {
            table_done = true;
            print_table();
        }
        if (table_done && finite_done && !waiters_told) {
            waiters_told = true;
            for (uint32_t i = 0; i < g_n; ++i)
                if (g_children[i].created && g_children[i].spec->outcome == Outcome::Waiter)
                    call(BH_CALL_EVTCHN_SEND, kCtlSlot0 + i);
        }
        bool interactive = !any_finite && mode[0] == '\0' && s->name[0] == 'd';
        if (table_done && all_done && !interactive) break;
        if (interactive && table_done && !prompted) {
            prompted = true;
            print("supervisor: all domains ready; console commands: help, list, quit");
            quit = console_input() || quit;  // input typed before we listened: queued, not signalled
            continue;
        }
        if (g_failed && table_done) break;

        if (quit && table_done) break;
        bh_port_t p = wait_event();
        if (con.ok() && p == con.r1) {
            quit = console_input();
            continue;
        }
        if (exc.ok() && p == exc.r1) {
            ++g_dom_exc;
            for (uint32_t i = 0; i < g_n; ++i)
                if (g_children[i].created) refresh(g_children[i]);
            continue;
        }
        for (uint32_t i = 0; i < g_n; ++i) {
            ChildState& c = g_children[i];
            if (c.created && p == c.ctl_port && !c.ready) {
                c.ready = true;
                refresh(c);
                print("BH-READY name=%s id=%u", c.name, c.id);
            }
        }
    }
    for (uint32_t i = 0; i < g_n; ++i)
        if (g_children[i].created) refresh(g_children[i]);
    bool ok = judge(*s) && exercise_lifecycle();
    print("supervisor: %u dom_exc notifications received", g_dom_exc);
    bool reclaimed = reclaim(baseline);
    if (!reclaimed) print("supervisor: memory was not fully reclaimed");
    ok = ok && reclaimed;
    print("BH-TEST %s %s", s->name, ok ? "PASS" : "FAIL see log above");
    shutdown(ok ? 0 : 1);
    return 0;
}
