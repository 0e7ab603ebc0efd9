// `bulkhead bench [--json]`: boot the benchmark scenario and report its BH-BENCH lines.
#include <cstdio>

#include <fmt/format.h>

#include "bench.hpp"
#include "commands.hpp"
#include "serial_log.hpp"
#include "verdict.hpp"

namespace bh::cli {

int cmd_bench(const Layout& layout, bool json, const BootOptions& opts) {
    constexpr const char* kScenario = "bench";
    QemuConfig config;
    LogClaim claim;
    std::string problem = make_config(layout, kScenario, opts, config, claim);
    if (!problem.empty()) {
        fmt::print(stderr, "bench: FAIL: {}\n", problem);
        return 1;
    }
    fmt::print(stderr, "bench: booting '{}' (timeout {} s, serial log {})\n  {}\n", kScenario, opts.timeout_s,
               config.log.string(), shell_command(qemu_argv(config)));
    BootResult r = boot_headless(config, opts.timeout_s, false);
    SerialLog log = parse_serial_log(r.log_text);
    warn_malformed(log.malformed);
    std::vector<std::string> why = scenario_failures(kScenario, r.outcome, log);
    if (log.benches.empty()) why.push_back("no BH-BENCH line in the serial log");

    // Whatever was measured is printed even on failure: it helps to see how far it got.
    std::string warning;
    if (json) {
        for (const std::string& line : bench_json_lines(log.benches, warning)) fmt::print("{}\n", line);
    } else if (!log.benches.empty()) {
        fmt::print("{}", bench_table(log.benches, warning));
    }
    std::fflush(stdout);
    if (!warning.empty() && !log.benches.empty()) fmt::print(stderr, "bench: warning: {}\n", warning);
    if (!why.empty()) {
        fmt::print(stderr, "--- last lines of {} ---\n{}", config.log.string(), tail_lines(r.log_text, 30));
        fmt::print(stderr, "bench: FAIL: {}\n", join_reasons(why));
        return 1;
    }
    return 0;
}

}  // namespace bh::cli
