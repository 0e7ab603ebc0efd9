// `bulkhead scenario NAME`: boot one system-test image and judge it by exit status and markers.
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "commands.hpp"
#include "machine.hpp"
#include "serial_log.hpp"
#include "verdict.hpp"

namespace bh::cli {

std::string make_config(const Layout& layout, const std::string& scenario, const BootOptions& opts,
                        QemuConfig& out, LogClaim& log) {
    std::string problem = check_boot_files(layout, scenario);
    if (!problem.empty()) return problem;
    if (opts.kvm && access("/dev/kvm", R_OK | W_OK) != 0)
        return "--kvm: /dev/kvm is not available to this user (drop --kvm to use TCG)";
    out.program = qemu_program();
    out.kernel = layout.kernel_elf();
    out.initrd = layout.image(scenario);
    out.scenario = scenario;
    out.extra_append = opts.append;
    out.kvm = opts.kvm;
    std::string err;
    log = claim_log(layout.log(scenario), err);
    if (!log.ok()) return err;
    out.log = log.path;
    std::vector<std::string> devices = machine_args(opts.machine, layout.disk(log.path.stem().string()), err);
    if (!err.empty()) return err;
    for (const std::string& line : add_hostfwds(devices, opts.hostfwd, err)) fmt::print(stderr, "hostfwd: {}\n", line);
    if (!err.empty()) return err;
    out.extra_args = devices;
    for (std::string& a : split_args(opts.qemu_args)) out.extra_args.push_back(a);
    out.input = opts.input;
    out.control_socket = layout.control_socket(log.path.stem().string());
    return prepare_control_socket(out);
}

void warn_malformed(const std::vector<std::string>& malformed) {
    for (const std::string& m : malformed) fmt::print(stderr, "bulkhead: warning: malformed marker: {}\n", m);
}

int cmd_scenario(const Layout& layout, const std::string& name, const BootOptions& opts) {
    QemuConfig config;
    LogClaim claim;
    std::string problem = make_config(layout, name, opts, config, claim);
    if (!problem.empty()) {
        fmt::print("scenario {}: FAIL: {}\n", name, problem);
        return 1;
    }
    fmt::print(stderr, "scenario {}: booting (timeout {} s, serial log {})\n  {}\n", name, opts.timeout_s,
               config.log.string(), shell_command(qemu_argv(config)));
    std::fflush(stderr);
    BootResult r = boot_headless(config, opts.timeout_s, true);
    SerialLog log = parse_serial_log(r.log_text);
    warn_malformed(log.malformed);
    std::vector<std::string> why = scenario_failures(name, r.outcome, log);
    std::fflush(stderr);
    if (!why.empty()) {
        fmt::print("scenario {}: FAIL: {}\n", name, join_reasons(why));
        return 1;
    }
    fmt::print("scenario {}: PASS\n", name);
    return 0;
}

}  // namespace bh::cli
