// Parser for the BH-* marker lines that the kernel and supervisor print on the serial console.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bh::cli {

// `BH-READY name=<domain> id=<n>`: a boot domain finished initialising.
struct ReadyMarker {
    std::string name;
    uint64_t id = 0;
};

// `BH-DOMAIN name=<n> id=<i> state=<s> mem=<KiB> quota=<KiB>`: one row of the supervisor's table.
struct DomainMarker {
    std::string name;
    uint64_t id = 0;
    std::string state;
    uint64_t mem_kib = 0;
    uint64_t quota_kib = 0;
};

// `BH-TEST <scenario> PASS|FAIL <free text>`.
struct TestMarker {
    std::string scenario;
    bool pass = false;
    std::string text;
};

// `BH-BENCH name=<n> value=<number> unit=<u>`. `value_text` is the number exactly as printed,
// already checked to be a valid JSON number, so it can be echoed without rounding.
struct BenchMarker {
    std::string name;
    std::string value_text;
    double value = 0;
    std::string unit;
};

// Everything recognised in one serial log, in order of appearance.
// Lines that carry a marker keyword but do not parse are kept in `malformed` (with the reason),
// never silently dropped; lines without a marker are ignored.
struct SerialLog {
    std::vector<ReadyMarker> ready;
    std::vector<DomainMarker> domains;
    std::vector<TestMarker> tests;
    std::vector<BenchMarker> benches;
    std::vector<std::string> faults;  // BH-FAULT lines verbatim (informative only)
    std::optional<int> shutdown_code;  // last BH-SHUTDOWN code=
    std::vector<std::string> malformed;
};

// Feeds one line (without its newline; a trailing '\r' is ignored).
// A marker counts at the start of the line or after a space, so prefixes like "[sup] " are fine.
void parse_serial_line(std::string_view line, SerialLog& log);

// Splits `text` into lines and parses each; a final unterminated line is parsed too.
SerialLog parse_serial_log(std::string_view text);

// True iff `s` is a JSON number (-?int frac? exp?), so it may be printed unquoted.
bool is_json_number(std::string_view s);

}  // namespace bh::cli
