// Grant-table calls through the caller's GntTab capability: set up (map own table), map and
// unmap a peer's grant, grant copy.
#include "cap/cspace.hpp"
#include "domain/objects.hpp"
#include "gnttab/grant_table.hpp"
#include "syscall/syscall.hpp"

namespace bh {
namespace {

constexpr uint32_t kMaxCopyOps = 16;

// Maps the table's first nr frames at va, growing the table to nr frames first. Decode checks
// that every target page is free or already maps its frame, so only resources can fail after
// the growth; a mapping that fails for want of a page table undoes this call's mappings (the
// grown frames stay: a GrantTable never shrinks, and a later setup maps them).
Result<void> setup(Domain& self, GrantTable& gt, vaddr_t va, uint64_t nr) {
    if (nr == 0 || nr > GrantTable::kMaxFrames || !page_aligned(va) ||
        !user_range_ok(va, nr * kPageSize))
        return Error::BadArg;
    const auto n = static_cast<uint32_t>(nr);
    for (uint32_t i = 0; i < n; ++i) {
        auto leaf = self.as.lookup(va + i * kPageSize);
        if (leaf.ok() && (i >= gt.nr_frames() || leaf.value().pa != gt.frame_paddr(i)))
            return Error::Busy;
    }
    TRYV(gt.grow(n));
    static_assert(GrantTable::kMaxFrames <= 32, "one bit per frame mapped by this call");
    uint32_t mapped_now = 0;
    for (uint32_t i = 0; i < n; ++i) {
        vaddr_t at = va + i * kPageSize;
        if (self.as.lookup(at).ok()) continue;  // already this frame (checked above)
        if (auto r = self.as.map(at, gt.frame_paddr(i), true, false, true); !r.ok()) {
            for (uint32_t j = 0; j < i; ++j)
                if (mapped_now & (1u << j)) (void)self.as.unmap(va + j * kPageSize);
            return r.error();
        }
        mapped_now |= 1u << i;
    }
    return success();
}

Result<void> copy(Domain& self, GrantTable& gt, vaddr_t ptr, uint64_t count) {
    if (count == 0 || count > kMaxCopyOps) return Error::BadArg;
    bh_grant_copy ops[kMaxCopyOps];
    size_t bytes = count * sizeof(bh_grant_copy);
    TRYV(self.as.copy_in(ops, ptr, bytes));
    // The statuses go back into the same array: check it is writable before any segment is
    // copied, so an unusable array fails the call without side effects.
    TRYV(self.as.check_writable(ptr, bytes));
    TRYV(gt.copy(ops, static_cast<uint32_t>(count)));
    return self.as.copy_out(ptr, ops, bytes);
}

// Copies ops in, checks the array is writable (so a bad pointer fails with nothing done), runs
// each, and copies the statuses (and handles) back.
Result<void> map_batch(GrantTable& gt, Domain& self, vaddr_t ptr, uint64_t count) {
    if (count == 0 || count > GrantTable::kMaxBatch) return Error::BadArg;
    bh_grant_map ops[GrantTable::kMaxBatch];
    size_t bytes = count * sizeof(bh_grant_map);
    TRYV(self.as.copy_in(ops, ptr, bytes));
    TRYV(self.as.check_writable(ptr, bytes));
    for (uint64_t i = 0; i < count; ++i) {
        bh_grant_map& op = ops[i];
        Result<uint32_t> h = op.readonly > 1 ? Result<uint32_t>(Error::BadArg)
                             : !page_aligned(op.vaddr) || !user_range_ok(op.vaddr, kPageSize)
                                 ? Result<uint32_t>(Error::BadAddress)
                                 : gt.map(op.domid, op.ref, op.vaddr, op.readonly != 0);
        op.status = static_cast<int16_t>(h.ok() ? Error::None : h.error());
        op.handle = h.ok() ? h.value() : 0;
    }
    return self.as.copy_out(ptr, ops, bytes);
}

Result<void> unmap_batch(GrantTable& gt, Domain& self, vaddr_t ptr, uint64_t count) {
    if (count == 0 || count > GrantTable::kMaxBatch) return Error::BadArg;
    bh_grant_unmap ops[GrantTable::kMaxBatch];
    size_t bytes = count * sizeof(bh_grant_unmap);
    TRYV(self.as.copy_in(ops, ptr, bytes));
    TRYV(self.as.check_writable(ptr, bytes));
    uint32_t handles[GrantTable::kMaxBatch];
    Error status[GrantTable::kMaxBatch];
    for (uint64_t i = 0; i < count; ++i) handles[i] = ops[i].handle;
    gt.unmap_many(handles, static_cast<uint32_t>(count), status);
    for (uint64_t i = 0; i < count; ++i) ops[i].status = static_cast<int16_t>(status[i]);
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
    case BH_CALL_GNTTAB_MAP_BATCH: return map_batch(gt, self, a.a1, a.a2);
    case BH_CALL_GNTTAB_UNMAP_BATCH: return unmap_batch(gt, self, a.a1, a.a2);
    default: return Error::BadCall;
    }
}

}  // namespace bh
