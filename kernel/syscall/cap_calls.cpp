// Capability-space calls: copy, mint, move, delete, revoke, info — all within the caller's space.
#include "cap/cspace.hpp"
#include "syscall/syscall.hpp"

namespace bh {

Result<void> sys_cap(Domain& self, const SysArgs& a, SysOut& out) {
    CSpace& cs = *self.cspace;
    uint32_t s0 = TRY(arg32(a.a0));
    switch (a.nr) {
    case BH_CALL_CAP_COPY: return cs.copy(s0, cs, TRY(arg32(a.a1)), TRY(arg32(a.a2)));
    case BH_CALL_CAP_MINT: return cs.mint(s0, cs, TRY(arg32(a.a1)), TRY(arg32(a.a2)), a.a3);
    case BH_CALL_CAP_MOVE: return cs.move(s0, cs, TRY(arg32(a.a1)));
    case BH_CALL_CAP_DELETE: return cs.remove(s0);
    case BH_CALL_CAP_REVOKE: return cs.revoke(s0);
    case BH_CALL_CAP_INFO: {
        Cap* c = TRY(cs.at(s0));
        out.r1 = static_cast<uint64_t>(c->type()) | (uint64_t{c->rights} << 8);
        out.r2 = c->badge;
        return success();
    }
    default: return Error::BadCall;
    }
}

}  // namespace bh
