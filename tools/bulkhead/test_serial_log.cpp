// Marker parsing: every marker kind, prefixes and noise, malformed lines kept with a reason.
#include <catch2/catch.hpp>

#include "serial_log.hpp"

using namespace bh::cli;

TEST_CASE("Every marker kind is parsed from an interleaved log") {
    SerialLog log = parse_serial_log(
        "SeaBIOS (version 1.16)\n"
        "bulkhead: kernel starting\r\n"
        "BH-READY name=xenstore id=1\n"
        "[sup] BH-READY name=blkback id=2\r\n"
        "BH-DOMAIN name=xenstore id=1 state=running mem=2048 quota=4096\n"
        "BH-TEST evtchn PASS 12 checks\n"
        "BH-BENCH name=null_hypercall value=812 unit=cycles\n"
        "BH-FAULT dom=3 name=netback kind=pf rip=0x1000 addr=0x0\n"
        "BH-SHUTDOWN code=0");
    REQUIRE(log.ready.size() == 2);
    CHECK(log.ready[0].name == "xenstore");
    CHECK(log.ready[0].id == 1);
    CHECK(log.ready[1].name == "blkback");
    CHECK(log.ready[1].id == 2);
    REQUIRE(log.domains.size() == 1);
    CHECK(log.domains[0].name == "xenstore");
    CHECK(log.domains[0].state == "running");
    CHECK(log.domains[0].mem_kib == 2048);
    CHECK(log.domains[0].quota_kib == 4096);
    REQUIRE(log.tests.size() == 1);
    CHECK(log.tests[0].scenario == "evtchn");
    CHECK(log.tests[0].pass);
    CHECK(log.tests[0].text == "12 checks");
    REQUIRE(log.benches.size() == 1);
    CHECK(log.benches[0].name == "null_hypercall");
    CHECK(log.benches[0].value_text == "812");
    CHECK(log.benches[0].value == 812.0);
    CHECK(log.benches[0].unit == "cycles");
    REQUIRE(log.faults.size() == 1);
    CHECK(log.faults[0] == "BH-FAULT dom=3 name=netback kind=pf rip=0x1000 addr=0x0");
    REQUIRE(log.shutdown_code.has_value());
    CHECK(*log.shutdown_code == 0);
    CHECK(log.malformed.empty());
}

TEST_CASE("BH-TEST keeps the free text after the verdict and allows none") {
    SerialLog log = parse_serial_log("BH-TEST gnttab FAIL copy to foreign grant: expected -EPERM got 0\n"
                                     "BH-TEST boot PASS\n");
    REQUIRE(log.tests.size() == 2);
    CHECK_FALSE(log.tests[0].pass);
    CHECK(log.tests[0].text == "copy to foreign grant: expected -EPERM got 0");
    CHECK(log.tests[1].pass);
    CHECK(log.tests[1].text.empty());
}

TEST_CASE("Marker keywords count only as whole words at a word start") {
    SerialLog log = parse_serial_log("xBH-READY name=a id=1\n"
                                     "BH-READYX name=a id=1\n"
                                     "BH-TESTS evtchn PASS\n"
                                     "the BH-WHATEVER marker is unknown\n"
                                     "nothing here\n");
    CHECK(log.ready.empty());
    CHECK(log.tests.empty());
    CHECK(log.malformed.empty());
}

TEST_CASE("Malformed markers are kept with the reason, not counted") {
    SerialLog log = parse_serial_log("BH-READY name=a\n"
                                     "BH-READY name=a id=x1\n"
                                     "BH-READY name=a id=1 id=2\n"
                                     "BH-READY name=a junk id=1\n"
                                     "BH-DOMAIN name=a id=1 state=running mem=12\n"
                                     "BH-TEST foo\n"
                                     "BH-TEST foo MAYBE text\n"
                                     "BH-BENCH name=x value=12abc unit=ns\n"
                                     "BH-BENCH name=x value=1 unit=\n"
                                     "BH-SHUTDOWN code=7\n"
                                     "BH-READY name=a id=99999999999999999999\n");
    CHECK(log.ready.empty());
    CHECK(log.domains.empty());
    CHECK(log.tests.empty());
    CHECK(log.benches.empty());
    CHECK_FALSE(log.shutdown_code.has_value());
    REQUIRE(log.malformed.size() == 11);
    CHECK_THAT(log.malformed[0], Catch::Contains("missing id="));
    CHECK_THAT(log.malformed[1], Catch::Contains("not a decimal number"));
    CHECK_THAT(log.malformed[2], Catch::Contains("given twice"));
    CHECK_THAT(log.malformed[3], Catch::Contains("'junk' is not key=value"));
    CHECK_THAT(log.malformed[4], Catch::Contains("missing quota="));
    CHECK_THAT(log.malformed[6], Catch::Contains("not PASS or FAIL"));
    CHECK_THAT(log.malformed[7], Catch::Contains("not a number"));
    CHECK_THAT(log.malformed[9], Catch::Contains("not 0 or 1"));
}

TEST_CASE("The last BH-SHUTDOWN code wins and an unterminated last line is parsed") {
    SerialLog log = parse_serial_log("BH-SHUTDOWN code=0\nBH-SHUTDOWN code=1");
    REQUIRE(log.shutdown_code.has_value());
    CHECK(*log.shutdown_code == 1);
}

TEST_CASE("JSON numbers are recognised exactly") {
    for (const char* ok : {"0", "-0", "12", "-12", "1.5", "0.25", "1e9", "1E+9", "2.5e-3"})
        CHECK(is_json_number(ok));
    for (const char* bad : {"", "-", "01", "1.", ".5", "1e", "0x10", "NaN", "inf", "1 ", "+1", "1.2.3"})
        CHECK_FALSE(is_json_number(bad));
}
