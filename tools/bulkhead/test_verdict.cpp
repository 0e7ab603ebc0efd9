// Verdict rules: status 33 AND own PASS AND no FAIL; demo --check's table rules; outcome texts.
#include <catch2/catch.hpp>

#include <signal.h>

#include "verdict.hpp"

using namespace bh::cli;

namespace {

QemuOutcome exited(int status) {
    QemuOutcome o;
    o.kind = QemuOutcome::Kind::Exited;
    o.status = status;
    o.program = "qemu-system-x86_64";
    return o;
}

}  // namespace

TEST_CASE("A scenario passes with status 33 and its own PASS line") {
    SerialLog log = parse_serial_log("BH-TEST evtchn PASS all good\n");
    CHECK(scenario_failures("evtchn", exited(33), log).empty());
}

TEST_CASE("A scenario fails without its own PASS line") {
    SerialLog log = parse_serial_log("BH-TEST other PASS\n");
    auto why = scenario_failures("evtchn", exited(33), log);
    REQUIRE(why.size() == 1);
    CHECK(why[0] == "no 'BH-TEST evtchn PASS' line in the serial log");
}

TEST_CASE("A scenario fails on any FAIL line, even next to its PASS") {
    SerialLog log = parse_serial_log("BH-TEST evtchn PASS\nBH-TEST evtchn-sub FAIL lost an event\n");
    auto why = scenario_failures("evtchn", exited(33), log);
    REQUIRE(why.size() == 1);
    CHECK(why[0] == "BH-TEST evtchn-sub FAIL lost an event");
}

TEST_CASE("A scenario fails on any exit status but 33, with the reason") {
    SerialLog log = parse_serial_log("BH-TEST s PASS\n");
    auto why = scenario_failures("s", exited(35), log);
    REQUIRE(why.size() == 1);
    CHECK_THAT(why[0], Catch::Contains("kernel reported failure"));
    why = scenario_failures("s", exited(0), log);
    REQUIRE(why.size() == 1);
    CHECK_THAT(why[0], Catch::Contains("triple fault"));
}

TEST_CASE("A timed-out scenario reports the timeout and the missing PASS") {
    QemuOutcome o;
    o.kind = QemuOutcome::Kind::TimedOut;
    o.seconds = 7;
    auto why = scenario_failures("s", o, parse_serial_log("booting...\n"));
    REQUIRE(why.size() == 2);
    CHECK(why[0] == "timed out after 7 s; QEMU was killed");
    CHECK_THAT(why[1], Catch::Contains("no 'BH-TEST s PASS'"));
}

TEST_CASE("Faults explain a failure but do not fail a passing scenario") {
    SerialLog log = parse_serial_log("BH-FAULT dom=3 name=blkback kind=pf rip=0x1 addr=0x0\nBH-TEST restart PASS\n");
    CHECK(scenario_failures("restart", exited(33), log).empty());
    auto why = scenario_failures("restart", exited(35), log);
    REQUIRE(why.size() == 2);
    CHECK_THAT(why[0], Catch::StartsWith("BH-FAULT dom=3"));
}

TEST_CASE("Every QEMU ending has its own description") {
    CHECK_THAT(describe_outcome(exited(33)), Catch::Contains("success"));
    CHECK_THAT(describe_outcome(exited(1)), Catch::Contains("QEMU itself failed"));
    CHECK_THAT(describe_outcome(exited(5)), Catch::Contains("wrote 0x02 to port 0xf4"));
    CHECK(describe_outcome(exited(4)) == "QEMU exited with status 4");
    QemuOutcome sig;
    sig.kind = QemuOutcome::Kind::Signaled;
    sig.status = SIGSEGV;
    CHECK_THAT(describe_outcome(sig), Catch::Contains("signal 11"));
    QemuOutcome spawn;
    spawn.kind = QemuOutcome::Kind::SpawnFailed;
    spawn.status = 2;  // ENOENT
    spawn.program = "qemu-system-x86_64";
    CHECK(describe_outcome(spawn) == "could not start qemu-system-x86_64: No such file or directory");
    CHECK(exited(33).succeeded());
    CHECK_FALSE(exited(35).succeeded());
    CHECK_FALSE(sig.succeeded());
}

TEST_CASE("The domain table keeps the latest row per id in first-seen order") {
    SerialLog log = parse_serial_log("BH-DOMAIN name=a id=1 state=building mem=1 quota=9\n"
                                     "BH-DOMAIN name=b id=2 state=running mem=2 quota=9\n"
                                     "BH-DOMAIN name=a id=1 state=running mem=3 quota=9\n");
    auto rows = latest_domains(log);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].name == "a");
    CHECK(rows[0].state == "running");
    CHECK(rows[0].mem_kib == 3);
    CHECK(rows[1].name == "b");
}

TEST_CASE("demo --check passes when every domain runs and QEMU exits 33") {
    SerialLog log = parse_serial_log("BH-READY name=a id=1\n"
                                     "BH-DOMAIN name=a id=1 state=running mem=3 quota=9\n");
    CHECK(check_failures(exited(33), log).empty());
}

TEST_CASE("demo --check fails on a missing table, a stopped domain, or an unlisted ready domain") {
    auto why = check_failures(exited(33), parse_serial_log("BH-READY name=a id=1\n"));
    REQUIRE(why.size() == 1);
    CHECK_THAT(why[0], Catch::Contains("no BH-DOMAIN line"));

    why = check_failures(exited(33), parse_serial_log("BH-DOMAIN name=a id=1 state=faulted mem=3 quota=9\n"));
    REQUIRE(why.size() == 1);
    CHECK(why[0] == "domain a (id 1) is faulted, not running");

    why = check_failures(exited(33), parse_serial_log("BH-READY name=b id=2\n"
                                                      "BH-DOMAIN name=a id=1 state=running mem=3 quota=9\n"));
    REQUIRE(why.size() == 1);
    CHECK(why[0] == "domain b (id 2) reported ready but is missing from the table");

    why = check_failures(exited(0), parse_serial_log("BH-DOMAIN name=a id=1 state=running mem=3 quota=9\n"));
    REQUIRE(why.size() == 1);
    CHECK_THAT(why[0], Catch::Contains("status 0"));
}

TEST_CASE("Reasons are joined with semicolons") {
    CHECK(join_reasons({}).empty());
    CHECK(join_reasons({"a"}) == "a");
    CHECK(join_reasons({"a", "b"}) == "a; b");
}
