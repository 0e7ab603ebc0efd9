// Frame calls: allocate a frame or a run of frames (charged to the caller), map it where the
// caller asks, unmap.
#include "cap/cspace.hpp"
#include "cap/release.hpp"
#include "domain/objects.hpp"
#include "mem/kheap.hpp"
#include "mem/machine_frames.hpp"
#include "syscall/syscall.hpp"

namespace bh {
namespace {

// Gives back what a half-built run holds (frames 0..got-1 and its table).
void free_partial(FrameObj* f, uint32_t got) {
    for (uint32_t i = 0; i < got; ++i) machine_frames().unref(f->table ? f->table[i] : f->pa);
    if (f->table) kfree(f->table, f->pages * sizeof(paddr_t));
    kdelete(f);
}

// count 0 means 1, so callers that pass only the slot get one frame as before.
Result<void> frame_alloc(Domain& self, bh_slot_t dst, uint64_t count) {
    if (count == 0) count = 1;
    if (count > FrameObj::kMaxPages) return Error::BadArg;
    auto pages = static_cast<uint32_t>(count);
    CSpace& cs = *self.cspace;
    auto free_slot = cs.at(dst);
    if (free_slot.ok()) return Error::SlotFull;
    if (free_slot.error() != Error::EmptySlot) return free_slot.error();
    uint64_t charge = FrameObj::charge_for(pages);
    TRYV(self.quota.charge(charge));
    FrameObj* f = knew<FrameObj>();
    if (f && pages > 1) {
        f->pages = pages;
        f->table = static_cast<paddr_t*>(kalloc(pages * sizeof(paddr_t)));
        if (!f->table) {
            kdelete(f);
            f = nullptr;
        }
    }
    uint32_t got = 0;
    for (; f && got < pages; ++got) {
        auto pa = machine_frames().alloc();
        if (!pa.ok()) break;
        if (f->table) f->table[got] = pa.value();
        else f->pa = pa.value();
    }
    if (!f || got < pages) {
        if (f) free_partial(f, got);
        self.quota.release(charge);
        return Error::NoMemory;
    }
    if (f->table) f->pa = f->table[0];
    f->charged = &self;
    kobject_hold(&self);
    return cs.insert(dst, f, BH_R_READ | BH_R_WRITE | BH_R_GRANT);
}

// Maps every frame of the object at va, va + 4 KiB, ...; all or nothing.
Result<void> frame_map(Domain& self, const SysArgs& a) {
    if (a.a2 > 1) return Error::BadArg;
    bool writable = a.a2 != 0;
    uint32_t need = BH_R_READ | (writable ? BH_R_WRITE : 0u);
    FrameObj* f = TRY(self.cspace->lookup_as<FrameObj>(TRY(arg32(a.a0)), need));
    if (a.a1 + uint64_t{f->pages} * kPageSize < a.a1) return Error::BadAddress;
    for (uint32_t i = 0; i < f->pages; ++i) {
        auto r = self.as.map(a.a1 + uint64_t{i} * kPageSize, f->frame(i), writable, false, false);
        if (r.ok()) continue;
        while (i-- > 0) (void)self.as.unmap(a.a1 + uint64_t{i} * kPageSize);
        return r.error();
    }
    return success();
}

}  // namespace

Result<void> sys_frame(Domain& self, const SysArgs& a, SysOut&) {
    switch (a.nr) {
    case BH_CALL_FRAME_ALLOC: return frame_alloc(self, TRY(arg32(a.a0)), a.a1);
    case BH_CALL_FRAME_MAP: return frame_map(self, a);
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
