// Log claims: parallel runs of one scenario get NAME.log, NAME.2.log, ...; nobody truncates a held log.
#include <stdlib.h>

#include <utility>

#include "log_claim.hpp"
#include "test_cli_support.hpp"

using namespace bh_cli_test;
using bh::cli::claim_log;
using bh::cli::LogClaim;

TEST_CASE("A free log is claimed under its own name and emptied") {
    FakeBuild b;
    fs::create_directories(b.dir / "logs");
    std::ofstream(b.dir / "logs/s.log") << "old run";
    std::string err;
    LogClaim c = claim_log(b.dir / "logs/s.log", err);
    REQUIRE(c.ok());
    CHECK(c.path == b.dir / "logs/s.log");
    CHECK(slurp(c.path).empty());
}

TEST_CASE("A held log is left alone and the next free name is claimed") {
    FakeBuild b;
    std::string err;
    LogClaim first = claim_log(b.dir / "logs/s.log", err);
    REQUIRE(first.ok());
    std::ofstream(first.path) << "running";
    LogClaim second = claim_log(b.dir / "logs/s.log", err);
    LogClaim third = claim_log(b.dir / "logs/s.log", err);
    REQUIRE(second.ok());
    REQUIRE(third.ok());
    CHECK(second.path == b.dir / "logs/s.2.log");
    CHECK(third.path == b.dir / "logs/s.3.log");
    CHECK(slurp(first.path) == "running");

    SECTION("a released name is claimed again") {
        first = LogClaim();
        LogClaim again = claim_log(b.dir / "logs/s.log", err);
        REQUIRE(again.ok());
        CHECK(again.path == b.dir / "logs/s.log");
    }
    SECTION("a moved claim keeps holding its log") {
        LogClaim moved = std::move(first);
        CHECK_FALSE(first.ok());
        LogClaim fourth = claim_log(b.dir / "logs/s.log", err);
        CHECK(fourth.path == b.dir / "logs/s.4.log");
    }
}

TEST_CASE("A log directory that cannot be created is an error") {
    FakeBuild b;
    std::ofstream(b.dir / "not-a-dir") << "x";
    std::string err;
    LogClaim c = claim_log(b.dir / "not-a-dir/s.log", err);
    CHECK_FALSE(c.ok());
    CHECK_THAT(err, Catch::Contains("cannot create"));
}

TEST_CASE("scenario logs to NAME.2.log while another run holds NAME.log") {
    FakeBuild b;
    std::string err;
    LogClaim held = claim_log(b.dir / "logs/smoke.log", err);
    REQUIRE(held.ok());
    std::ofstream(held.path) << "the other run's log";
    Run r = b.boot({"scenario", "smoke"}, "BH-TEST smoke PASS\n", 33);
    CHECK(r.status == 0);
    CHECK_THAT(r.err, Catch::Contains("serial log " + (b.dir / "logs/smoke.2.log").string()));
    CHECK(slurp(b.dir / "logs/smoke.2.log") == "BH-TEST smoke PASS\n");
    CHECK(slurp(b.dir / "logs/smoke.log") == "the other run's log");
}
