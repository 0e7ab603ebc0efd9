// The supervisor: the first domain. It holds the machine capability, builds the boot domains
// of its scenario, wires their event channels, waits for them, and judges the outcome.
#include <bh/grant.hpp>
#include <bh/rt.hpp>
#include <bh/xenbus/xs_text.hpp>

#include "children.hpp"
#include "control.hpp"
#include "pci_scan.hpp"
#include "store_link.hpp"
#include "scenario.hpp"

using namespace bh::rt;
using namespace sup;

namespace {

constexpr bh_slot_t kExcSlot = 61, kConSlot = 62, kTimerSlot = 59;
constexpr uint64_t kTimerPeriodTicks = 5;  // 10 ms: restart backoffs and store timeouts
uint32_t g_dom_exc = 0;

// The value of `key=` on the kernel command line, if present.
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
        if (c.removed) continue;
        bool good = true;
        switch (e.outcome) {
        case Outcome::Service: good = c.ready && c.state == BH_DOM_RUNNING; break;
        case Outcome::Exit0:
        case Outcome::Waiter: good = c.state == BH_DOM_EXITED && c.exit_code == 0; break;
        case Outcome::Fault: good = c.state == BH_DOM_FAULTED && c.fault == e.fault; break;
        case Outcome::Refused: good = !c.created; break;
        case Outcome::CrashOnce:
            good = c.ready && c.state == BH_DOM_RUNNING && c.restarts == 1 && c.id == c.first_id;
            break;
        case Outcome::CrashLoop:
            good = c.state == BH_DOM_FAULTED && c.restarts == e.max_restarts && c.id == c.first_id &&
                   e.max_restarts != 0;
            break;
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
    store_teardown();
    bh_domain_info me{};
    call(BH_CALL_DOMAIN_INFO, BH_SLOT_SELF, reinterpret_cast<uint64_t>(&me));
    print("supervisor: after destroying all children: %lu pages charged (baseline %lu)",
          me.mem_pages, baseline_pages);
    return me.mem_pages == baseline_pages;
}

}  // namespace

// A domain some test kills: its first start, build to ready, is the yardstick for the outage
// a kill costs (restart_outage_ratio). Published for the test's client in /test/coldstart/NAME.
bool is_kill_target(const sup::Scenario& s, uint32_t i) {
    for (uint32_t k = 0; k < s.nr_children; ++k)
        if (s.children[k].kills == static_cast<int8_t>(i)) return true;
    return false;
}

uint64_t g_cycles_per_us = 1;  // measured at boot when a test kills a domain

void publish_cold_start(const sup::ChildState& c) {
    uint64_t us = (rdtsc() - c.built_tsc) / g_cycles_per_us;
    print("supervisor: %s cold start: %lu us from build to ready", c.name, us);
    bh::xenbus::XsClient* xs = sup::store_client();
    if (!xs) return;
    bh::xenbus::Text path, value;
    path << "/test/coldstart/" << c.name;
    value << us;
    xs->write(0, path.s, value.s);
}

char g_cmdline[256];

