// End-to-end: the control verbs' failures (error replies, no system, garbage, silence, bad
// arguments) and the control chardev every boot gets.
#include <fcntl.h>
#include <sys/file.h>

#include "test_control_server.hpp"

using namespace bh_cli_test;

TEST_CASE("dmesg stops with an error when the system's offset does not advance") {
    FakeBuild b;
    FakeControl server(default_socket(b), answer([](ctl::Reply::Builder r, ctl::Request::Reader) {
        set_log(r, "again\n", 0);
    }));
    Run r = b.run({"dmesg"});
    CHECK(r.status == 1);
    CHECK(r.out == "again\n");
    CHECK_THAT(r.err, Catch::Contains("did not advance past offset 0"));
}

TEST_CASE("An error reply is printed as the system worded it, exit 1") {
    FakeBuild b;
    FakeControl server(default_socket(b), answer([](ctl::Reply::Builder r, ctl::Request::Reader) {
        r.setError("unknown domain 'nosuch'");
    }));
    for (std::vector<std::string> args : {std::vector<std::string>{"pause", "nosuch"}, {"list"},
                                          {"xenstore", "read", "/x"}, {"dmesg"}}) {
        Run r = b.run(args);
        CHECK(r.status == 1);
        CHECK(r.out.empty());
        CHECK(r.err == "bulkhead: unknown domain 'nosuch'\n");
    }
}

TEST_CASE("No socket, or a socket nobody serves, means the system is not running") {
    FakeBuild b;
    Run r = b.run({"list"});
    CHECK(r.status == 1);
    CHECK(r.err == "bulkhead: system not running (no control socket at " + default_socket(b).string() +
                       "; start it with ./bulkhead demo)\n");
    close(bind_unix(default_socket(b), false));  // what a killed QEMU leaves behind
    r = b.run({"pause", "x"});
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::StartsWith("bulkhead: system not running"));

    r = b.run({"dmesg", "--scenario", "smoke"});
    CHECK(r.status == 1);
    CHECK(r.err == "bulkhead: system not running (no control socket at " + (b.dir / "run/smoke.ctl").string() +
                       "; start it with ./bulkhead scenario smoke)\n");
}

TEST_CASE("--scenario talks to that scenario's socket") {
    FakeBuild b;
    FakeControl server(b.dir / "run/smoke.ctl", answer_ok());
    Run r = b.run({"xenstore", "--scenario", "smoke", "rm", "/a"});
    CHECK(r.status == 0);
    r = b.run({"xenstore", "rm", "/b", "--scenario", "smoke"});
    CHECK(r.status == 0);
    r = b.run({"shutdown", "--scenario=smoke"});
    CHECK(r.status == 0);
    CHECK(server.seen().size() == 3);
}

TEST_CASE("Garbage, a short reply, or a closed connection is a clear error, not a hang") {
    FakeBuild b;
    struct Case {
        std::string bytes, error;
    };
    std::string half_table("\x00\x00\x00\x00\x04\x00\x00\x00" "abcdefgh", 16);  // claims 4 words, has 1
    std::string bad_pointer("\x00\x00\x00\x00\x01\x00\x00\x00" "\x00\x01\x00\x00\x01\x00\x01\x00", 16);
    for (const Case& c : {Case{"", "the system closed the control connection without replying"},
                          Case{std::string("\xff\xff\xff\xff\x01\x00\x00\x00", 8), "segment table claims 4294967296 segments"},
                          Case{half_table, "closed the control connection after 16 bytes of a reply"},
                          Case{bad_pointer, "malformed reply from the system: "}}) {
        FakeControl server(default_socket(b), answer_bytes(c.bytes));
        auto start = std::chrono::steady_clock::now();
        Run r = b.run({"list"});
        INFO(r.err);
        CHECK(r.status == 1);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, Catch::StartsWith("bulkhead: ") && Catch::Contains(c.error));
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    }
}

TEST_CASE("A system that stops mid-reply is given up on after --timeout") {
    FakeBuild b;
    FakeControl server(default_socket(b), [](int fd, ctl::Request::Reader) {
        send_all(fd, "\x00\x00\x00\x00\x04\x00\x00\x00", 8);
        std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    });
    auto start = std::chrono::steady_clock::now();
    Run r = b.run({"list", "--timeout", "1"});
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("no reply from the system within 1 s"));
    CHECK(took < std::chrono::milliseconds(2400));
}

