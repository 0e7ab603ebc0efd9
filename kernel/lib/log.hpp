// The kernel log: one line per call, to whatever sink the platform installed, and into the
// kernel log ring that BH_CALL_MACHINE_DMESG reads.
#pragma once

#include <stddef.h>

#include "lib/log_ring.hpp"

namespace bh {

inline constexpr uint32_t kKernelLogSize = 64 * 1024;

using LogSink = void (*)(const char* s, size_t len);
void set_log_sink(LogSink);
void klog(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_raw(const char* s, size_t len);

// Everything logged since boot, the last kKernelLogSize bytes of it. Written before the sink
// is installed too, so early boot lines are there for dmesg.
const LogRing& kernel_log();

}  // namespace bh
