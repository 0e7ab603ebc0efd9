// Calls every domain may make on itself: null, console, yield, block, self info, time.
#include "domain/console_buffer.hpp"
#include "domain/cpu.hpp"
#include "domain/lifecycle.hpp"
#include "domain/platform.hpp"
#include "evtchn/evtchn_table.hpp"
#include "lib/log.hpp"
#include "syscall/syscall.hpp"

namespace bh {
namespace {

constexpr size_t kConsoleMax = 256;

// One console line per call, prefixed with the domain's name so interleaved output stays
// attributable; the same line, unprefixed, goes to the domain's own console buffer.
Result<void> console_write(Domain& self, vaddr_t ptr, uint64_t len) {
    if (len > kConsoleMax) return Error::BadArg;
    char buf[kConsoleMax + 1];
    TRYV(self.as.copy_in(buf, ptr, len));
    size_t n = len;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) --n;
    buf[n] = '\0';
    for (size_t i = 0; i < n; ++i)
        if (buf[i] < 0x20 || buf[i] == 0x7f) buf[i] = '?';
    klog("[%s] %s", self.name, buf);
    console_buffer_line(self, buf, n);
    return success();
}

}  // namespace

Result<void> sys_misc(Domain& self, const SysArgs& a, SysOut& out) {
    Cpu& cpu = this_cpu();
    switch (a.nr) {
    case BH_CALL_NULL: return success();
    case BH_CALL_CONSOLE_WRITE: return console_write(self, a.a0, a.a1);
    case BH_CALL_YIELD: cpu.need_resched = true; return success();
    case BH_CALL_BLOCK:
        // Xen's SCHEDOP_block: return at once if an event is already pending.
        if (!self.evtchn->upcall_pending()) {
            cpu.sched.block(self.vcpu.sched);
            cpu.need_resched = true;
        }
        return success();
    case BH_CALL_SELF_INFO:
        out.r1 = self.id;
        out.r2 = BH_USER_SHARED_INFO;
        return success();
    case BH_CALL_EXIT: domain_exit(self, a.a0); return success();
    case BH_CALL_WAKE_LATENCY:
        out.r1 = cpu.ticks - self.vcpu.wake_tick;
        out.r2 = platform::cycles() - self.vcpu.wake_tsc;
        return success();
    case BH_CALL_SET_TIMER:
        if (a.a0 > 100000) return Error::BadArg;
        self.vcpu.timer_period = static_cast<uint32_t>(a.a0);
        self.vcpu.timer_next = cpu.ticks + a.a0;
        return success();
    case BH_CALL_TIME:
        out.r1 = cpu.ticks;
        out.r2 = platform::cycles();
        return success();
    default: return Error::BadCall;
    }
}

}  // namespace bh
