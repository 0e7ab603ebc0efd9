// Control channel pieces on their own: frame lengths, reply decoding, the list formats,
// argument rules, and the control chardev on QEMU's command line.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "control.capnp.h"
#include "control_client.hpp"
#include "control_format.hpp"
#include "control_reply.hpp"
#include "qemu.hpp"

using namespace bh::cli;
namespace ctl = bh::host::control;
namespace fs = std::filesystem;

namespace {

std::vector<uint64_t> framed(capnp::MallocMessageBuilder& mb) {
    kj::Array<capnp::word> words = capnp::messageToFlatArray(mb);
    std::vector<uint64_t> out(words.size());
    std::memcpy(out.data(), words.begin(), words.size() * sizeof(capnp::word));
    return out;
}

std::span<const uint8_t> bytes_of(const std::vector<uint64_t>& w) {
    return {reinterpret_cast<const uint8_t*>(w.data()), w.size() * 8};
}

DomainRow row(std::string name, uint16_t id, uint64_t kib, uint8_t vcpus, DomainState s, uint64_t ns,
              uint32_t restarts = 0) {
    return {std::move(name), id, kib, vcpus, s, ns, restarts};
}

}  // namespace

TEST_CASE("FrameLength reads the segment table, growing its need with the segment count") {
    capnp::MallocMessageBuilder mb;
    mb.initRoot<ctl::Reply>().setValue("hello");
    std::vector<uint64_t> w = framed(mb);
    std::span<const uint8_t> b = bytes_of(w);
    CHECK_FALSE(frame_length(b.first(7)).known());
    CHECK(frame_length(b.first(7)).need == 8);
    FrameLength f = frame_length(b.first(8));
    REQUIRE(f.known());
    CHECK(f.total == b.size());

    // Three segments: the table is 4 + 3*4 = 16 bytes, so 8 bytes are not enough to know.
    uint8_t three[16] = {2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0};
    f = frame_length(std::span<const uint8_t>(three, 8));
    CHECK_FALSE(f.known());
    CHECK(f.need == 16);
    f = frame_length(three);
    CHECK(f.total == 16 + 6 * 8);
}

TEST_CASE("FrameLength refuses absurd segment counts and sizes") {
    uint8_t many[8] = {0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0};
    CHECK_THAT(frame_length(many).error, Catch::Contains("4294967296 segments"));
    uint8_t huge[8] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0x0f};
    CHECK_THAT(frame_length(huge).error, Catch::Contains("more than the"));
    CHECK(frame_length(huge, SIZE_MAX).known());
}

