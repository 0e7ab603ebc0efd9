// A UDP throughput measurement both ends of which Bulkhead and the host can play: the source
// sends `n` datagrams as fast as its NIC takes them, then "done" until the sink answers
// "COUNT BYTES MICROSECONDS" (what arrived, first to last). The sink counts every datagram on
// its port; "done" answers and starts a new round. The host's sink (bulkhead bench) speaks the
// same three words.
#pragma once

#include <stdint.h>

#include "bh/netif/ip_stack.hpp"

namespace bh::netif {

struct StreamResult {
    bool answered = false;
    uint64_t count = 0, bytes = 0, us = 0;  // as the sink saw them
    uint64_t mbit_x100() const { return us ? bytes * 800 / us : 0; }  // Mbit/s, two decimals
};

inline bool parse_u64_word(const uint8_t*& p, const uint8_t* end, uint64_t* out) {
    while (p < end && *p == ' ') ++p;
    if (p == end || *p < '0' || *p > '9') return false;
    uint64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') v = v * 10 + static_cast<uint64_t>(*p++ - '0');
    *out = v;
    return true;
}

// pump(ms, on_event): feeds received frames to the stack for up to ms, calling on_event(ev)
// until it returns true. The stack's send function must block until the NIC takes a frame.
template <class Pump>
StreamResult udp_stream(IpStack& st, Pump pump, uint32_t dst, uint16_t port, uint32_t n, uint32_t size) {
    static uint8_t payload[1472];
    if (size > sizeof payload) size = sizeof payload;
    for (uint32_t i = 0; i < size; ++i) payload[i] = static_cast<uint8_t>(i * 31 + 7);
    StreamResult r;
    for (uint32_t i = 0; i < n; ++i) {
        __builtin_memcpy(payload, &i, 4);
        if (!st.send_udp(dst, 40000, port, payload, size)) pump(5, [](const StackEvent&) { return false; });
    }
    for (int tries = 0; tries < 20 && !r.answered; ++tries) {
        st.send_udp(dst, 40001, port, "done", 4);
        pump(250, [&](const StackEvent& ev) {
            if (ev.kind != StackEvent::kUdp || ev.src_ip != dst || ev.sport != port || ev.dport != 40001) return false;
            const uint8_t* p = ev.data;
            r.answered = parse_u64_word(p, ev.data + ev.len, &r.count) && parse_u64_word(p, ev.data + ev.len, &r.bytes) &&
                         parse_u64_word(p, ev.data + ev.len, &r.us);
            return r.answered;
        });
    }
    return r;
}

// The guest's sink: counts datagrams to its port; on "done", fills `reply` and starts over.
struct UdpSink {
    uint64_t count = 0, bytes = 0, first = 0, last = 0;  // TSC
    // True (reply filled, its length in *len) when ev was the source's "done".
    bool on(const StackEvent& ev, uint64_t tsc, uint64_t cycles_per_us, char* reply, uint32_t* len) {
        if (ev.kind != StackEvent::kUdp) return false;
        if (!(ev.len == 4 && __builtin_memcmp(ev.data, "done", 4) == 0)) {
            if (count++ == 0) first = tsc;
            last = tsc;
            bytes += ev.len;
            return false;
        }
        uint64_t us = count > 1 ? (last - first) / (cycles_per_us ? cycles_per_us : 1) : 0;
        uint64_t v[3] = {count, bytes, us};
        uint32_t n = 0;
        for (int k = 0; k < 3; ++k) {
            char tmp[24];
            int d = 0;
            do tmp[d++] = static_cast<char>('0' + v[k] % 10);
            while ((v[k] /= 10) && d < 24);
            if (k) reply[n++] = ' ';
            while (d) reply[n++] = tmp[--d];
        }
        *len = n;
        count = bytes = first = last = 0;
        return true;
    }
};

}  // namespace bh::netif
