// GrantTable, mapper side: map / unmap of other domains' grants and teardown on death.
#include "gnttab/grant_table.hpp"

namespace bh {

Result<uint32_t> GrantTable::map(bh_domid_t granter, bh_grant_ref_t ref, vaddr_t va,
                                 bool readonly) {
    const bool writable = !readonly;
    // Decode: everything checkable without side effects.
    if (retired_) return Error::Dead;
    if (!page_aligned(va)) return Error::BadAddress;
    GrantTable* gt = TRY(live_table(granter));
    TRYV(gt->check(owner_, ref, writable));

    // Invoke: each step undoes the earlier ones, in reverse order, if it fails.
    const uint32_t handle = TRY(maptrack_.reserve());
    Result<uint32_t> frame = gt->acquire(owner_, ref, writable);
    if (!frame) {
        maptrack_.cancel(handle);
        return frame.error();
    }
    Result<paddr_t> pa = host_.get_granted_frame(granter, *frame, writable);
    if (!pa) {
        gt->release(ref, writable);
        maptrack_.cancel(handle);
        return pa.error();
    }
    Result<void> mapped = host_.map_foreign(owner_, va, *pa, writable);
    if (!mapped) {
        host_.put_frame(*pa);
        gt->release(ref, writable);
        maptrack_.cancel(handle);
        return mapped.error();
    }
    maptrack_.commit(handle, MapEntry{gt, va, *pa, ref, granter, writable ? uint16_t{1} : uint16_t{0}});
    ++gt->active_maps_;
    return handle;
}

Result<void> GrantTable::unmap(uint32_t handle) {
    MapEntry* live = maptrack_.lookup(handle);
    if (!live) return Error::BadHandle;
    const MapEntry m = *live;
    maptrack_.remove(handle);
    // The mapping goes before the flags are cleared, so the granter can never revoke and
    // reuse a page this domain can still reach; the frame reference goes last.
    host_.unmap_foreign(owner_, m.va);
    m.granter->release(m.ref, m.writable != 0);
    host_.put_frame(m.pa);
    m.granter->mapping_gone();  // may delete a retired granter table: nothing after this
    return success();
}

void GrantTable::unmap_many(const uint32_t* handles, uint32_t n, Error* status) {
    MapEntry taken[kMaxBatch];
    bool any = false;
    for (uint32_t i = 0; i < n && i < kMaxBatch; ++i) {
        MapEntry* live = maptrack_.lookup(handles[i]);
        status[i] = live ? Error::None : Error::BadHandle;
        if (!live) continue;
        taken[i] = *live;
        maptrack_.remove(handles[i]);
        host_.unmap_foreign_batched(owner_, taken[i].va);
        any = true;
    }
    if (any) host_.flush_foreign_dma(owner_);
    for (uint32_t i = 0; i < n && i < kMaxBatch; ++i) {
        if (status[i] != Error::None) continue;
        taken[i].granter->release(taken[i].ref, taken[i].writable != 0);
        host_.put_frame(taken[i].pa);
        taken[i].granter->mapping_gone();
    }
}

void GrantTable::release_all() {
    for (uint32_t h = maptrack_.next_used(0); h != Maptrack::kNone; h = maptrack_.next_used(h + 1))
        (void)unmap(h);  // cannot fail: h is live
}

}  // namespace bh
