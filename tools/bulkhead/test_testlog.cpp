// testlog.json reading: only top-level fields count, every result maps to passed/failed/skipped.
#include <catch2/catch.hpp>

#include "testlog.hpp"

using namespace bh::cli;

TEST_CASE("A meson testlog record yields its name and result") {
    TestRecord r;
    std::string line =
        R"({"name": "cap", "stdout": "All tests passed\n", "result": "OK", "returncode": 0, )"
        R"("duration": 0.12, "command": ["/b/unit-cap", "--warn", "NoTests"], "env": {}, "suite": ["bulkhead:unit"]})";
    REQUIRE(parse_testlog_line(line, r).empty());
    CHECK(r.name == "cap");
    CHECK(r.result == "OK");
}

TEST_CASE("Text inside other fields cannot fake a result") {
    TestRecord r;
    std::string line =
        R"({"stdout": "{\"result\": \"OK\", \"name\": \"fake\"} [1,{2}]", "nested": {"result": "OK", "a": [{"name": "x"}]},)"
        R"( "name": "evtchn", "result": "FAIL"})";
    REQUIRE(parse_testlog_line(line, r).empty());
    CHECK(r.name == "evtchn");
    CHECK(r.result == "FAIL");
}

TEST_CASE("Escapes in names are decoded, including \\u and surrogate pairs") {
    TestRecord r;
    REQUIRE(parse_testlog_line(R"({"name": "a\"b\\c\/d\u00e9\ud83d\ude00", "result": "SKIP", "x": null, "y": true})", r)
                .empty());
    CHECK(r.name == "a\"b\\c/d\xc3\xa9\xf0\x9f\x98\x80");
    CHECK(r.result == "SKIP");
}

TEST_CASE("Malformed records are rejected with a reason") {
    TestRecord r;
    CHECK_FALSE(parse_testlog_line("", r).empty());
    CHECK_FALSE(parse_testlog_line("{}", r).empty());
    CHECK_FALSE(parse_testlog_line(R"({"name": "a"})", r).empty());
    CHECK_FALSE(parse_testlog_line(R"({"result": "OK"})", r).empty());
    CHECK_FALSE(parse_testlog_line(R"({"name": "a", "result": "OK")", r).empty());
    CHECK_FALSE(parse_testlog_line(R"({"name": "a", "result": "OK"} x)", r).empty());
    CHECK_FALSE(parse_testlog_line(R"({"name": "a", "result": "OK", "s": "\q"})", r).empty());
    CHECK_FALSE(parse_testlog_line(R"({"name": "a", "result": "OK", "s": [1, 2})", r).empty());
    CHECK_FALSE(parse_testlog_line(R"({"name": "a", "result": "OK", "s": [1, 2}]})", r).empty());
    CHECK_FALSE(parse_testlog_line(R"({"name": "a", "result": "OK", "s": })", r).empty());
    CHECK_FALSE(parse_testlog_line(R"({"name": 5, "result": "OK"})", r).empty());
}

TEST_CASE("Results are counted as the summary line defines") {
    TestCounts c;
    for (const char* res : {"OK", "EXPECTEDFAIL", "OK"}) count_result({"p", res}, c);
    for (const char* res : {"FAIL", "TIMEOUT", "UNEXPECTEDPASS", "ERROR", "SOMETHINGNEW"}) count_result({"f", res}, c);
    count_result({"s", "SKIP"}, c);
    CHECK(c.passed == 3);
    CHECK(c.failed == 5);
    CHECK(c.skipped == 1);
    REQUIRE(c.failed_names.size() == 5);
    CHECK(c.failed_names[1] == "f (TIMEOUT)");
    CHECK(summary_line(c) == "3 passed, 5 failed, 1 skipped");
    c.skipped = 0;
    CHECK(summary_line(c) == "3 passed, 5 failed");
}

TEST_CASE("A whole testlog is counted; unreadable lines count as failed") {
    std::vector<std::string> errors;
    TestCounts c = count_testlog("{\"name\": \"a\", \"result\": \"OK\"}\n"
                                 "\n"
                                 "{\"name\": \"b\", \"result\": \"TIMEOUT\"}\r\n"
                                 "garbage\n"
                                 "{\"name\": \"c\", \"result\": \"SKIP\"}",
                                 errors);
    CHECK(c.passed == 1);
    CHECK(c.failed == 2);
    CHECK(c.skipped == 1);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::StartsWith("line 4:"));
    CHECK(summary_line(c) == "1 passed, 2 failed, 1 skipped");
}
