// A 1 KiB ring of console input; overflow drops the newest bytes and counts them.
#include "domain/console.hpp"

#include "domain/domain.hpp"
#include "domain/registry.hpp"
#include "evtchn/evtchn_table.hpp"

namespace bh {
namespace {

constexpr size_t kSize = 1024;
uint8_t g_buf[kSize];
size_t g_head = 0, g_count = 0;
uint64_t g_dropped = 0;

}  // namespace

void console_input(const uint8_t* bytes, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        if (g_count == kSize) {
            ++g_dropped;
            continue;
        }
        g_buf[(g_head + g_count++) % kSize] = bytes[i];
    }
    for_each_domain([](Domain& d) {
        if (d.alive() && d.evtchn) d.evtchn->raise_virq(BH_VIRQ_CONSOLE);
    });
}

size_t console_read(uint8_t* out, size_t n) {
    size_t got = 0;
    while (got < n && g_count) {
        out[got++] = g_buf[g_head];
        g_head = (g_head + 1) % kSize;
        --g_count;
    }
    return got;
}

}  // namespace bh
