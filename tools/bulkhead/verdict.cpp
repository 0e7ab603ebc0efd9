// Verdicts: every independent reason is reported, most specific first (the kernel's own words).
#include "verdict.hpp"

#include <fmt/format.h>

namespace bh::cli {
namespace {

void add_kernel_reports(const SerialLog& log, std::vector<std::string>& why) {
    for (const TestMarker& t : log.tests)
        if (!t.pass) why.push_back(fmt::format("BH-TEST {} FAIL {}", t.scenario, t.text));
    for (const std::string& f : log.faults) why.push_back(f);
}

void add_outcome(const QemuOutcome& o, std::vector<std::string>& why) {
    if (!o.succeeded()) why.push_back(describe_outcome(o));
}

}  // namespace

std::vector<std::string> scenario_failures(std::string_view name, const QemuOutcome& o,
                                           const SerialLog& log) {
    std::vector<std::string> why;
    add_kernel_reports(log, why);
    add_outcome(o, why);
    bool passed = false;
    for (const TestMarker& t : log.tests) passed |= t.pass && t.scenario == name;
    if (!passed) why.push_back(fmt::format("no 'BH-TEST {} PASS' line in the serial log", name));
    // A fault alone is informative (a scenario may kill a domain on purpose): it only
    // explains a failure, so drop it when everything else passed.
    if (why.size() == log.faults.size()) why.clear();
    return why;
}

std::vector<DomainMarker> latest_domains(const SerialLog& log) {
    std::vector<DomainMarker> rows;
    for (const DomainMarker& d : log.domains) {
        bool replaced = false;
        for (DomainMarker& r : rows) {
            if (r.id == d.id) {
                r = d;
                replaced = true;
            }
        }
        if (!replaced) rows.push_back(d);
    }
    return rows;
}

std::vector<std::string> check_failures(const QemuOutcome& o, const SerialLog& log) {
    std::vector<std::string> why;
    add_kernel_reports(log, why);
    size_t faults = log.faults.size();
    add_outcome(o, why);
    std::vector<DomainMarker> rows = latest_domains(log);
    if (rows.empty()) why.push_back("no BH-DOMAIN line in the serial log (the supervisor never printed its table)");
    for (const DomainMarker& d : rows)
        if (d.state != "running")
            why.push_back(fmt::format("domain {} (id {}) is {}, not running", d.name, d.id, d.state));
    for (const ReadyMarker& r : log.ready) {
        bool listed = false;
        for (const DomainMarker& d : rows) listed |= d.id == r.id;
        if (!listed && !rows.empty())
            why.push_back(fmt::format("domain {} (id {}) reported ready but is missing from the table",
                                      r.name, r.id));
    }
    if (why.size() == faults) why.clear();
    return why;
}

std::string join_reasons(const std::vector<std::string>& reasons) {
    std::string out;
    for (const std::string& r : reasons) {
        if (!out.empty()) out += "; ";
        out += r;
    }
    return out;
}

}  // namespace bh::cli
