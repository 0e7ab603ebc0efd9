// klog: format a line into a stack buffer, keep it in the log ring, hand it to the sink.
#include "lib/log.hpp"

#include "lib/format.hpp"

namespace bh {
namespace {

LogSink g_sink = nullptr;

static_assert(LogRing::size_ok(kKernelLogSize));
uint8_t g_ring_bytes[kKernelLogSize];
// Constant-initialized (a constexpr constructor over a static array): no global constructor.
constinit LogRing g_ring{g_ring_bytes, kKernelLogSize};

}  // namespace

void set_log_sink(LogSink s) { g_sink = s; }

const LogRing& kernel_log() { return g_ring; }

void log_raw(const char* s, size_t len) {
    g_ring.write(s, len);
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