int bh_main(uint64_t nr_modules, uint64_t) {
    char* cmdline = g_cmdline;
    call(BH_CALL_MACHINE_CMDLINE, BH_SLOT_MACHINE, reinterpret_cast<uint64_t>(cmdline), sizeof g_cmdline);
    char name[32] = "default", mode[16] = "";
    arg_value(cmdline, "scenario", name, sizeof name);
    arg_value(cmdline, "mode", mode, sizeof mode);
    auto shutdown = [](uint64_t code) { call(BH_CALL_MACHINE_SHUTDOWN, BH_SLOT_MACHINE, code); };
    // Module 0 is this supervisor; module 1 the boot manifest; the rest are images it names.
    static sup::Scenario scenario;
    sup::Scenario* s = &scenario;
    s->name = name;
    char why[128];
    print("supervisor: scenario %s, %lu boot modules", name, nr_modules);
    if (pci_scan()) (void)iommu_init();  // the list device partitioning will hand out from
    if (!sup::load_manifest(1, static_cast<uint32_t>(nr_modules), *s, why, sizeof why)) {
        print("supervisor: manifest refused: %s", why);
        print("BH-TEST %s FAIL manifest refused: %s", name, why);
        shutdown(1);
    }
    Ret exc = call(BH_CALL_EVTCHN_BIND_VIRQ, kExcSlot, BH_VIRQ_DOM_EXC);
    Ret con = call(BH_CALL_EVTCHN_BIND_VIRQ, kConSlot, BH_VIRQ_CONSOLE);
    grant_table();  // ours for good (a grant table does not shrink): part of the baseline
    bh_domain_info me{};
    call(BH_CALL_DOMAIN_INFO, BH_SLOT_SELF, reinterpret_cast<uint64_t>(&me));
    uint64_t baseline = me.mem_pages;

    check_mmio_refusals();
    // A periodic tick while restarts are due, or always with a store: our requests to the store
    // time out (a dead store must not hang the supervisor), which needs something to wake us.
    Ret timer = call(BH_CALL_EVTCHN_BIND_VIRQ, kTimerSlot, BH_VIRQ_TIMER);
    bool timer_on = false;
    auto set_timer = [&](bool on) {
        if (!timer.ok() || on == timer_on) return;
        timer_on = on;
        call(BH_CALL_SET_TIMER, on ? kTimerPeriodTicks : 0);
    };
    g_n = s->nr_children;
    for (uint32_t i = 0; i < g_n; ++i)
        if (s->children[i].kills >= 0) g_cycles_per_us = cycles_per_us();  // before anything runs
    for (uint32_t i = 0; i < g_n; ++i) build(i, s->children[i]);
    for (uint32_t i = 0; i < s->nr_links; ++i) link(s->links[i]);
    // The store runs before anything is introduced to it; clients are introduced before they run.
    for (uint32_t i = 0; i < g_n; ++i) {
        ChildState& c = g_children[i];
        if (c.created && (c.spec->xs & kXsStore) && store_index() < 0 && store_prepare(i)) {
            set_timer(true);
            start(i);
        }
    }
    if (store_index() >= 0 && !store_seed()) fail("cannot seed", "the store", BH_E_BAD_STATE);
    // A benchmark's host-side peer (bulkhead bench: hostport=N): where the host listens, as
    // 10.0.2.2:N on QEMU's user network. Published for the scenario's domains.
    if (char port[8] = {}; store_index() >= 0 && arg_value(g_cmdline, "hostport", port, sizeof port))
        store_client()->write(0, "/test/hostport", port);
    // Introduce every client, write the disks both sides will find, then start them.
    bool introduced[kMaxChildren] = {};
    for (uint32_t i = 0; i < g_n; ++i) {
        ChildState& c = g_children[i];
        if (!c.created || (c.spec->xs & kXsStore)) continue;
        introduced[i] = !(c.spec->xs & kXsClient) || (store_index() >= 0 && store_introduce(i));
    }
    if (s->nr_disks && (store_index() < 0 || !store_vbds(*s))) fail("cannot set up", "the virtual disks", BH_E_BAD_STATE);
    if (s->nr_nics && (store_index() < 0 || !store_vifs(*s))) fail("cannot set up", "the virtual interfaces", BH_E_BAD_STATE);
    for (uint32_t i = 0; i < g_n; ++i)
        if (introduced[i]) start(i);
    int32_t kill_for = -1, killed = -1;  // who asked for a kill, told when `killed` is back
    bh_port_t ctl_line = control_init();

    bool table_done = false, waiters_told = false, prompted = false, quit = false;
    for (;;) {
        bool all_ready = true, finite_done = true, all_done = true, any_finite = false;
        for (uint32_t i = 0; i < g_n; ++i) {
            ChildState& c = g_children[i];
            if (c.restart_at) {  // between instances: nothing about it is settled yet
                all_ready = finite_done = all_done = false;
                continue;
            }
            if (!c.created) continue;
            all_ready = all_ready && (c.ready || c.finished);
            Outcome o = c.spec->outcome;
            bool finite = o == Outcome::Exit0 || o == Outcome::Fault || o == Outcome::CrashLoop;
            any_finite = any_finite || finite || o == Outcome::Waiter;
            if (finite) finite_done = finite_done && c.finished;
            if (o == Outcome::CrashOnce) all_done = all_done && c.ready && !c.finished && c.restarts;
            else if (o != Outcome::Service) all_done = all_done && c.finished;
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
        bool interactive = !any_finite && mode[0] == '\0';
        if (table_done && all_done && !interactive) break;
        if (interactive && table_done && !prompted) {
            prompted = true;
            print("supervisor: all domains ready; console commands: help, list, quit");
            quit = console_input() || quit;  // input typed before we listened: queued, not signalled
            continue;
        }
        if (g_failed && table_done) break;

        if (quit && table_done) break;
        // Pending restarts need the clock: a periodic tick while any is due, none otherwise.
        uint64_t due = run_due_restarts(call(BH_CALL_TIME).r1);
        set_timer(due != 0 || store_index() >= 0);
        bh_port_t p = store_take_other();
        if (!p) p = wait_event();
        if (timer.ok() && p == timer.r1) continue;
        if (ctl_line && p == ctl_line) {
            quit = control_input() || quit;
            continue;
        }
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
            if (!c.created || p != c.ctl_port) continue;
            if (!c.ready) {
                c.ready = true;
                refresh(c);
                print("BH-READY name=%s id=%u", c.name, c.id);
                if (c.restarts == 0 && is_kill_target(*s, i)) publish_cold_start(c);
                // A killer's later events are kill requests: tell it its ready was seen, or a
                // request sent before we took the ready would merge with it (one pending bit).
                if (c.spec->kills >= 0) call(BH_CALL_EVTCHN_SEND, kCtlSlot0 + i);
                if (kill_for >= 0 && static_cast<int32_t>(i) == killed) {
                    call(BH_CALL_EVTCHN_SEND, kCtlSlot0 + static_cast<uint32_t>(kill_for));
                    kill_for = killed = -1;
                }
            } else if (kill_for < 0 && (((c.spec->xs & kXsKillsStore) && store_index() >= 0) || c.spec->kills >= 0)) {
                killed = c.spec->kills >= 0 ? c.spec->kills : store_index();
                print("supervisor: %s asks for %s to be killed", c.name, g_children[killed].name);
                kill_for = static_cast<int32_t>(i);
                restart_now(static_cast<uint32_t>(killed));
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