TEST_CASE("A reply to another request is skipped, one of the wrong kind refused") {
    FakeBuild b;
    {
        // Only a stale reply: ours never comes (the fake then hangs up, or the wait times out).
        FakeControl server(default_socket(b), answer([](ctl::Reply::Builder r, ctl::Request::Reader q) {
            r.setId(q.getId() + 1);
            r.setOk();
        }));
        Run r = b.run({"pause", "x", "--timeout", "1"});
        CHECK(r.status == 1);
        CHECK_THAT(r.err, Catch::Contains("closed the control connection without replying") ||
                              Catch::Contains("no reply from the system within 1 s"));
    }
    {
        // A stale error reply first (left by a CLI that gave up), then ours: ours counts.
        FakeControl server(default_socket(b), [](int fd, ctl::Request::Reader q) {
            capnp::MallocMessageBuilder stale;
            auto s = stale.initRoot<ctl::Reply>();
            s.setId(q.getId() - 1);
            s.setError("stale");
            capnp::writeMessageToFd(fd, stale);
            capnp::MallocMessageBuilder mb;
            auto r = mb.initRoot<ctl::Reply>();
            r.setId(q.getId());
            r.setOk();
            capnp::writeMessageToFd(fd, mb);
        });
        Run r = b.run({"pause", "x"});
        CHECK(r.status == 0);
        CHECK(r.err.empty());
    }
    FakeControl server(default_socket(b), answer([](ctl::Reply::Builder r, ctl::Request::Reader) {
        r.setValue("surprise");
    }));
    Run r = b.run({"pause", "x"});
    CHECK(r.status == 1);
    CHECK(r.err == "bulkhead: unexpected reply from the system: expected ok, got value\n");
}

TEST_CASE("Bad control arguments print usage, exit 2 and send nothing") {
    FakeBuild b;
    FakeControl server(default_socket(b), answer_ok());
    for (std::vector<std::string> args :
         {std::vector<std::string>{"pause"}, {"pause", "a/b"}, {"restart", std::string(65, 'n')},
          {"console"}, {"xenstore"}, {"xenstore", "read"}, {"xenstore", "cat", "/a"},
          {"xenstore", "write", "/a"}, {"xenstore", "read", "/a\tb"}, {"xenstore", "ls", ""},
          {"xenstore", "write", "/a", std::string(4097, 'v')}, {"list", "--timeout", "0"},
          {"list", "--scenario", "../x"}, {"list", "extra"}, {"shutdown", "now"}}) {
        Run r = b.run(args);
        INFO(args.size() << " " << args.back() << "\n" << r.err);
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::StartsWith("bulkhead: ") && Catch::Contains("Usage:"));
    }
    CHECK(server.seen().empty());
}

TEST_CASE("--help lists the control verbs") {
    FakeBuild b;
    Run r = b.run({"--help"});
    CHECK(r.status == 0);
    for (const char* verb : {"list", "pause", "unpause", "destroy", "restart", "console", "xenstore", "dmesg",
                             "shutdown"})
        CHECK_THAT(r.out, Catch::Contains(std::string("\n  ") + verb + " "));
}

TEST_CASE("Every boot wires the control socket after the console and removes it afterwards") {
    FakeBuild b;
    fs::path sock = b.dir / "run/smoke.ctl";
    fs::create_directories(sock.parent_path());
    std::ofstream(sock) << "stale";
    Env env = {{"FAKE_QEMU_CONTROL", (b.dir / "control.seen").string()}};
    Run r = b.boot({"scenario", "smoke", "--qemu-args", "-s"}, "BH-TEST smoke PASS\n", 33, env);
    CHECK(r.status == 0);
    CHECK_THAT(b.qemu_args(), Catch::Contains("-serial\nfile:" + (b.dir / "logs/smoke.log").string() +
                                              "\n-chardev\nsocket,id=bhctl,path=" + sock.string() +
                                              ",server=on,wait=off\n-serial\nchardev:bhctl\n"));
    CHECK_THAT(b.qemu_args(), Catch::EndsWith("\n-s\n"));
    CHECK(slurp(b.dir / "control.seen") == sock.string() + " absent\n");  // the stale file was removed
    CHECK_FALSE(fs::exists(sock));                                         // and QEMU's is gone too

    r = b.boot({"demo"}, "console\n", 0, env);
    CHECK(r.status == 0);
    CHECK_THAT(b.qemu_args(), Catch::Contains("-serial\nchardev:console\n-chardev\nsocket,id=bhctl,path=" +
                                              (b.dir / "run/default.ctl").string() + ","));
    CHECK_FALSE(fs::exists(b.dir / "run/default.ctl"));
}

TEST_CASE("A second run of a scenario gets its own control socket, named like its log") {
    FakeBuild b;
    fs::create_directories(b.dir / "logs");
    int held = open((b.dir / "logs/smoke.log").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    REQUIRE(held >= 0);
    REQUIRE(flock(held, LOCK_EX | LOCK_NB) == 0);  // as a run in progress holds it
    Run r = b.boot({"scenario", "smoke"}, "BH-TEST smoke PASS\n", 33);
    close(held);
    CHECK(r.status == 0);
    CHECK_THAT(b.qemu_args(), Catch::Contains("path=" + (b.dir / "run/smoke.2.ctl").string() + ","));
}
