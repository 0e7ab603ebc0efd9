// End-to-end: argument validation and the boot verbs (scenario, demo, bench) against a fake QEMU.
#include <unistd.h>

#include <chrono>

#include "test_cli_support.hpp"

using namespace bh_cli_test;

TEST_CASE("No verb, an unknown verb or an unknown option prints usage and exits 2") {
    FakeBuild b;
    for (std::vector<std::string> args : {std::vector<std::string>{}, {"frobnicate"}, {"demo", "--frob"},
                                          {"scenario"}, {"scenario", "../x"}, {"scenario", "a", "b"},
                                          {"scenario", "smoke", "--timeout", "0"},
                                          {"scenario", "smoke", "--timeout", "soon"}, {"bench", "--yaml"},
                                          {"demo", "test"}}) {
        Run r = b.run(args);
        INFO("args: " << args.size() << " " << (args.empty() ? "" : args.back()) << "\n" << r.err);
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Contains("Usage:"));
        CHECK_FALSE(fs::exists(b.dir / "qemu.args"));
    }
}

TEST_CASE("An unknown verb is named") {
    FakeBuild b;
    Run r = b.run({"frobnicate"});
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::StartsWith("bulkhead: unknown verb 'frobnicate'\n"));
}

TEST_CASE("--help lists the verbs and exits 0") {
    FakeBuild b;
    Run r = b.run({"--help"});
    CHECK(r.status == 0);
    for (const char* verb : {"demo", "test", "bench", "scenario"}) CHECK_THAT(r.out, Catch::Contains(verb));
}

TEST_CASE("scenario passes on status 33 with its PASS line, echoing and keeping the serial log") {
    FakeBuild b;
    Run r = b.boot({"scenario", "smoke", "--append", "verbose=1", "--qemu-args", "-d int -D q.log"},
                   "hello\nBH-TEST smoke PASS ok\n", 33);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::StartsWith("hello\nBH-TEST smoke PASS ok\n"));
    CHECK_THAT(r.out, Catch::EndsWith("scenario smoke: PASS\n"));
    CHECK(slurp(b.dir / "logs/smoke.log") == "hello\nBH-TEST smoke PASS ok\n");
    std::string args = b.qemu_args();
    CHECK_THAT(args, Catch::StartsWith("-accel\ntcg\n-M\nq35\n"));
    CHECK_THAT(args, Catch::Contains("-append\nscenario=smoke verbose=1\n"));
    CHECK_THAT(args, Catch::Contains("-serial\nfile:" + (b.dir / "logs/smoke.log").string() + "\n"));
    CHECK_THAT(args, Catch::Contains("-initrd\n" + (b.dir / "tests/system/images/smoke.cpio").string() + "\n"));
    CHECK_THAT(args, Catch::EndsWith("-device\nisa-debug-exit,iobase=0xf4,iosize=0x04\n-d\nint\n-D\nq.log\n"));
    CHECK_THAT(r.err, Catch::Contains("-append 'scenario=smoke verbose=1' -device"));
}

TEST_CASE("scenario fails with the reason on a missing PASS, a FAIL line, or a bad status") {
    FakeBuild b;
    Run r = b.boot({"scenario", "smoke"}, "BH-TEST other PASS\n", 33);
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains("scenario smoke: FAIL: no 'BH-TEST smoke PASS' line"));

    r = b.boot({"scenario", "smoke"}, "BH-TEST smoke PASS\nBH-TEST smoke FAIL port 3 stuck\n", 35);
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains("scenario smoke: FAIL: BH-TEST smoke FAIL port 3 stuck; QEMU exited with status 35"));

    r = b.boot({"scenario", "smoke"}, "BH-TEST smoke PASS\n", 0);
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains("triple fault"));

    r = b.boot({"scenario", "smoke"}, "BH-READY name=x\nBH-TEST smoke PASS\n", 33);
    CHECK(r.status == 0);
    CHECK_THAT(r.err, Catch::Contains("malformed marker: BH-READY name=x  (missing id=)"));
}

TEST_CASE("scenario --input feeds the file to the console and judges the logged output") {
    FakeBuild b;
    fs::path typed = b.file("typed.txt", "help\nlist\n");
    Run r = b.boot({"scenario", "smoke", "--input", typed.string()}, "> help\nBH-TEST smoke PASS\n", 33,
                   {{"FAKE_QEMU_STDIN", (b.dir / "stdin.seen").string()}});
    CHECK(r.status == 0);
    CHECK(slurp(b.dir / "stdin.seen") == "help\nlist\n");
    CHECK(slurp(b.dir / "logs/smoke.log") == "> help\nBH-TEST smoke PASS\n");
    CHECK_THAT(r.out, Catch::StartsWith("> help\nBH-TEST smoke PASS\n"));

    r = b.run({"scenario", "smoke", "--input", (b.dir / "missing.txt").string()});
    CHECK(r.status == 2);
}

TEST_CASE("scenario kills a QEMU that outlives its timeout") {
    FakeBuild b;
    auto start = std::chrono::steady_clock::now();
    Run r = b.boot({"scenario", "smoke", "--timeout", "1"}, "BH-TEST smoke PASS\n", 33, {{"FAKE_QEMU_SLEEP", "30"}});
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains("scenario smoke: FAIL: timed out after 1 s; QEMU was killed"));
    CHECK(took < std::chrono::seconds(10));
}

TEST_CASE("scenario names a missing image, a missing kernel and an unstartable QEMU") {
    FakeBuild b;
    Run r = b.run({"scenario", "nosuch"});
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains("scenario nosuch: FAIL: boot image"));
    CHECK_THAT(r.out, Catch::Contains("nosuch.cpio not found"));

    r = b.run({"scenario", "smoke"}, {{"BULKHEAD_QEMU", "/nonexistent/qemu"}});
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains("could not start /nonexistent/qemu: No such file or directory"));

    fs::remove(b.dir / "kernel/arch/x86_64/bulkhead.elf");
    r = b.run({"scenario", "smoke"});
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains("bulkhead.elf not found"));
}

