// Where the CLI finds the build tree, the kernel, the boot images and the logs.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace bh::cli {

// Paths derived from the build directory. The CLI lives at build/tools/bulkhead/bulkhead,
// so the build directory is three levels above /proc/self/exe and the source directory its parent.
// BULKHEAD_BUILD_DIR overrides the build directory (the CLI's own tests use it).
struct Layout {
    std::filesystem::path build;
    std::filesystem::path source;

    std::filesystem::path kernel_elf() const { return build / "kernel/arch/x86_64/bulkhead.elf"; }
    std::filesystem::path image(std::string_view scenario) const {
        return build / "tests/system/images" / (std::string(scenario) + ".cpio");
    }
    std::filesystem::path log(std::string_view scenario) const {
        return build / "logs" / (std::string(scenario) + ".log");
    }
    // The control socket of a running system (QEMU's second serial port, the guest's COM2).
    // `instance` is the stem of the run's claimed serial log: the scenario name, or NAME.2...
    // while another run of that scenario holds NAME.log, so parallel runs never share a socket.
    std::filesystem::path control_socket(std::string_view instance) const {
        return build / "run" / (std::string(instance) + ".ctl");
    }
    // The disk image of a run on the "devices" machine (made fresh for each run).
    std::filesystem::path disk(std::string_view instance) const {
        return build / "run" / (std::string(instance) + ".img");
    }
    // Host benchmark executables (`host_benches` in meson.build), each printing BH-BENCH lines.
    // BULKHEAD_HOST_BENCHES (build-relative, ':'-separated) replaces the list (the CLI's tests).
    std::vector<std::filesystem::path> host_benches() const;
    std::filesystem::path testlog_json(std::string_view logbase = "testlog") const {
        return build / "meson-logs" / (std::string(logbase) + ".json");
    }
};

// Layout for a CLI binary at `exe` (unless BULKHEAD_BUILD_DIR is set).
Layout layout_from_exe(const std::filesystem::path& exe);

// Layout of the running binary.
Layout current_layout();

// Scenario names become file names: letters, digits, '-', '_' only, at most 64 characters.
bool valid_scenario_name(std::string_view name);

// The QEMU binary: BULKHEAD_QEMU if set (tests substitute a fake), else qemu-system-x86_64.
std::string qemu_program();

}  // namespace bh::cli
