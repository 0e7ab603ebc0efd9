// Bench output: exact values, ratios to null_hypercall with two decimals, JSON escaping.
#include <catch2/catch.hpp>

#include "bench.hpp"

using namespace bh::cli;

namespace {

std::vector<BenchMarker> sample() {
    return parse_serial_log("BH-BENCH name=null_hypercall value=800 unit=cycles\n"
                            "BH-BENCH name=evtchn_send value=2000 unit=cycles\n"
                            "BH-BENCH name=grant_copy_4k value=1234.5 unit=cycles\n")
        .benches;
}

}  // namespace

TEST_CASE("Bench JSON lines echo values and add a ratio for every non-baseline bench") {
    std::string warning;
    auto lines = bench_json_lines(sample(), warning);
    CHECK(warning.empty());
    REQUIRE(lines.size() == 5);
    CHECK(lines[0] == R"({"name": "null_hypercall", "value": 800, "unit": "cycles"})");
    CHECK(lines[1] == R"({"name": "evtchn_send", "value": 2000, "unit": "cycles"})");
    CHECK(lines[2] == R"({"name": "grant_copy_4k", "value": 1234.5, "unit": "cycles"})");
    CHECK(lines[3] == R"({"name": "evtchn_send_ratio", "value": 2.50, "unit": "x null_hypercall"})");
    CHECK(lines[4] == R"({"name": "grant_copy_4k_ratio", "value": 1.54, "unit": "x null_hypercall"})");
}

TEST_CASE("Without a usable baseline no ratios are printed and a warning says why") {
    std::string warning;
    auto lines = bench_json_lines(parse_serial_log("BH-BENCH name=a value=1 unit=ns\n").benches, warning);
    CHECK(lines.size() == 1);
    CHECK_THAT(warning, Catch::Contains("no null_hypercall"));
    warning.clear();
    lines = bench_json_lines(parse_serial_log("BH-BENCH name=null_hypercall value=0 unit=ns\n"
                                              "BH-BENCH name=a value=1 unit=ns\n")
                                 .benches,
                             warning);
    CHECK(lines.size() == 2);
    CHECK_THAT(warning, Catch::Contains("is 0"));
}

TEST_CASE("JSON strings are escaped") {
    CHECK(json_quote("a\"b\\c\n\x01") == R"("a\"b\\c\n\u0001")");
}

TEST_CASE("The human bench table aligns values and shows ratios") {
    std::string warning;
    CHECK(bench_table(sample(), warning) ==
          "NAME             VALUE  UNIT    RATIO\n"
          "null_hypercall     800  cycles  1.00x\n"
          "evtchn_send       2000  cycles  2.50x\n"
          "grant_copy_4k   1234.5  cycles  1.54x\n");
}
