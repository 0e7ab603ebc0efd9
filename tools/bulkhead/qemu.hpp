// Booting one scenario under QEMU: the command line, the serial log, the timeout.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "layout.hpp"
#include "outcome.hpp"

namespace bh::cli {

// Everything that varies between runs. The rest of the machine is fixed: q35, one CPU,
// 256 MiB, no display, no default devices, isa-debug-exit at port 0xf4 for the exit status.
struct QemuConfig {
    std::string program = "qemu-system-x86_64";
    std::filesystem::path kernel;
    std::filesystem::path initrd;
    std::string scenario;
    std::string extra_append;      // appended to "scenario=NAME" on the kernel command line
    bool kvm = false;              // -accel kvm instead of tcg (only on hosts with nested SVM)
    bool interactive = false;      // serial on stdio (Ctrl-A X quits); else serial to `log`
    std::filesystem::path log;     // serial log file (headless), or a copy of the console (interactive)
    std::vector<std::string> extra_args;  // appended verbatim (debugging: -d int, -s -S, ...)
    // Headless with input: the console is QEMU's stdio (fed from this file, output discarded)
    // with `log` as its logfile, so the guest reads these bytes as typed on the UART.
    std::filesystem::path input;
    // The control channel's Unix socket (QEMU listens, `bulkhead list` etc. connect); empty
    // for none. It is the second -serial, so the guest sees it as COM2 (0x2f8, IRQ 3).
    std::filesystem::path control_socket;
};

// The exact QEMU argv for `c` (pure; unit-tested).
std::vector<std::string> qemu_argv(const QemuConfig& c);

// `argv` as one line a POSIX shell runs unchanged (words quoted only where needed), so a
// failing run's QEMU command can be copied and rerun by hand.
std::string shell_command(const std::vector<std::string>& argv);

// Splits `text` on spaces and tabs (for --qemu-args; no quoting is interpreted).
std::vector<std::string> split_args(const std::string& text);

// A finished boot: how QEMU ended and the serial log it produced.
struct BootResult {
    QemuOutcome outcome;
    std::string log_text;
};

// Checks that the kernel ELF and the scenario image exist; an error message, or empty.
std::string check_boot_files(const Layout& layout, const std::string& scenario);

// Makes `c.control_socket` ready for QEMU: its directory exists, a stale socket file is gone
// (the caller's log claim guarantees no other run uses that path). An error message, or empty.
std::string prepare_control_socket(const QemuConfig& c);

// Boots `c` headless with a timeout (seconds), writing the serial log to c.log.
// When `echo` is set the log is copied to stdout as it grows.
BootResult boot_headless(const QemuConfig& c, int timeout_s, bool echo);

// Boots `c` with the console on this terminal and no timeout; returns how QEMU ended.
QemuOutcome boot_interactive(const QemuConfig& c);

// The last `n` lines of `text`, for showing the end of a log after a failure.
std::string tail_lines(const std::string& text, size_t n);

}  // namespace bh::cli
