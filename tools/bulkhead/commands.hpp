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
    std::string input;      // a file whose bytes are typed on the serial console (headless)
};

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

}  // namespace bh::cli
