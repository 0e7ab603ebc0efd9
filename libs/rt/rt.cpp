// Service runtime: start-up, console lines, exit, and 2-level event consumption from the
// domain's shared_info page (Xen's layout, kernel/evtchn/shared_info.hpp).
#include "bh/rt.hpp"

#include <stdarg.h>

#include "evtchn/shared_info.hpp"
#include "lib/format.hpp"

namespace bh::rt {
namespace {

SharedInfo64* si() { return reinterpret_cast<SharedInfo64*>(BH_USER_SHARED_INFO); }

}  // namespace

void print(const char* fmt, ...) {
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    size_t n = vformat(line, sizeof line, fmt, ap);
    va_end(ap);
    call(BH_CALL_CONSOLE_WRITE, reinterpret_cast<uint64_t>(line), n);
}

void exit(uint64_t code) {
    call(BH_CALL_EXIT, code);
    for (;;) __builtin_ia32_pause();  // not reached: the kernel never resumes an exited domain
}

uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t{hi} << 32) | lo;
}

uint64_t cycles_per_us() {
    Ret a = call(BH_CALL_TIME);
    Ret b = a;
    while (b.r1 < a.r1 + 50) b = call(BH_CALL_TIME);
    uint64_t us = (b.r1 - a.r1) * BH_TICK_MS * 1000;
    return (b.r2 - a.r2) / us ? (b.r2 - a.r2) / us : 1;
}

void sort_u64(uint64_t* v, uint32_t n) {
    for (uint32_t i = 1; i < n; ++i) {
        uint64_t x = v[i];
        uint32_t j = i;
        for (; j > 0 && v[j - 1] > x; --j) v[j] = v[j - 1];
        v[j] = x;
    }
}

bh_domid_t self_id() { return static_cast<bh_domid_t>(call(BH_CALL_SELF_INFO).r1); }

volatile uint8_t* shared_info() { return reinterpret_cast<volatile uint8_t*>(si()); }

// Xen's consumer side, as Linux's 2-level handler does it: clear upcall_pending, swap
// pending_sel to 0, then take every unmasked pending bit of each selected word. Ports taken
// are queued here and handed out one per call.
namespace {
bh_port_t g_batch[256];
unsigned g_head = 0, g_count = 0;

void refill() {
    SharedInfo64* s = si();
    VcpuInfo64& v = s->vcpu_info[0];
    __atomic_store_n(&v.evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    uint64_t sel = __atomic_exchange_n(&v.evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    g_head = g_count = 0;
    while (sel) {
        unsigned w = static_cast<unsigned>(__builtin_ctzll(sel));
        sel &= sel - 1;
        if (g_count + 64 > sizeof g_batch / sizeof g_batch[0]) {
            // No room: leave this word for the next refill.
            __atomic_fetch_or(&v.evtchn_pending_sel, uint64_t{1} << w, __ATOMIC_SEQ_CST);
            __atomic_store_n(&v.evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
            continue;
        }
        uint64_t mask = __atomic_load_n(&s->evtchn_mask[w], __ATOMIC_SEQ_CST);
        uint64_t taken = __atomic_fetch_and(&s->evtchn_pending[w], mask, __ATOMIC_SEQ_CST) & ~mask;
        while (taken) {
            g_batch[g_count++] = w * 64 + static_cast<unsigned>(__builtin_ctzll(taken));
            taken &= taken - 1;
        }
    }
}
}  // namespace

bh_port_t poll_event() {
    if (g_head == g_count) refill();
    return g_head < g_count ? g_batch[g_head++] : 0;
}

bh_port_t wait_event() {
    for (;;) {
        if (bh_port_t p = poll_event()) return p;
        call(BH_CALL_BLOCK);
    }
}

void mask(bh_port_t port, bool masked) {
    SharedInfo64* s = si();
    uint64_t bit = uint64_t{1} << (port % 64);
    if (masked) __atomic_fetch_or(&s->evtchn_mask[port / 64], bit, __ATOMIC_SEQ_CST);
    else __atomic_fetch_and(&s->evtchn_mask[port / 64], ~bit, __ATOMIC_SEQ_CST);
}

void report_ready() { call(BH_CALL_EVTCHN_SEND, BH_SLOT_CONTROL); }

const char* error_name(uint64_t err) {
    static const char* const names[] = {
        "ok", "bad-call", "bad-slot", "empty-slot", "wrong-type", "no-rights", "slot-full",
        "bad-address", "bad-arg", "quota", "no-memory", "no-ports", "bad-port", "bad-domain",
        "bad-grant", "grant-denied", "bad-handle", "busy", "dead", "bad-elf", "bad-state",
        "revoked", "not-found"};
    return err < sizeof names / sizeof names[0] ? names[err] : "?";
}

}  // namespace bh::rt

using InitFn = void (*)();
extern "C" InitFn __init_array_start[], __init_array_end[];

extern "C" [[noreturn]] void bh_rt_start(uint64_t a0, uint64_t a1) {
    // Global constructors first, as a hosted C++ runtime would: a global with a constructor
    // must not silently stay zero.
    for (InitFn* f = __init_array_start; f != __init_array_end; ++f) (*f)();
    int code = bh_main(a0, a1);
    bh::rt::exit(static_cast<uint64_t>(code));
}
