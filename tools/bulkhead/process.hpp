// Child processes: start with exec errors reported, wait with a deadline, kill on timeout.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "outcome.hpp"

namespace bh::cli {

// Starts argv[0] (looked up in PATH). On failure returns -1 and sets `err` to the errno of
// exec (or fork). A `tied` child dies with the CLI (PR_SET_PDEATHSIG), so an interrupted or
// timed-out test never leaves QEMU running.
// With `input` set, the child's stdin is that file and its stdout /dev/null; with `output` set,
// its stdout goes to that file (created or truncated) instead.
pid_t spawn(const std::vector<std::string>& argv, bool tied, int& err, const std::string& input = {},
            const std::string& output = {});

// Waits for `pid`, calling `tick` about every 50 ms while it runs (used to follow the serial log).
// With `timeout_s` > 0 the child is killed (SIGKILL) once that many seconds pass. When `tied`,
// SIGTERM/SIGINT/SIGHUP to the CLI kill the child first; otherwise the CLI ignores SIGINT and
// leaves Ctrl-C to the child (meson test handles it itself).
QemuOutcome wait_child(pid_t pid, int timeout_s, bool tied, const std::function<void()>& tick);

// spawn + wait_child; a failed spawn is reported as Kind::SpawnFailed.
QemuOutcome run_child(const std::vector<std::string>& argv, int timeout_s, bool tied,
                      const std::function<void()>& tick, const std::string& input = {},
                      const std::string& output = {});

}  // namespace bh::cli
