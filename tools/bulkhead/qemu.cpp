// QEMU launch. The serial log is created empty before QEMU starts so that following it
// never reads a previous run's text.
#include "qemu.hpp"

#include <cstdio>
#include <fstream>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include "process.hpp"

namespace bh::cli {

namespace fs = std::filesystem;

std::vector<std::string> qemu_argv(const QemuConfig& c) {
    std::string append = "scenario=" + c.scenario;
    if (!c.extra_append.empty()) append += " " + c.extra_append;
    std::vector<std::string> argv = {c.program, "-accel", c.kvm ? "kvm" : "tcg", "-M", "q35",
                                     "-cpu", "max", "-smp", "1", "-m", "256M", "-display", "none",
                                     "-no-reboot"};
    if (c.interactive) {
        // A mux chardev gives the Ctrl-A escapes (Ctrl-A X quits); signal=off passes Ctrl-C to
        // the guest; logfile= keeps a copy of the console.
        std::string chardev = "stdio,id=console,mux=on,signal=off";
        if (!c.log.empty()) chardev += ",logfile=" + c.log.string();
        argv.insert(argv.end(), {"-chardev", chardev, "-serial", "chardev:console"});
    } else if (!c.input.empty()) {
        argv.insert(argv.end(), {"-chardev", "stdio,id=console,signal=off,logfile=" + c.log.string(),
                                 "-serial", "chardev:console"});
    } else {
        argv.insert(argv.end(), {"-serial", "file:" + c.log.string()});
    }
    if (!c.control_socket.empty()) {
        // wait=off: the guest runs whether or not a CLI is connected; bytes sent while none is
        // are dropped by QEMU, which is what a request/reply protocol wants.
        argv.insert(argv.end(), {"-chardev", "socket,id=bhctl,path=" + c.control_socket.string() +
                                                 ",server=on,wait=off",
                                 "-serial", "chardev:bhctl"});
    }
    argv.insert(argv.end(), {"-monitor", "none", "-nodefaults", "-kernel", c.kernel.string(),
                             "-initrd", c.initrd.string(), "-append", append, "-device",
                             "isa-debug-exit,iobase=0xf4,iosize=0x04"});
    argv.insert(argv.end(), c.extra_args.begin(), c.extra_args.end());
    return argv;
}

std::string shell_command(const std::vector<std::string>& argv) {
    std::string out;
    for (const std::string& a : argv) {
        if (!out.empty()) out += ' ';
        bool plain = !a.empty();
        for (char ch : a) {
            bool safe = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                        std::string_view("-_./:=,+@%").find(ch) != std::string_view::npos;
            plain = plain && safe;
        }
        if (plain) {
            out += a;
            continue;
        }
        out += '\'';
        for (char ch : a) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
        out += '\'';
    }
    return out;
}

std::vector<std::string> split_args(const std::string& text) {
    std::vector<std::string> words;
    std::string word;
    for (char ch : text) {
        if (ch == ' ' || ch == '\t') {
            if (!word.empty()) words.push_back(std::move(word));
            word.clear();
        } else {
            word += ch;
        }
    }
    if (!word.empty()) words.push_back(std::move(word));
    return words;
}

std::string check_boot_files(const Layout& layout, const std::string& scenario) {
    std::error_code ec;
    if (!fs::is_regular_file(layout.kernel_elf(), ec))
        return fmt::format("kernel {} not found (build it: ninja -C {})", layout.kernel_elf().string(),
                           layout.build.string());
    if (!fs::is_regular_file(layout.image(scenario), ec))
        return fmt::format("boot image {} not found (is scenario '{}' defined in tests/system/? "
                           "build it: ninja -C {})",
                           layout.image(scenario).string(), scenario, layout.build.string());
    return {};
}

namespace {

// Prepares an empty log file (and its directory); an error message, or empty.
std::string fresh_log(const fs::path& log) {
    std::error_code ec;
    fs::create_directories(log.parent_path(), ec);
    if (ec) return fmt::format("cannot create {}: {}", log.parent_path().string(), ec.message());
    std::ofstream f(log, std::ios::trunc);
    if (!f) return fmt::format("cannot create {}", log.string());
    return {};
}

// QEMU leaves its listening socket file behind; a later `bulkhead list` must find none.
void remove_control_socket(const QemuConfig& c) {
    std::error_code ec;
    if (!c.control_socket.empty()) fs::remove(c.control_socket, ec);
}

}  // namespace

std::string prepare_control_socket(const QemuConfig& c) {
    if (c.control_socket.empty()) return {};
    // sockaddr_un.sun_path holds 108 bytes including the NUL.
    constexpr size_t kMaxSocketPath = 107;
    if (c.control_socket.native().size() > kMaxSocketPath)
        return fmt::format("control socket path {} is longer than {} bytes (move the build directory "
                           "somewhere shorter)",
                           c.control_socket.string(), kMaxSocketPath);
    std::error_code ec;
    fs::create_directories(c.control_socket.parent_path(), ec);
    if (ec) return fmt::format("cannot create {}: {}", c.control_socket.parent_path().string(), ec.message());
    fs::remove(c.control_socket, ec);
    if (ec) return fmt::format("cannot remove stale {}: {}", c.control_socket.string(), ec.message());
    return {};
}

BootResult boot_headless(const QemuConfig& c, int timeout_s, bool echo) {
    BootResult r;
    r.outcome.program = c.program;
    std::string problem = fresh_log(c.log);
    if (!problem.empty()) {
        r.outcome.kind = QemuOutcome::Kind::SpawnFailed;
        r.outcome.status = EIO;
        r.log_text = problem;
        return r;
    }
    std::ifstream follow(c.log, std::ios::binary);
    auto drain = [&] {
        char buf[4096];
        for (;;) {
            follow.read(buf, sizeof buf);
            std::streamsize n = follow.gcount();
            if (n <= 0) break;
            r.log_text.append(buf, static_cast<size_t>(n));
            if (echo) {
                std::fwrite(buf, 1, static_cast<size_t>(n), stdout);
                std::fflush(stdout);
            }
        }
        follow.clear();  // EOF is temporary while QEMU is still writing
    };
    r.outcome = run_child(qemu_argv(c), timeout_s, true, drain, c.input.string());
    remove_control_socket(c);
    drain();
    if (echo && !r.log_text.empty() && r.log_text.back() != '\n') std::fputc('\n', stdout);
    return r;
}

QemuOutcome boot_interactive(const QemuConfig& c) {
    QemuConfig run = c;
    if (!run.log.empty()) {
        std::string problem = fresh_log(run.log);
        if (!problem.empty()) {
            std::fprintf(stderr, "bulkhead: %s (continuing without a console log)\n", problem.c_str());
            run.log.clear();
        }
    }
    QemuOutcome o = run_child(qemu_argv(run), 0, true, {});
    remove_control_socket(run);
    return o;
}

std::string tail_lines(const std::string& text, size_t n) {
    size_t end = text.size();
    if (end > 0 && text[end - 1] == '\n') --end;
    size_t start = end;
    size_t lines = 0;
    while (start > 0) {
        if (text[start - 1] == '\n' && ++lines == n) break;
        --start;
    }
    return text.substr(start, end - start) + (end > start ? "\n" : "");
}

}  // namespace bh::cli
