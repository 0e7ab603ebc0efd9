// Every argument is checked here, before any connection is made, with the reason named.
#include "control_verbs.hpp"

#include "control_format.hpp"

namespace bh::cli {
namespace {

constexpr int kMaxControlTimeout = 3600;

// A CLI11 validator from one of control_format.hpp's checks.
CLI::Validator rule(std::string (*check)(std::string_view), const std::string& what) {
    return CLI::Validator([check](std::string& s) { return check(s); }, what);
}

// --scenario and --timeout, which every control verb takes.
void add_target(CLI::App* cmd, ControlOptions& opts) {
    cmd->add_option("--scenario", opts.scenario,
                    "talk to this running scenario (build/run/NAME.ctl) instead of the demo")
        ->check([](const std::string& s) {
            return valid_scenario_name(s) ? std::string()
                                          : "scenario names use only letters, digits, '-' and '_'";
        });
    cmd->add_option("--timeout", opts.timeout_s, "seconds to wait for each reply (default 10)")
        ->check(CLI::Range(1, kMaxControlTimeout));
}

CLI::App* add_verb(CLI::App& app, ControlVerbs& v, const std::string& name, const std::string& help) {
    CLI::App* cmd = app.add_subcommand(name, help);
    add_target(cmd, v.opts);
    return cmd;
}

void add_name(CLI::App* cmd, ControlVerbs& v) {
    cmd->add_option("NAME", v.name, "domain name")->required()->check(rule(check_domain_name, "NAME"));
}

}  // namespace

void add_control_verbs(CLI::App& app, ControlVerbs& v) {
    v.list = add_verb(app, v, "list", "list the running system's domains (xl list columns)");
    v.list->add_flag("--json", v.json,
                     "one JSON array: name, id, mem_kib, vcpus, state, cpu_time_s, restarts");

    const char* ops[4][2] = {{"pause", "stop scheduling a domain"},
                             {"unpause", "let a paused domain run again"},
                             {"destroy", "stop a domain for good and free what it holds"},
                             {"restart", "restart a domain under the same id"}};
    for (int i = 0; i < 4; ++i) {
        v.domain[i] = add_verb(app, v, ops[i][0], ops[i][1]);
        add_name(v.domain[i], v);
    }

    v.console = add_verb(app, v, "console", "print a domain's buffered console output");
    add_name(v.console, v);
    v.console->add_flag("--follow,-f", v.follow, "keep printing new output (every 0.5 s) until Ctrl-C");

    v.xenstore = add_verb(app, v, "xenstore", "read, write, list or remove a xenstore node");
    v.xenstore->require_subcommand(1, 1);
    const char* xs[4][2] = {{"read", "print a node's value"},
                            {"write", "set a node's value"},
                            {"ls", "print a node's children, one a line"},
                            {"rm", "remove a node and its children"}};
    for (int i = 0; i < 4; ++i) {
        v.xs[i] = v.xenstore->add_subcommand(xs[i][0], xs[i][1]);
        v.xs[i]->fallthrough();  // --scenario/--timeout may follow the sub-verb too
        v.xs[i]->add_option("PATH", v.path, "xenstore path")->required()->check(rule(check_xenstore_path, "PATH"));
    }
    v.xs[static_cast<int>(XenstoreOp::Write)]
        ->add_option("VALUE", v.value, "the new value")
        ->required()
        ->check(rule(check_xenstore_value, "VALUE"));

    v.dmesg = add_verb(app, v, "dmesg", "print the kernel log");
    v.shutdown = add_verb(app, v, "shutdown", "power the running system off");
}

int run_control_verb(const Layout& layout, const ControlVerbs& v) {
    if (v.list->parsed()) return cmd_list(layout, v.opts, v.json);
    for (int i = 0; i < 4; ++i) {
        if (v.domain[i]->parsed()) return cmd_domain(layout, v.opts, static_cast<DomainOp>(i), v.name);
    }
    if (v.console->parsed()) return cmd_console(layout, v.opts, v.name, v.follow);
    for (int i = 0; i < 4; ++i) {
        if (v.xs[i]->parsed()) return cmd_xenstore(layout, v.opts, static_cast<XenstoreOp>(i), v.path, v.value);
    }
    if (v.dmesg->parsed()) return cmd_dmesg(layout, v.opts);
    if (v.shutdown->parsed()) return cmd_shutdown(layout, v.opts);
    return -1;
}

}  // namespace bh::cli
