// Reader for meson's build/meson-logs/testlog.json and the final "N passed, M failed" line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bh::cli {

// The two fields of a testlog.json record that `bulkhead test` needs.
struct TestRecord {
    std::string name;
    std::string result;  // OK, FAIL, EXPECTEDFAIL, UNEXPECTEDPASS, TIMEOUT, SKIP, ERROR
};

// Reads the top-level "name" and "result" string fields of one JSON object (one testlog line),
// skipping every other value properly (so a test's captured stdout that happens to contain
// `"result": "OK"` cannot fool it). Returns an error text, empty on success.
std::string parse_testlog_line(std::string_view line, TestRecord& out);

// OK and EXPECTEDFAIL pass; SKIP is skipped; FAIL, TIMEOUT, UNEXPECTEDPASS, ERROR and any
// result this tool does not know fail (a new meson result must not be counted as a pass).
struct TestCounts {
    int passed = 0;
    int failed = 0;
    int skipped = 0;
    std::vector<std::string> failed_names;  // "name (RESULT)"
};

void count_result(const TestRecord& r, TestCounts& counts);

// Parses a whole testlog.json. A malformed line is appended to `errors` and counted as failed;
// blank lines are skipped.
TestCounts count_testlog(std::string_view text, std::vector<std::string>& errors);

// "N passed, M failed", plus ", K skipped" when K > 0.
std::string summary_line(const TestCounts& c);

}  // namespace bh::cli