TEST_CASE("--kvm selects the KVM accelerator, or fails clearly without /dev/kvm") {
    FakeBuild b;
    Run r = b.boot({"scenario", "smoke", "--kvm"}, "BH-TEST smoke PASS\n", 33);
    if (access("/dev/kvm", R_OK | W_OK) == 0) {
        CHECK(r.status == 0);
        CHECK_THAT(b.qemu_args(), Catch::StartsWith("-accel\nkvm\n"));
    } else {
        CHECK(r.status == 1);
        CHECK_THAT(r.out, Catch::Contains("/dev/kvm is not available"));
    }
}

TEST_CASE("demo --check prints the domain table and passes when all domains run") {
    FakeBuild b;
    Run r = b.boot({"demo", "--check"},
                   "BH-READY name=xenstore id=1\n"
                   "BH-DOMAIN name=supervisor id=0 state=running mem=512 quota=1024\n"
                   "BH-DOMAIN name=xenstore id=1 state=running mem=2048 quota=4096\n"
                   "BH-SHUTDOWN code=0\n",
                   33);
    CHECK(r.status == 0);
    CHECK(r.out ==
          "NAME        ID  STATE      MEMORY     QUOTA\n"
          "supervisor   0  running   512 KiB  1024 KiB\n"
          "xenstore     1  running  2048 KiB  4096 KiB\n");
    CHECK_THAT(b.qemu_args(), Catch::Contains("-append\nscenario=default mode=check\n"));
}

TEST_CASE("demo --check fails on a domain that is not running, or no table") {
    FakeBuild b;
    Run r = b.boot({"demo", "--check"}, "BH-DOMAIN name=netback id=3 state=faulted mem=1 quota=2\n", 33);
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains("netback   3  faulted"));
    CHECK_THAT(r.err, Catch::Contains("demo --check: FAIL: domain netback (id 3) is faulted, not running"));

    r = b.boot({"demo", "--check", "--timeout", "1"}, "kernel panic\n", 0, {{"FAKE_QEMU_SLEEP", "30"}});
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("kernel panic"));  // the log tail
    CHECK_THAT(r.err, Catch::Contains("timed out after 1 s"));
    CHECK_THAT(r.err, Catch::Contains("no BH-DOMAIN line"));
}

TEST_CASE("demo attaches the console and says how to quit") {
    FakeBuild b;
    Run r = b.boot({"demo"}, "console text\n", 0);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::StartsWith("Bulkhead demo:"));
    CHECK_THAT(r.out, Catch::Contains("Ctrl-A X"));
    CHECK_THAT(r.out, Catch::Contains("console text"));
    CHECK_THAT(b.qemu_args(), Catch::Contains("-chardev\nstdio,id=console,mux=on,signal=off,logfile="));

    r = b.boot({"demo"}, "", 35);
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("status 35"));
}

TEST_CASE("bench --json prints one object per bench and the ratios") {
    FakeBuild b;
    Run r = b.boot({"bench", "--json"},
                   "BH-BENCH name=null_hypercall value=100 unit=cycles\n"
                   "BH-BENCH name=evtchn_send value=250 unit=cycles\n"
                   "BH-TEST bench PASS\n",
                   33);
    CHECK(r.status == 0);
    CHECK(r.out ==
          "{\"name\": \"null_hypercall\", \"value\": 100, \"unit\": \"cycles\"}\n"
          "{\"name\": \"evtchn_send\", \"value\": 250, \"unit\": \"cycles\"}\n"
          "{\"name\": \"evtchn_send_ratio\", \"value\": 2.50, \"unit\": \"x null_hypercall\"}\n");
    CHECK_THAT(b.qemu_args(), Catch::Contains("-append\nscenario=bench\n"));

    r = b.boot({"bench"}, "BH-BENCH name=null_hypercall value=100 unit=cycles\nBH-TEST bench PASS\n", 33);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::StartsWith("NAME            VALUE  UNIT    RATIO\n"));
}

TEST_CASE("bench fails without BH-BENCH lines or when the scenario fails") {
    FakeBuild b;
    Run r = b.boot({"bench", "--json"}, "BH-TEST bench PASS\n", 33);
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("no BH-BENCH line"));

    r = b.boot({"bench", "--json"}, "BH-BENCH name=null_hypercall value=1 unit=ns\n", 35);
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("status 35"));
}


TEST_CASE("bench also runs the host benchmarks and reports their lines") {
    FakeBuild b;
    fs::path exe = b.file("host-bench", "#!/bin/sh\necho 'BH-BENCH name=ring_push value=12 unit=ns'\n");
    fs::permissions(exe, fs::perms::owner_all);
    Run r = b.boot({"bench", "--json"}, "BH-BENCH name=null_hypercall value=100 unit=cycles\nBH-TEST bench PASS\n",
                   33, {{"BULKHEAD_HOST_BENCHES", "host-bench"}});
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::EndsWith("{\"name\": \"ring_push\", \"value\": 12, \"unit\": \"ns\"}\n"));
    CHECK(slurp(b.dir / "logs/host-bench.out") == "BH-BENCH name=ring_push value=12 unit=ns\n");

    r = b.boot({"bench"}, "BH-BENCH name=null_hypercall value=100 unit=cycles\nBH-TEST bench PASS\n", 33,
               {{"BULKHEAD_HOST_BENCHES", "missing-bench"}});
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("missing-bench did not exit 0"));
}
