// `bulkhead bench [--json]`: boot the benchmark scenarios (kernel, then the store under a flood)
// and report their BH-BENCH lines, then run the host benchmarks (rings, store core).
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "bench.hpp"
#include "commands.hpp"
#include "host_sink.hpp"
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


// Boots one benchmark scenario and reports its BH-BENCH lines; failures go to `why`.
void boot_bench(const Layout& layout, const char* scenario, bool ratios, bool json, const BootOptions& opts,
                std::vector<std::string>& why) {
    QemuConfig config;
    LogClaim claim;
    std::string problem = make_config(layout, scenario, opts, config, claim);
    if (!problem.empty()) {
        why.push_back(problem);
        return;
    }
    fmt::print(stderr, "bench: booting '{}' (timeout {} s, serial log {})\n  {}\n", scenario, opts.timeout_s,
               config.log.string(), shell_command(qemu_argv(config)));
    BootResult r = boot_headless(config, opts.timeout_s, false);
    SerialLog log = parse_serial_log(r.log_text);
    warn_malformed(log.malformed);
    std::vector<std::string> failed = scenario_failures(scenario, r.outcome, log);
    if (log.benches.empty()) failed.push_back(fmt::format("no BH-BENCH line in the serial log of {}", scenario));
    // Whatever was measured is printed even on failure: it helps to see how far it got.
    report(log.benches, json, ratios);
    if (!failed.empty())
        fmt::print(stderr, "--- last lines of {} ---\n{}", config.log.string(), tail_lines(r.log_text, 30));
    why.insert(why.end(), failed.begin(), failed.end());
}

}  // namespace

int cmd_bench(const Layout& layout, bool json, const BootOptions& opts) {
    std::vector<std::string> why;
    // The kernel's figures (as ratios to a null hypercall), then the store's as its clients see
    // it, idle and flooded: separate boots, so neither disturbs the other's timing.
    boot_bench(layout, "bench", true, json, opts, why);
    // (A build without the xsbench image — the CLI's own fake builds — skips it, saying so.)
    if (std::filesystem::exists(layout.image("xsbench")))
        boot_bench(layout, "xsbench", false, json, opts, why);
    else
        fmt::print(stderr, "bench: no xsbench image in {}: store benchmarks skipped\n", layout.build.string());
    // Driver domains, on the machine with devices: the block path against the disk used
    // directly (grants mapped per request, then persistent grants), then the restart of a
    // killed block backend (100 kills).
    BootOptions devices = opts;
    devices.machine = "devices";
    for (const char* s : {"blkbench", "blkbench-persistent", "blkrestart", "netbench", "netrestart"}) {
        if (!std::filesystem::exists(layout.image(s))) {
            fmt::print(stderr, "bench: no {} image in {}: skipped\n", s, layout.build.string());
            continue;
        }
        // The network streams' host end: a sink the guests reach as 10.0.2.2:PORT.
        HostSink sink;
        BootOptions with_sink = devices;
        if (sink.port()) with_sink.append += " hostport=" + std::to_string(sink.port());
        else fmt::print(stderr, "bench: {}\n", sink.error());
        boot_bench(layout, s, false, json, with_sink, why);
    }
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
