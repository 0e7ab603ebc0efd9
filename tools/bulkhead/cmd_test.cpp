// `bulkhead test [--quick] [meson test args...]`: run meson test, then count testlog.json.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

#include <fmt/format.h>

#include "commands.hpp"
#include "process.hpp"
#include "testlog.hpp"

namespace bh::cli {
namespace {

// meson names its log after --logbase (default "testlog"); honour it if the user passed one.
std::string logbase_of(const std::vector<std::string>& args) {
    std::string base = "testlog";
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--logbase" && i + 1 < args.size()) base = args[i + 1];
        else if (args[i].rfind("--logbase=", 0) == 0) base = args[i].substr(10);
    }
    return base;
}

}  // namespace

int cmd_test(const Layout& layout, bool quick, const std::vector<std::string>& meson_args) {
    std::vector<std::string> argv = {"meson", "test", "-C", layout.build.string(), "--print-errorlogs"};
    if (quick) argv.insert(argv.end(), {"--no-suite", "slow"});
    argv.insert(argv.end(), meson_args.begin(), meson_args.end());

    // A stale log from an earlier run must never be counted as this run's result.
    std::filesystem::path json = layout.testlog_json(logbase_of(meson_args));
    std::error_code ec;
    std::filesystem::remove(json, ec);

    std::fflush(stdout);
    QemuOutcome run = run_child(argv, 0, false, {});
    std::vector<std::string> problems;
    if (run.kind == QemuOutcome::Kind::SpawnFailed)
        problems.push_back(fmt::format("could not start meson: {}", std::strerror(run.status)));
    else if (run.kind != QemuOutcome::Kind::Exited || run.status != 0)
        problems.push_back(run.kind == QemuOutcome::Kind::Signaled
                               ? fmt::format("meson test was killed by signal {}", run.status)
                               : fmt::format("meson test exited with status {}", run.status));

    TestCounts counts;
    std::ifstream in(json, std::ios::binary);
    if (!in) {
        problems.push_back(fmt::format("{} was not written (did the build fail? see above)", json.string()));
    } else {
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::vector<std::string> errors;
        counts = count_testlog(text, errors);
        for (const std::string& e : errors) problems.push_back(fmt::format("{}: {}", json.string(), e));
    }
    if (counts.passed + counts.failed == 0) problems.push_back("no test ran");

    for (const std::string& name : counts.failed_names) fmt::print("failed: {}\n", name);
    for (const std::string& p : problems) fmt::print("bulkhead test: {}\n", p);
    if (counts.failed > 0 || !problems.empty())
        fmt::print("details: {}/meson-logs/testlog.txt, serial logs in {}/logs/\n", layout.build.string(),
                   layout.build.string());
    fmt::print("{}\n", summary_line(counts));
    return counts.failed > 0 || !problems.empty() ? 1 : 0;
}

}  // namespace bh::cli