TEST_CASE("decode_reply gives each reply member as plain values") {
    capnp::MallocMessageBuilder mb;
    ctl::Reply::Builder r = mb.initRoot<ctl::Reply>();
    r.setId(77);
    auto doms = r.initDomains(1);
    doms[0].setName("xenstore");
    doms[0].setId(1);
    doms[0].setMemKib(2048);
    doms[0].setVcpus(1);
    doms[0].setState(ctl::DomainInfo::State::PAUSED);
    doms[0].setCpuTimeNs(1'500'000'000);
    doms[0].setRestarts(2);
    ControlReply out;
    REQUIRE(decode_reply(framed(mb), out).empty());
    CHECK(out.id == 77);
    CHECK(out.kind == ControlReply::Kind::Domains);
    REQUIRE(out.domains.size() == 1);
    CHECK(out.domains[0].name == "xenstore");
    CHECK(out.domains[0].state == DomainState::Paused);
    CHECK(out.domains[0].restarts == 2);

    auto log = r.initLog();
    uint8_t raw[3] = {'a', 0, 0xff};
    log.setText(kj::arrayPtr(raw, 3));
    log.setNext(9);
    REQUIRE(decode_reply(framed(mb), out).empty());
    CHECK(out.kind == ControlReply::Kind::Log);
    CHECK(out.log == std::string("a\0\xff", 3));
    CHECK(out.log_next == 9);

    auto kids = r.initChildren(2);
    kids.set(0, "a");
    kids.set(1, "b");
    REQUIRE(decode_reply(framed(mb), out).empty());
    CHECK(out.children == std::vector<std::string>{"a", "b"});
}

TEST_CASE("decode_reply turns malformed replies into a message, never an exception") {
    // A root pointer to a struct far beyond the one-word segment.
    std::vector<uint64_t> bad = {uint64_t{1} << 32, 0x0001'0000'0000'0100};
    ControlReply out;
    CHECK_THAT(decode_reply(bad, out), Catch::StartsWith("malformed reply from the system: "));

    // A text without its NUL terminator: libcapnp refuses it when read.
    capnp::MallocMessageBuilder mb;
    mb.initRoot<ctl::Reply>().setError("abcdefg");  // 8 bytes with the NUL: exactly one word
    std::vector<uint64_t> w = framed(mb);
    REQUIRE(reinterpret_cast<uint8_t*>(w.data())[w.size() * 8 - 1] == 0);
    reinterpret_cast<uint8_t*>(w.data())[w.size() * 8 - 1] = 'h';
    CHECK_THAT(decode_reply(w, out), Catch::StartsWith("malformed reply from the system: "));
}

TEST_CASE("A reply member this CLI does not know decodes as Unknown") {
    capnp::MallocMessageBuilder mb;
    mb.initRoot<ctl::Reply>().setOk();
    std::vector<uint64_t> w = framed(mb);
    // The union discriminant is the u16 after the u32 id in the data section (word 2 of the message).
    reinterpret_cast<uint16_t*>(&w[2])[2] = 40;
    ControlReply out;
    REQUIRE(decode_reply(w, out).empty());
    CHECK(out.kind == ControlReply::Kind::Unknown);
    CHECK(kind_name(out.kind) == "a reply member this CLI does not know");
}

TEST_CASE("The list table has xl's columns, MiB rounded up and seconds to one decimal") {
    std::vector<DomainRow> rows = {row("supervisor", 0, 1024, 1, DomainState::Running, 12'340'000'000),
                                   row("xenstore", 1, 1025, 1, DomainState::Blocked, 50'000'000),
                                   row("blkback", 12, 300, 2, DomainState::Crashed, 49'999'999)};
    CHECK(format_list_table(rows) ==
          "Name        ID  Mem  VCPUs  State   Time(s)\n"
          "supervisor   0    1      1  r-----     12.3\n"
          "xenstore     1    2      1  -b----      0.1\n"
          "blkback     12    1      2  ----c-      0.0\n");
    CHECK(format_list_table({}) == "Name  ID  Mem  VCPUs  State  Time(s)\n");
}

TEST_CASE("Each state has xl's letter column and a word") {
    CHECK(state_letters(DomainState::Running) == "r-----");
    CHECK(state_letters(DomainState::Blocked) == "-b----");
    CHECK(state_letters(DomainState::Paused) == "--p---");
    CHECK(state_letters(DomainState::Shutdown) == "---s--");
    CHECK(state_letters(DomainState::Crashed) == "----c-");
    CHECK(state_letters(DomainState::Dying) == "-----d");
    CHECK(state_letters(DomainState::Unknown) == "------");
    CHECK(state_word(DomainState::Dying) == "dying");
    CHECK(state_word(DomainState::Unknown) == "unknown");
}

TEST_CASE("The list JSON is one array with exact seconds and escaped names") {
    std::vector<DomainRow> rows = {row("a\"b\\c\n", 3, 4096, 1, DomainState::Paused, 12'500'000'000, 2),
                                   row("x", 4, 0, 0, DomainState::Dying, 1)};
    CHECK(format_list_json(rows) ==
          "[\n"
          "  {\"name\": \"a\\\"b\\\\c\\u000a\", \"id\": 3, \"mem_kib\": 4096, \"vcpus\": 1, \"state\": \"paused\", "
          "\"cpu_time_s\": 12.5, \"restarts\": 2},\n"
          "  {\"name\": \"x\", \"id\": 4, \"mem_kib\": 0, \"vcpus\": 0, \"state\": \"dying\", "
          "\"cpu_time_s\": 0.000000001, \"restarts\": 0}\n"
          "]\n");
    CHECK(format_list_json({}) == "[]\n");
    CHECK(format_list_json({row("z", 0, 0, 0, DomainState::Running, 0)}).find("\"cpu_time_s\": 0.0,") !=
          std::string::npos);
}

TEST_CASE("Domain names, xenstore paths and values are checked before anything is sent") {
    CHECK(check_domain_name("net-back_2.a").empty());
    CHECK(check_domain_name(std::string(64, 'n')).empty());
    CHECK_FALSE(check_domain_name("").empty());
    CHECK_FALSE(check_domain_name(std::string(65, 'n')).empty());
    CHECK_FALSE(check_domain_name("a/b").empty());
    CHECK_FALSE(check_domain_name("a b").empty());

    CHECK(check_xenstore_path("/local/domain/1/name").empty());
    CHECK(check_xenstore_path("device/vbd/768/state").empty());
    CHECK(check_xenstore_path(std::string(3072, 'p')).empty());
    CHECK_FALSE(check_xenstore_path("").empty());
    CHECK_FALSE(check_xenstore_path(std::string(3073, 'p')).empty());
    CHECK_FALSE(check_xenstore_path("/a\tb").empty());
    CHECK_FALSE(check_xenstore_path("/caf\xc3\xa9").empty());

    CHECK(check_xenstore_value("").empty());
    CHECK(check_xenstore_value(std::string(4096, 'v')).empty());
    CHECK_FALSE(check_xenstore_value(std::string(4097, 'v')).empty());
    CHECK_FALSE(check_xenstore_value(std::string("a\0b", 3)).empty());
}

TEST_CASE("The control chardev is the second serial port, right after the console's") {
    QemuConfig c;
    c.kernel = "/b/k.elf";
    c.initrd = "/b/i.cpio";
    c.scenario = "default";
    c.log = "/b/logs/default.log";
    c.control_socket = "/b/run/default.ctl";
    c.extra_args = {"-s"};
    for (bool interactive : {false, true}) {
        c.interactive = interactive;
        std::vector<std::string> argv = qemu_argv(c);
        auto console = std::find(argv.begin(), argv.end(), "-serial");
        REQUIRE(console != argv.end());
        CHECK(console[2] == "-chardev");
        CHECK(console[3] == "socket,id=bhctl,path=/b/run/default.ctl,server=on,wait=off");
        CHECK(console[4] == "-serial");
        CHECK(console[5] == "chardev:bhctl");
        CHECK(std::count(argv.begin(), argv.end(), "-serial") == 2);
        CHECK(argv.back() == "-s");
    }
}

TEST_CASE("prepare_control_socket makes the run directory, removes a stale socket, refuses long paths") {
    std::string tmpl = (fs::temp_directory_path() / "bh-ctl-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    QemuConfig c;
    CHECK(prepare_control_socket(c).empty());  // no control socket: nothing to do
    c.control_socket = fs::path(tmpl) / "run" / "smoke.ctl";
    CHECK(prepare_control_socket(c).empty());
    CHECK(fs::is_directory(fs::path(tmpl) / "run"));
    std::ofstream(c.control_socket) << "stale";
    CHECK(prepare_control_socket(c).empty());
    CHECK_FALSE(fs::exists(c.control_socket));
    c.control_socket = fs::path(tmpl) / std::string(120, 'r') / "x.ctl";
    CHECK_THAT(prepare_control_socket(c), Catch::Contains("longer than 107 bytes"));
    fs::remove_all(tmpl);
}

TEST_CASE("The control socket sits in build/run/, named after the run's log") {
    Layout l;
    l.build = "/src/build";
    CHECK(l.control_socket("default") == "/src/build/run/default.ctl");
    CHECK(l.control_socket("default.2") == "/src/build/run/default.2.ctl");
}
