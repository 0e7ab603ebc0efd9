// End-to-end: `bulkhead test` against a fake meson — arguments, counting, stale logs, exit status.
#include <stdlib.h>

#include "test_cli_support.hpp"

using namespace bh_cli_test;

TEST_CASE("test runs meson test and ends with the summary line") {
    FakeBuild b;
    Env env = {{"PATH", std::string(BH_TESTDATA) + ":" + getenv("PATH")},
               {"FAKE_MESON_ARGS", (b.dir / "meson.args").string()}};

    SECTION("all passing, with --quick and extra arguments passed on") {
        env.push_back({"FAKE_MESON_TESTLOG", b.file("log.json",
                                                    "{\"name\": \"cap\", \"result\": \"OK\"}\n"
                                                    "{\"name\": \"boot\", \"result\": \"SKIP\"}\n")
                                                 .string()});
        Run r = b.run({"test", "--quick", "--suite", "unit"}, env);
        CHECK(r.status == 0);
        CHECK_THAT(r.out, Catch::EndsWith("\n1 passed, 0 failed, 1 skipped\n") ||
                              Catch::Equals("1 passed, 0 failed, 1 skipped\n"));
        CHECK(slurp(b.dir / "meson.args") ==
              "test\n-C\n" + b.dir.string() + "\n--print-errorlogs\n--no-suite\nslow\n--suite\nunit\n");
    }
    SECTION("a failure lists the test and exits 1") {
        env.push_back({"FAKE_MESON_TESTLOG", b.file("log.json",
                                                    "{\"name\": \"cap\", \"result\": \"OK\"}\n"
                                                    "{\"name\": \"evtchn\", \"result\": \"TIMEOUT\"}\n")
                                                 .string()});
        env.push_back({"FAKE_MESON_STATUS", "1"});
        Run r = b.run({"test"}, env);
        CHECK(r.status == 1);
        CHECK_THAT(r.out, Catch::Contains("failed: evtchn (TIMEOUT)"));
        CHECK_THAT(r.out, Catch::EndsWith("\n1 passed, 1 failed\n"));
        CHECK(slurp(b.dir / "meson.args").find("--no-suite") == std::string::npos);
    }
    SECTION("a stale testlog is not counted when meson writes none") {
        fs::create_directories(b.dir / "meson-logs");
        std::ofstream(b.dir / "meson-logs/testlog.json") << "{\"name\": \"old\", \"result\": \"OK\"}\n";
        env.push_back({"FAKE_MESON_STATUS", "125"});
        Run r = b.run({"test"}, env);
        CHECK(r.status == 1);
        CHECK_THAT(r.out, Catch::Contains("meson test exited with status 125"));
        CHECK_THAT(r.out, Catch::Contains("was not written"));
        CHECK_THAT(r.out, Catch::EndsWith("\n0 passed, 0 failed\n"));
    }
    SECTION("zero tests is a failure") {
        env.push_back({"FAKE_MESON_TESTLOG", b.file("log.json", "").string()});
        Run r = b.run({"test"}, env);
        CHECK(r.status == 1);
        CHECK_THAT(r.out, Catch::Contains("no test ran"));
        CHECK_THAT(r.out, Catch::EndsWith("\n0 passed, 0 failed\n"));
    }
}
