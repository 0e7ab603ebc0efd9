// Messages for every way QEMU can end, so a failing run always prints its reason.
#include "outcome.hpp"

#include <cstring>

#include <fmt/format.h>

namespace bh::cli {

std::string describe_outcome(const QemuOutcome& o) {
    switch (o.kind) {
    case QemuOutcome::Kind::SpawnFailed:
        return fmt::format("could not start {}: {}", o.program, std::strerror(o.status));
    case QemuOutcome::Kind::TimedOut:
        return fmt::format("timed out after {} s; QEMU was killed", o.seconds);
    case QemuOutcome::Kind::Signaled:
        return fmt::format("QEMU was killed by signal {} ({})", o.status, strsignal(o.status));
    case QemuOutcome::Kind::Exited:
        break;
    }
    if (o.status == kQemuSuccessStatus) return "QEMU exited with status 33 (kernel reported success)";
    if (o.status == kQemuFailureStatus)
        return "QEMU exited with status 35: the kernel reported failure (wrote 0x11 to port 0xf4)";
    if (o.status == 0)
        return "QEMU exited with status 0: the machine reset or powered off without writing to "
               "port 0xf4 (with -no-reboot a triple fault ends QEMU this way)";
    if (o.status == 1)
        return "QEMU exited with status 1: QEMU itself failed (see its messages above) "
               "or the kernel wrote 0x00 to port 0xf4";
    if (o.status % 2 == 1)
        return fmt::format("QEMU exited with status {}: the kernel wrote 0x{:02x} to port 0xf4 "
                           "(0x10 means success, 0x11 failure)",
                           o.status, o.status >> 1);
    return fmt::format("QEMU exited with status {}", o.status);
}

}  // namespace bh::cli
