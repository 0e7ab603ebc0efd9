// testsvc: a minimal service domain — reports ready, then serves events forever (counting them).
// Role 1 faults after its first ready (a restarted instance serves); role 2 faults every time.
#include <bh/rt.hpp>

using namespace bh::rt;

namespace {

[[noreturn]] void crash() {
    print("testsvc: crashing on purpose (null write)");
    *reinterpret_cast<volatile uint64_t*>(uintptr_t{8}) = 1;
    __builtin_unreachable();
}

}  // namespace

int bh_main(uint64_t, uint64_t arg1) {
    auto role = static_cast<uint32_t>(arg1);
    auto restarts = static_cast<uint32_t>(arg1 >> 32);
    print("testsvc: up as domain %u (role %u, restart %u)", self_id(), role, restarts);
    report_ready();
    if ((role == 1 && restarts == 0) || role == 2) crash();
    for (uint64_t n = 0;; ++n) wait_event();
}
