// klog: format a line into a stack buffer and hand it to the sink.
#include "lib/log.hpp"

#include "lib/format.hpp"

namespace bh {
namespace {
LogSink g_sink = nullptr;
}

void set_log_sink(LogSink s) { g_sink = s; }

void log_raw(const char* s, size_t len) {
    if (g_sink) g_sink(s, len);
}

void klog(const char* fmt, ...) {
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    size_t n = vformat(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    line[n++] = '\n';
    log_raw(line, n);
}

}  // namespace bh
