// The kernel log: one line per call, to whatever sink the platform installed.
#pragma once

#include <stddef.h>

namespace bh {

using LogSink = void (*)(const char* s, size_t len);
void set_log_sink(LogSink);
void klog(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_raw(const char* s, size_t len);

}  // namespace bh
