// End-to-end: each control verb of the real `bulkhead` binary against a fake in-system endpoint
// (test_control_server.hpp): what it sends, and what it prints from the reply.
#include "test_control_server.hpp"

using namespace bh_cli_test;

TEST_CASE("list prints xl's columns from the system's domains") {
    FakeBuild b;
    FakeControl server(default_socket(b), answer([](ctl::Reply::Builder r, ctl::Request::Reader) {
        auto d = r.initDomains(2);
        d[0].setName("supervisor");
        d[0].setMemKib(1024);
        d[0].setVcpus(1);
        d[0].setCpuTimeNs(2'260'000'000);
        d[1].setName("netback");
        d[1].setId(3);
        d[1].setMemKib(4097);
        d[1].setVcpus(1);
        d[1].setState(ctl::DomainInfo::State::PAUSED);
        d[1].setRestarts(1);
    }));
    Run r = b.run({"list"});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK(r.out ==
          "Name        ID  Mem  VCPUs  State   Time(s)\n"
          "supervisor   0    1      1  r-----      2.3\n"
          "netback      3    5      1  --p---      0.0\n");
    r = b.run({"list", "--json"});
    CHECK(r.status == 0);
    CHECK(r.out ==
          "[\n"
          "  {\"name\": \"supervisor\", \"id\": 0, \"mem_kib\": 1024, \"vcpus\": 1, \"state\": \"running\", "
          "\"cpu_time_s\": 2.26, \"restarts\": 0},\n"
          "  {\"name\": \"netback\", \"id\": 3, \"mem_kib\": 4097, \"vcpus\": 1, \"state\": \"paused\", "
          "\"cpu_time_s\": 0.0, \"restarts\": 1}\n"
          "]\n");
    CHECK(server.seen() == std::vector<std::string>{"(list = void)", "(list = void)"});
}

TEST_CASE("pause, unpause, destroy, restart and shutdown send their request and print nothing") {
    FakeBuild b;
    FakeControl server(default_socket(b), answer_ok());
    for (const char* verb : {"pause", "unpause", "destroy", "restart"}) {
        Run r = b.run({verb, "netback.1"});
        INFO(verb << ": " << r.err);
        CHECK(r.status == 0);
        CHECK(r.out.empty());
        CHECK(r.err.empty());
    }
    Run r = b.run({"shutdown"});
    CHECK(r.status == 0);
    CHECK(r.out.empty());
    CHECK(server.seen() == std::vector<std::string>{"(pause = \"netback.1\")", "(unpause = \"netback.1\")",
                                                    "(destroy = \"netback.1\")", "(restart = \"netback.1\")",
                                                    "(shutdown = void)"});
}

TEST_CASE("xenstore read, write, ls and rm send the path (and value) and print the answer") {
    FakeBuild b;
    FakeControl server(default_socket(b), answer([](ctl::Reply::Builder r, ctl::Request::Reader q) {
        if (q.isXenstoreRead()) {
            r.setValue("Connected");
        } else if (q.isXenstoreLs()) {
            auto kids = r.initChildren(2);
            kids.set(0, "768");
            kids.set(1, "832");
        } else {
            r.setOk();
        }
    }));
    Run r = b.run({"xenstore", "read", "/local/domain/1/device/vbd/768/state"});
    CHECK(r.status == 0);
    CHECK(r.out == "Connected\n");
    r = b.run({"xenstore", "write", "/tool/x", "a value"});
    CHECK(r.status == 0);
    CHECK(r.out.empty());
    r = b.run({"xenstore", "ls", "/local/domain/1/device/vbd"});
    CHECK(r.status == 0);
    CHECK(r.out == "768\n832\n");
    r = b.run({"xenstore", "rm", "/tool/x"});
    CHECK(r.status == 0);
    CHECK(r.out.empty());
    CHECK(server.seen() == std::vector<std::string>{
                               "(xenstoreRead = (path = \"/local/domain/1/device/vbd/768/state\"))",
                               "(xenstoreWrite = (path = \"/tool/x\", value = \"a value\"))",
                               "(xenstoreLs = (path = \"/local/domain/1/device/vbd\"))",
                               "(xenstoreRm = (path = \"/tool/x\"))"});
}

TEST_CASE("console prints the domain's buffered output as raw bytes") {
    FakeBuild b;
    FakeControl server(default_socket(b), answer([](ctl::Reply::Builder r, ctl::Request::Reader) {
        set_log(r, std::string("login: \x01\xff\n", 10), 10);
    }));
    Run r = b.run({"console", "guest1"});
    CHECK(r.status == 0);
    CHECK(r.out == std::string("login: \x01\xff\n", 10));
    CHECK(server.seen() == std::vector<std::string>{"(consoleRead = \"guest1\")"});
}

TEST_CASE("console --follow prints only what is new, by how far log.next moved") {
    FakeBuild b;
    std::atomic<int> calls{0};
    FakeControl server(default_socket(b), answer([&](ctl::Reply::Builder r, ctl::Request::Reader) {
        switch (calls++) {
            case 0: set_log(r, "boot\n", 5); break;
            case 1: set_log(r, "boot\n", 5); break;            // nothing new
            case 2: set_log(r, "oot\nlogin: ", 12); break;      // buffer dropped its first byte
            default: r.setError("domain 'guest1' was destroyed"); break;
        }
    }));
    Run r = b.run({"console", "guest1", "--follow"});
    CHECK(r.status == 1);
    CHECK(r.out == "boot\nlogin: ");
    CHECK(r.err == "bulkhead: domain 'guest1' was destroyed\n");
}

TEST_CASE("dmesg asks from each reply's next offset until the log is empty") {
    FakeBuild b;
    std::string klog = "Bulkhead booting\nsvm: on\n";
    FakeControl server(default_socket(b), answer([&](ctl::Reply::Builder r, ctl::Request::Reader q) {
        uint32_t at = std::min<uint32_t>(q.getDmesg().getOffset(), static_cast<uint32_t>(klog.size()));
        uint32_t n = std::min<uint32_t>(10, static_cast<uint32_t>(klog.size()) - at);
        set_log(r, klog.substr(at, n), at + n);
    }));
    Run r = b.run({"dmesg"});
    CHECK(r.status == 0);
    CHECK(r.out == klog);
    CHECK(server.seen() == std::vector<std::string>{"(dmesg = (offset = 0))", "(dmesg = (offset = 10))",
                                                    "(dmesg = (offset = 20))", "(dmesg = (offset = 25))"});
}
