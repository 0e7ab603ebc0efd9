// The call-number router: a range per object kind, each handled in its own file.
#include "syscall/syscall.hpp"

namespace bh {
namespace {

using Handler = Result<void> (*)(Domain&, const SysArgs&, SysOut&);

// Exactly the published numbers, first..last inclusive. A number outside every range is
// BadCall here, before any handler decodes a slot or a capability: otherwise an unknown number
// would fail with whatever its arguments provoke first (WrongType, BadArg, ...).
struct CallRange {
    uint64_t first;
    uint64_t last;
    Handler handler;
};

constexpr CallRange kCalls[] = {
    {BH_CALL_NULL, BH_CALL_SET_TIMER, sys_misc},
    {BH_CALL_CAP_COPY, BH_CALL_CAP_INFO, sys_cap},
    {BH_CALL_FRAME_ALLOC, BH_CALL_FRAME_UNMAP, sys_frame},
    {BH_CALL_EVTCHN_ALLOC_UNBOUND, BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, sys_evtchn},
    {BH_CALL_GNTTAB_SETUP, BH_CALL_GNTTAB_UNMAP_BATCH, sys_gnttab},
    {BH_CALL_DOMAIN_CREATE, BH_CALL_DOMAIN_CONSOLE_READ, sys_domain},
    {BH_CALL_MACHINE_MODULES, BH_CALL_MACHINE_FIRMWARE, sys_machine},
    {BH_CALL_IO_OUT, BH_CALL_DEVICE_MAP, sys_machine},
    {BH_CALL_MACHINE_IOMMU, BH_CALL_DMA_ASSIGN, sys_dma},
};

}  // namespace

Result<void> syscall_dispatch(Domain& self, const SysArgs& a, SysOut& out) {
    for (const CallRange& r : kCalls)
        if (a.nr >= r.first && a.nr <= r.last) return r.handler(self, a, out);
    return Error::BadCall;
}

}  // namespace bh
