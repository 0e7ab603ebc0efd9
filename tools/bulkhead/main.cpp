// bulkhead: the host CLI — boot the demo, run the tests, run scenarios and benchmarks under QEMU,
// and control a running system (list, pause, console, xenstore, ...) over its control socket.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "control_verbs.hpp"
#include "layout.hpp"

namespace {

using bh::cli::BootOptions;

constexpr int kUsageError = 2;
constexpr int kMaxTimeout = 24 * 60 * 60;

void add_boot_options(CLI::App* cmd, BootOptions& opts) {
    cmd->add_option("--timeout", opts.timeout_s, "seconds before QEMU is killed (default 120)")
        ->check(CLI::Range(1, kMaxTimeout));
    cmd->add_flag("--kvm", opts.kvm, "use -accel kvm instead of TCG (hosts with nested SVM only)");
    cmd->add_option("--append", opts.append, "extra words for the kernel command line");
    cmd->add_option("--input", opts.input, "a file whose bytes are typed on the serial console")
        ->check(CLI::ExistingFile);
    cmd->add_option("--machine", opts.machine,
                    "plain (default), devices (VT-d, a virtio disk, two virtio NICs) or devices-no-iommu")
        ->check(CLI::IsMember({"plain", "devices", "devices-no-iommu"}));
    cmd->add_option("--hostfwd", opts.hostfwd,
                    "with --machine devices: forward a free 127.0.0.1 port to udp:GUEST_IP:PORT or tcp:GUEST_IP:PORT "
                    "on the first NIC's network (printed as 'hostfwd: udp 127.0.0.1:N -> ...')");
    cmd->add_option("--qemu-args", opts.qemu_args,
                    "extra QEMU arguments, e.g. \"-d int,cpu_reset -D build/logs/q.log\" or \"-s -S\"");
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Bulkhead: a microkernel-style hypervisor for x86-64. This CLI boots it under QEMU.",
                 "bulkhead"};
    app.require_subcommand(1, 1);
    app.footer("Serial logs go to build/logs/NAME.log; see docs/testing.md (control verbs: docs/control.md).");

    BootOptions demo_opts, bench_opts, scenario_opts;
    bool check = false, quick = false, json = false;
    std::string scenario_name;

    CLI::App* demo = app.add_subcommand("demo", "boot the default system with the console attached");
    demo->add_flag("--check", check,
                   "headless: wait for every boot domain, print the domain table, shut down");
    add_boot_options(demo, demo_opts);

    CLI::App* test = app.add_subcommand("test", "run meson test (unit + system); ends with 'N passed, M failed'");
    test->add_flag("--quick", quick, "skip the suite 'slow'");
    test->allow_extras();
    test->footer("Other arguments go to 'meson test' (e.g. --suite unit, a test name).");

    CLI::App* bench = app.add_subcommand("bench", "boot the benchmark scenario and print its results");
    bench->add_flag("--json", json, "one JSON object per line: {\"name\", \"value\", \"unit\"}");
    add_boot_options(bench, bench_opts);

    CLI::App* scenario = app.add_subcommand("scenario", "boot one system-test scenario; exit 0 iff it passed");
    scenario->add_option("NAME", scenario_name, "scenario (tests/system/images/NAME.cpio)")
        ->required()
        ->check([](const std::string& s) {
            return bh::cli::valid_scenario_name(s) ? std::string()
                                                   : "scenario names use only letters, digits, '-' and '_'";
        });
    add_boot_options(scenario, scenario_opts);

    bh::cli::ControlVerbs control;
    bh::cli::add_control_verbs(app, control);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // CLI11 calls an unknown verb "a missing subcommand"; name it instead.
        std::string first = argc > 1 ? argv[1] : "";
        bool unknown_verb = !first.empty() && first[0] != '-';
        for (const CLI::App* verb : app.get_subcommands([](const CLI::App*) { return true; }))
            unknown_verb &= verb->get_name() != first;
        std::string what = unknown_verb ? fmt::format("unknown verb '{}'", first) : std::string(e.what());
        fmt::print(stderr, "bulkhead: {}\n\n{}", what, app.help());
        return kUsageError;
    }

    bh::cli::Layout layout = bh::cli::current_layout();
    if (demo->parsed()) return bh::cli::cmd_demo(layout, check, demo_opts);
    if (test->parsed()) return bh::cli::cmd_test(layout, quick, test->remaining());
    if (bench->parsed()) return bh::cli::cmd_bench(layout, json, bench_opts);
    if (scenario->parsed()) return bh::cli::cmd_scenario(layout, scenario_name, scenario_opts);
    return bh::cli::run_control_verb(layout, control);
}
