// CLI11 wiring of the control verbs, kept out of main.cpp so each verb's arguments sit together.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace bh::cli {

// The control verbs' subcommands and what they parsed. Invariant: after App::parse, at most
// one verb (or one xenstore sub-verb) reports parsed().
struct ControlVerbs {
    ControlOptions opts;
    std::string name, path, value;
    bool json = false, follow = false;
    CLI::App* list = nullptr;
    CLI::App* domain[4] = {};  // indexed by DomainOp
    CLI::App* console = nullptr;
    CLI::App* xenstore = nullptr;
    CLI::App* xs[4] = {};      // indexed by XenstoreOp
    CLI::App* dmesg = nullptr;
    CLI::App* shutdown = nullptr;
};

// Adds list, pause, unpause, destroy, restart, console, xenstore, dmesg and shutdown to `app`.
// `v` must outlive parsing (its fields are the options' targets).
void add_control_verbs(CLI::App& app, ControlVerbs& v);

// Runs the control verb that was parsed; -1 if none was.
int run_control_verb(const Layout& layout, const ControlVerbs& v);

}  // namespace bh::cli
