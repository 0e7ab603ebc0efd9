// The call-number router: a range per object kind, each handled in its own file.
#include "syscall/syscall.hpp"

namespace bh {

Result<void> syscall_dispatch(Domain& self, const SysArgs& a, SysOut& out) {
    if (a.nr < 10) return sys_misc(self, a, out);
    if (a.nr < 20) return sys_cap(self, a, out);
    if (a.nr < 30) return sys_frame(self, a, out);
    if (a.nr < 40) return sys_evtchn(self, a, out);
    if (a.nr < 50) return sys_gnttab(self, a, out);
    if (a.nr < 60) return sys_domain(self, a, out);
    if (a.nr < 80) return sys_machine(self, a, out);
    return Error::BadCall;
}

}  // namespace bh
