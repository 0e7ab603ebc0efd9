// The pass/fail rules of `scenario`, `demo --check` and `bench`, as pure functions of a run.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "outcome.hpp"
#include "serial_log.hpp"

namespace bh::cli {

// Why scenario `name` failed; empty iff it passed. It passes iff QEMU exited with status 33,
// a `BH-TEST <name> PASS` line appeared and no `BH-TEST ... FAIL` line (of any scenario) did.
std::vector<std::string> scenario_failures(std::string_view name, const QemuOutcome& o,
                                           const SerialLog& log);

// The supervisor's table as last reported: one row per domain id, later rows replacing
// earlier ones, in order of first appearance.
std::vector<DomainMarker> latest_domains(const SerialLog& log);

// Why `demo --check` failed; empty iff QEMU exited with status 33, at least one BH-DOMAIN
// line appeared, every domain in the table is `running` and every BH-READY domain is in it.
std::vector<std::string> check_failures(const QemuOutcome& o, const SerialLog& log);

// "a; b; c" — how failure lists are printed on one line.
std::string join_reasons(const std::vector<std::string>& reasons);

}  // namespace bh::cli
