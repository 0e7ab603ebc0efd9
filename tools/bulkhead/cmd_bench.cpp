// `bulkhead bench [--json]`: boot the benchmark scenario and report its BH-BENCH lines, then run
// the host benchmarks (rings, store) and report theirs.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "bench.hpp"
#include "commands.hpp"
#include "process.hpp"
#include "serial_log.hpp"
#include "verdict.hpp"

namespace bh::cli {
namespace {

constexpr int kHostBenchTimeout = 300;

void report(const std::vector<BenchMarker>& benches, bool json, bool ratios) {
    std::string warning;
    if (json) {
        if (ratios) {
            for (const std::string& line : bench_json_lines(benches, warning)) fmt::print("{}\n", line);
        } else {
            for (const BenchMarker& b : benches) fmt::print("{}\n", bench_json_line(b));
        }
    } else if (!benches.empty()) {
        fmt::print("{}", bench_table(benches, warning, ratios));
    }
    std::fflush(stdout);
    if (!warning.empty() && !benches.empty()) fmt::print(stderr, "bench: warning: {}\n", warning);
}

// Runs one host benchmark with its stdout in build/logs/; returns the failure, or empty.
std::string run_host_bench(const Layout& layout, const std::filesystem::path& exe, bool json) {
    std::filesystem::path out = layout.build / "logs" / (exe.filename().string() + ".out");
    std::error_code ec;
    std::filesystem::create_directories(out.parent_path(), ec);
    fmt::print(stderr, "bench: running {}\n", exe.string());
    QemuOutcome o = run_child({exe.string()}, kHostBenchTimeout, true, {}, {}, out.string());
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    SerialLog log = parse_serial_log(text.str());
    warn_malformed(log.malformed);
    report(log.benches, json, false);
    if (o.kind != QemuOutcome::Kind::Exited || o.status != 0)
        return fmt::format("{} did not exit 0 ({})", exe.filename().string(), describe_outcome(o));
    if (log.benches.empty()) return fmt::format("{} printed no BH-BENCH line", exe.filename().string());
    return {};
}

}  // namespace

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
    report(log.benches, json, true);
    if (!why.empty())
        fmt::print(stderr, "--- last lines of {} ---\n{}", config.log.string(), tail_lines(r.log_text, 30));

    for (const std::filesystem::path& exe : layout.host_benches()) {
        std::string failed = run_host_bench(layout, exe, json);
        if (!failed.empty()) why.push_back(failed);
    }
    if (!why.empty()) {
        fmt::print(stderr, "bench: FAIL: {}\n", join_reasons(why));
        return 1;
    }
    return 0;
}

}  // namespace bh::cli
