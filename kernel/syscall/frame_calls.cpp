// Frame calls: allocate a frame (charged to the caller), map it where the caller asks, unmap.
#include "cap/cspace.hpp"
#include "cap/release.hpp"
#include "domain/objects.hpp"
#include "mem/kheap.hpp"
#include "mem/machine_frames.hpp"
#include "syscall/syscall.hpp"

namespace bh {
namespace {

Result<void> frame_alloc(Domain& self, bh_slot_t dst) {
    CSpace& cs = *self.cspace;
    auto free_slot = cs.at(dst);
    if (free_slot.ok()) return Error::SlotFull;
    if (free_slot.error() != Error::EmptySlot) return free_slot.error();
    TRYV(self.quota.charge(kPageSize + sizeof(FrameObj)));
    auto pa = machine_frames().alloc();
    FrameObj* f = pa.ok() ? knew<FrameObj>() : nullptr;
    if (!f) {
        if (pa.ok()) machine_frames().unref(pa.value());
        self.quota.release(kPageSize + sizeof(FrameObj));
        return Error::NoMemory;
    }
    f->pa = pa.value();
    f->charged = &self;
    kobject_hold(&self);
    return cs.insert(dst, f, BH_R_READ | BH_R_WRITE | BH_R_GRANT);
}

}  // namespace

Result<void> sys_frame(Domain& self, const SysArgs& a, SysOut&) {
    switch (a.nr) {
    case BH_CALL_FRAME_ALLOC: return frame_alloc(self, TRY(arg32(a.a0)));
    case BH_CALL_FRAME_MAP: {
        bool writable = a.a2 != 0;
        if (a.a2 > 1) return Error::BadArg;
        uint32_t need = BH_R_READ | (writable ? BH_R_WRITE : 0u);
        FrameObj* f = TRY(self.cspace->lookup_as<FrameObj>(TRY(arg32(a.a0)), need));
        return self.as.map(a.a1, f->pa, writable, false, false);
    }
    case BH_CALL_FRAME_UNMAP: {
        auto leaf = TRY(self.as.lookup(a.a0));
        if (leaf.foreign) return Error::Busy;  // grant mappings go through gnttab_unmap
        TRY(self.as.unmap(a.a0));
        return success();
    }
    default: return Error::BadCall;
    }
}

}  // namespace bh
