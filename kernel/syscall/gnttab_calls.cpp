// Grant-table calls through the caller's GntTab capability: set up (map own table), map and
// unmap a peer's grant, grant copy.
#include "cap/cspace.hpp"
#include "domain/objects.hpp"
#include "gnttab/grant_table.hpp"
#include "syscall/syscall.hpp"

namespace bh {
namespace {

constexpr uint32_t kMaxCopyOps = 16;

Result<void> setup(Domain& self, GrantTable& gt, vaddr_t va, uint64_t nr) {
    if (nr == 0 || nr > GrantTable::kMaxFrames || !page_aligned(va) ||
        !user_range_ok(va, nr * kPageSize))
        return Error::BadArg;
    TRYV(gt.grow(static_cast<uint32_t>(nr)));
    // Map every frame not yet mapped at va (a repeated setup with more frames extends it).
    for (uint32_t i = 0; i < gt.nr_frames(); ++i) {
        vaddr_t at = va + i * kPageSize;
        auto leaf = self.as.lookup(at);
        if (leaf.ok() && leaf.value().pa == gt.frame_paddr(i)) continue;
        if (leaf.ok()) return Error::Busy;
        TRYV(self.as.map(at, gt.frame_paddr(i), true, false, true));
    }
    return success();
}

Result<void> copy(Domain& self, GrantTable& gt, vaddr_t ptr, uint64_t count) {
    if (count == 0 || count > kMaxCopyOps) return Error::BadArg;
    bh_grant_copy ops[kMaxCopyOps];
    size_t bytes = count * sizeof(bh_grant_copy);
    TRYV(self.as.copy_in(ops, ptr, bytes));
    TRYV(gt.copy(ops, static_cast<uint32_t>(count)));
    return self.as.copy_out(ptr, ops, bytes);
}

}  // namespace

Result<void> sys_gnttab(Domain& self, const SysArgs& a, SysOut& out) {
    GnttabObj* g = TRY(self.cspace->lookup_as<GnttabObj>(TRY(arg32(a.a0)), BH_R_WRITE));
    // A grant table acts for its own domain only: its maps land in that domain's space.
    if (g->dom != &self || !self.gnttab) return Error::NoRights;
    GrantTable& gt = *self.gnttab;
    switch (a.nr) {
    case BH_CALL_GNTTAB_SETUP: return setup(self, gt, a.a1, a.a2);
    case BH_CALL_GNTTAB_MAP: {
        bh_domid_t dom = TRY(arg_domid(a.a1));
        uint32_t ref = TRY(arg32(a.a2));
        if (a.a4 > 1) return Error::BadArg;
        if (!page_aligned(a.a3) || !user_range_ok(a.a3, kPageSize)) return Error::BadAddress;
        out.r1 = TRY(gt.map(dom, ref, a.a3, a.a4 != 0));
        return success();
    }
    case BH_CALL_GNTTAB_UNMAP: return gt.unmap(TRY(arg32(a.a1)));
    case BH_CALL_GNTTAB_COPY: return copy(self, gt, a.a1, a.a2);
    default: return Error::BadCall;
    }
}

}  // namespace bh
