// How a QEMU run ended, and what that means under the isa-debug-exit convention.
#pragma once

#include <string>

namespace bh::cli {

// The kernel writes a byte v to port 0xf4; QEMU then exits with status (v << 1) | 1.
inline constexpr int kExitPort = 0xf4;
inline constexpr int kKernelSuccessByte = 0x10;
inline constexpr int kKernelFailureByte = 0x11;
inline constexpr int kQemuSuccessStatus = (kKernelSuccessByte << 1) | 1;  // 33
inline constexpr int kQemuFailureStatus = (kKernelFailureByte << 1) | 1;  // 35

// Exactly one way a run ended. `status` is the exit status (Exited), signal number
// (Signaled) or errno (SpawnFailed); `seconds` the limit that expired (TimedOut).
struct QemuOutcome {
    enum class Kind { Exited, Signaled, TimedOut, SpawnFailed } kind = Kind::Exited;
    int status = 0;
    int seconds = 0;
    std::string program;  // what was run, for messages

    bool succeeded() const { return kind == Kind::Exited && status == kQemuSuccessStatus; }
};

// One sentence saying how the run ended and, when it failed, the likely cause.
std::string describe_outcome(const QemuOutcome& o);

}  // namespace bh::cli
