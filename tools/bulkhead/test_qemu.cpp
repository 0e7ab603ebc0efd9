// QEMU command lines, layout discovery, boot-file checks and log tails.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "qemu.hpp"

using namespace bh::cli;
namespace fs = std::filesystem;

namespace {

QemuConfig config() {
    QemuConfig c;
    c.kernel = "/b/kernel/arch/x86_64/bulkhead.elf";
    c.initrd = "/b/tests/system/images/evtchn.cpio";
    c.scenario = "evtchn";
    c.log = "/b/logs/evtchn.log";
    return c;
}

}  // namespace

TEST_CASE("The headless QEMU command line is the documented one") {
    std::vector<std::string> expected = {
        "qemu-system-x86_64", "-accel", "tcg", "-M", "q35", "-cpu", "max", "-smp", "1", "-m", "256M",
        "-display", "none", "-no-reboot", "-serial", "file:/b/logs/evtchn.log", "-monitor", "none",
        "-nodefaults", "-kernel", "/b/kernel/arch/x86_64/bulkhead.elf", "-initrd",
        "/b/tests/system/images/evtchn.cpio", "-append", "scenario=evtchn", "-device",
        "isa-debug-exit,iobase=0xf4,iosize=0x04"};
    CHECK(qemu_argv(config()) == expected);
}

TEST_CASE("--kvm and --append change only the accelerator and the command line") {
    QemuConfig c = config();
    c.kvm = true;
    c.extra_append = "verbose=1 mode=check";
    auto argv = qemu_argv(c);
    REQUIRE(argv.size() == 27);
    CHECK(argv[2] == "kvm");
    CHECK(argv[24] == "scenario=evtchn verbose=1 mode=check");
}

TEST_CASE("The interactive console is a muxed stdio chardev that also logs") {
    QemuConfig c = config();
    c.interactive = true;
    auto argv = qemu_argv(c);
    auto at = std::find(argv.begin(), argv.end(), "-chardev");
    REQUIRE(at != argv.end());
    CHECK(*(at + 1) == "stdio,id=console,mux=on,signal=off,logfile=/b/logs/evtchn.log");
    CHECK(*(at + 2) == "-serial");
    CHECK(*(at + 3) == "chardev:console");
    CHECK(std::count(argv.begin(), argv.end(), "-serial") == 1);
}

TEST_CASE("The build directory is three levels above the CLI binary") {
    unsetenv("BULKHEAD_BUILD_DIR");
    Layout l = layout_from_exe("/src/build/tools/bulkhead/bulkhead");
    CHECK(l.build == "/src/build");
    CHECK(l.source == "/src");
    CHECK(l.kernel_elf() == "/src/build/kernel/arch/x86_64/bulkhead.elf");
    CHECK(l.image("default") == "/src/build/tests/system/images/default.cpio");
    CHECK(l.log("default") == "/src/build/logs/default.log");
    CHECK(l.testlog_json() == "/src/build/meson-logs/testlog.json");
}

TEST_CASE("BULKHEAD_BUILD_DIR overrides the build directory") {
    setenv("BULKHEAD_BUILD_DIR", "/elsewhere/b", 1);
    Layout l = layout_from_exe("/src/build/tools/bulkhead/bulkhead");
    unsetenv("BULKHEAD_BUILD_DIR");
    CHECK(l.build == "/elsewhere/b");
}

TEST_CASE("Scenario names are restricted to safe file names") {
    CHECK(valid_scenario_name("default"));
    CHECK(valid_scenario_name("gnttab-copy_2"));
    CHECK_FALSE(valid_scenario_name(""));
    CHECK_FALSE(valid_scenario_name("../etc"));
    CHECK_FALSE(valid_scenario_name("a b"));
    CHECK_FALSE(valid_scenario_name("a/b"));
    CHECK_FALSE(valid_scenario_name(std::string(65, 'a')));
}

TEST_CASE("Missing boot files are named with how to build them") {
    std::string tmpl = (fs::temp_directory_path() / "bh-layout-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    Layout l;
    l.build = tmpl;
    CHECK_THAT(check_boot_files(l, "evtchn"), Catch::Contains("bulkhead.elf not found"));
    fs::create_directories(l.kernel_elf().parent_path());
    std::ofstream(l.kernel_elf()) << "elf";
    CHECK_THAT(check_boot_files(l, "evtchn"), Catch::Contains("evtchn.cpio not found"));
    fs::create_directories(l.image("evtchn").parent_path());
    std::ofstream(l.image("evtchn")) << "cpio";
    CHECK(check_boot_files(l, "evtchn").empty());
    fs::remove_all(tmpl);
}

TEST_CASE("tail_lines returns the last lines, newline-terminated") {
    CHECK(tail_lines("a\nb\nc\n", 2) == "b\nc\n");
    CHECK(tail_lines("a\nb\nc", 2) == "b\nc\n");
    CHECK(tail_lines("a\nb\n", 5) == "a\nb\n");
    CHECK(tail_lines("", 3).empty());
}

TEST_CASE("--qemu-args are split on blanks and appended last") {
    CHECK(split_args("") == std::vector<std::string>{});
    CHECK(split_args("  -d  int,cpu_reset\t-D /tmp/q.log ") ==
          std::vector<std::string>{"-d", "int,cpu_reset", "-D", "/tmp/q.log"});
    QemuConfig c = config();
    c.extra_args = {"-s", "-S"};
    auto argv = qemu_argv(c);
    REQUIRE(argv.size() == 29);
    CHECK(argv[27] == "-s");
    CHECK(argv[28] == "-S");
}

TEST_CASE("Command lines are quoted only where a shell needs it") {
    CHECK(shell_command({"qemu", "-append", "scenario=a mode=check", "-serial", "file:/b/l.log"}) ==
          "qemu -append 'scenario=a mode=check' -serial file:/b/l.log");
    CHECK(shell_command({"a", "", "it's", "$x"}) == "a '' 'it'\\''s' '$x'");
}

TEST_CASE("Console input makes the console QEMU's stdio, logged to the serial log") {
    QemuConfig c = config();
    c.input = "/src/tests/system/input/console.txt";
    auto argv = qemu_argv(c);
    auto at = std::find(argv.begin(), argv.end(), "-chardev");
    REQUIRE(at != argv.end());
    CHECK(*(at + 1) == "stdio,id=console,signal=off,logfile=/b/logs/evtchn.log");
    CHECK(*(at + 3) == "chardev:console");
    CHECK(std::find(argv.begin(), argv.end(), "file:/b/logs/evtchn.log") == argv.end());
}
