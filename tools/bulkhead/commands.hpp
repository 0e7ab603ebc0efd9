// The CLI's verbs. Each returns the process exit status: 0 success, 1 failure (reason printed).
#pragma once

#include <string>
#include <vector>

#include "layout.hpp"
#include "log_claim.hpp"
#include "qemu.hpp"

namespace bh::cli {

// Options shared by every verb that boots a scenario.
struct BootOptions {
    int timeout_s = 120;
    bool kvm = false;
    std::string append;     // extra kernel command-line words
    std::string qemu_args;  // extra QEMU arguments, split on spaces
    std::string machine = "plain";  // machine.hpp: plain, devices, devices-no-iommu
    std::string input;      // a file whose bytes are typed on the serial console (headless)
    std::vector<std::string> hostfwd;  // machine.hpp add_hostfwds: "udp:10.0.2.16:7", ...
};

// Options shared by every verb that talks to a running system over its control socket.
struct ControlOptions {
    std::string scenario = "default";  // whose socket: build/run/SCENARIO.ctl (the demo's by default)
    int timeout_s = 10;                // per request: connect, send and the whole reply
};

enum class DomainOp { Pause, Unpause, Destroy, Restart };
enum class XenstoreOp { Read, Write, Ls, Rm };

// Builds the QEMU configuration for `scenario` and claims its serial log (build/logs/NAME.log,
// or NAME.2.log... while another run holds that); keep `log` alive until QEMU has finished.
// Returns an error message (missing kernel or image, --kvm without /dev/kvm, no log), or empty.
std::string make_config(const Layout& layout, const std::string& scenario, const BootOptions& opts,
                        QemuConfig& out, LogClaim& log);

// Prints malformed-marker warnings to stderr.
void warn_malformed(const std::vector<std::string>& malformed);

int cmd_scenario(const Layout& layout, const std::string& name, const BootOptions& opts);
int cmd_demo(const Layout& layout, bool check, const BootOptions& opts);
int cmd_test(const Layout& layout, bool quick, const std::vector<std::string>& meson_args);
int cmd_bench(const Layout& layout, bool json, const BootOptions& opts);

// The control verbs (cmd_control.cpp). Arguments are already validated (control_format.hpp).
int cmd_list(const Layout& layout, const ControlOptions& opts, bool json);
int cmd_domain(const Layout& layout, const ControlOptions& opts, DomainOp op, const std::string& name);
int cmd_console(const Layout& layout, const ControlOptions& opts, const std::string& name, bool follow);
int cmd_xenstore(const Layout& layout, const ControlOptions& opts, XenstoreOp op, const std::string& path,
                 const std::string& value);
int cmd_dmesg(const Layout& layout, const ControlOptions& opts);
int cmd_shutdown(const Layout& layout, const ControlOptions& opts);

}  // namespace bh::cli
