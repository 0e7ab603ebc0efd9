// `bulkhead demo [--check]`: the default system, on this terminal or checked headless.
#include <cstdio>

#include <fmt/format.h>

#include "commands.hpp"
#include "serial_log.hpp"
#include "table.hpp"
#include "verdict.hpp"

namespace bh::cli {
namespace {

constexpr const char* kDemoScenario = "default";

// The default system partitions the devices machine's disk and NICs; the host reaches web's
// echo (UDP port 7) through the port printed as "hostfwd: udp 127.0.0.1:N -> 10.0.2.16:7".
BootOptions demo_options(const BootOptions& opts) {
    BootOptions o = opts;
    if (o.machine == "plain") o.machine = "devices";
    if (o.hostfwd.empty() && o.machine == "devices") o.hostfwd = {"udp:10.0.2.16:7"};
    return o;
}

// Headless: the kernel is told `mode=check` so that it shuts down after the supervisor has
// printed its domain table.
int demo_check(const Layout& layout, const BootOptions& opts) {
    BootOptions o = demo_options(opts);
    o.append = o.append.empty() ? "mode=check" : "mode=check " + o.append;
    QemuConfig config;
    LogClaim claim;
    std::string problem = make_config(layout, kDemoScenario, o, config, claim);
    if (!problem.empty()) {
        fmt::print(stderr, "demo --check: FAIL: {}\n", problem);
        return 1;
    }
    fmt::print(stderr, "demo --check: booting '{}' headless (timeout {} s, serial log {})\n  {}\n",
               kDemoScenario, o.timeout_s, config.log.string(), shell_command(qemu_argv(config)));
    BootResult r = boot_headless(config, o.timeout_s, false);
    SerialLog log = parse_serial_log(r.log_text);
    warn_malformed(log.malformed);
    std::vector<DomainMarker> domains = latest_domains(log);
    if (!domains.empty()) fmt::print("{}", format_domain_table(domains));
    std::fflush(stdout);
    std::vector<std::string> why = check_failures(r.outcome, log);
    if (!why.empty()) {
        fmt::print(stderr, "--- last lines of {} ---\n{}", config.log.string(), tail_lines(r.log_text, 30));
        fmt::print(stderr, "demo --check: FAIL: {}\n", join_reasons(why));
        return 1;
    }
    fmt::print(stderr, "demo --check: PASS ({} domains running)\n", domains.size());
    return 0;
}

int demo_interactive(const Layout& layout, const BootOptions& opts) {
    QemuConfig config;
    LogClaim claim;
    std::string problem = make_config(layout, kDemoScenario, demo_options(opts), config, claim);
    if (!problem.empty()) {
        fmt::print(stderr, "demo: {}\n", problem);
        return 1;
    }
    config.interactive = true;
    fmt::print("Bulkhead demo: booting the '{}' system in QEMU. Quit with Ctrl-A X. (console log: {})\n",
               kDemoScenario, config.log.string());
    std::fflush(stdout);
    QemuOutcome o = boot_interactive(config);
    // Ctrl-A X ends QEMU with status 0; a clean shutdown by the kernel gives 33.
    if ((o.kind == QemuOutcome::Kind::Exited && o.status == 0) || o.succeeded()) return 0;
    fmt::print(stderr, "\ndemo: {}\n", describe_outcome(o));
    return 1;
}

}  // namespace

int cmd_demo(const Layout& layout, bool check, const BootOptions& opts) {
    return check ? demo_check(layout, opts) : demo_interactive(layout, opts);
}

}  // namespace bh::cli
