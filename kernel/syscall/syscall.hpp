// Native hypercalls: decoded arguments in, an error and up to two results out.
#pragma once

#include <stdint.h>

#include "domain/domain.hpp"
#include "lib/result.hpp"

namespace bh {

struct SysArgs {
    uint64_t nr, a0, a1, a2, a3, a4, a5;
};

struct SysOut {
    uint64_t r1 = 0;
    uint64_t r2 = 0;
};

// Per-object handler groups. Each validates every argument before changing anything.
Result<void> sys_misc(Domain& self, const SysArgs& a, SysOut& out);
Result<void> sys_cap(Domain& self, const SysArgs& a, SysOut& out);
Result<void> sys_frame(Domain& self, const SysArgs& a, SysOut& out);
Result<void> sys_evtchn(Domain& self, const SysArgs& a, SysOut& out);
Result<void> sys_gnttab(Domain& self, const SysArgs& a, SysOut& out);
Result<void> sys_domain(Domain& self, const SysArgs& a, SysOut& out);
Result<void> sys_machine(Domain& self, const SysArgs& a, SysOut& out);
Result<void> sys_dma(Domain& self, const SysArgs& a, SysOut& out);

// Routes by call number; unknown numbers → BadCall.
Result<void> syscall_dispatch(Domain& self, const SysArgs& a, SysOut& out);

// Argument narrowing that refuses instead of truncating.
inline Result<uint32_t> arg32(uint64_t v) {
    if (v > 0xffffffffull) return Error::BadArg;
    return static_cast<uint32_t>(v);
}
inline Result<bh_domid_t> arg_domid(uint64_t v) {
    if (v > 0xffffull) return Error::BadDomain;
    return static_cast<bh_domid_t>(v);
}

}  // namespace bh
