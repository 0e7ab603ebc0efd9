// Formatting of BH-BENCH results: JSON lines with ratios to null_hypercall, or a table.
#pragma once

#include <string>
#include <vector>

#include "serial_log.hpp"

namespace bh::cli {

// The benchmark every other one is divided by: the cost of the cheapest possible kernel entry.
inline constexpr const char* kBaselineBench = "null_hypercall";

// A JSON string literal (with quotes) for `s`.
std::string json_quote(const std::string& s);

// `{"name": ..., "value": ..., "unit": ...}` for one bench, value as it was printed.
std::string bench_json_line(const BenchMarker& b);

// One `{"name": ..., "value": ..., "unit": ...}` line per bench in order, then a
// `<name>_ratio` line (value / baseline, 2 decimals, unit "x null_hypercall") for every bench
// except the baseline. Without a baseline, or with a zero one, no ratios are printed and
// `warning` says why.
std::vector<std::string> bench_json_lines(const std::vector<BenchMarker>& benches, std::string& warning);

// The same data as a human table: NAME VALUE UNIT RATIO. With `ratios` false (host benchmarks,
// which print their own side-by-side ratios) the RATIO column is '-'.
std::string bench_table(const std::vector<BenchMarker>& benches, std::string& warning, bool ratios = true);

}  // namespace bh::cli
