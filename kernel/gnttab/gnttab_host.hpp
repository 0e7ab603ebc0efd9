// GnttabHost: what grant tables need from the rest of the kernel (domains, frames, paging).
#pragma once

#include <bulkhead/abi.h>

#include "lib/result.hpp"
#include "mem/phys.hpp"

namespace bh {

class GrantTable;

// Implemented by the kernel's domain layer; host tests implement it with a recording fake.
// Grant-table code never reaches domains, frames or page tables any other way.
class GnttabHost {
public:
    // The grant table of a live domain; nullptr for unknown, dying or dead domains.
    virtual GrantTable* table_of(bh_domid_t domid) = 0;
    // Translates `frame_field` (a frame number in the granter's own space, as written in a
    // grant entry) to a machine frame the granter owns, and takes a reference on it that keeps
    // the frame alive even if the granter dies. Fails (BadGrant) if the granter owns no such frame,
    // or (GrantDenied) if `write` and the granter itself may not write it (a read-only page can
    // never be granted writable, as in Xen).
    virtual Result<paddr_t> get_granted_frame(bh_domid_t granter, uint32_t frame_field,
                                              bool write) = 0;
    // Drops a reference taken by get_granted_frame.
    virtual void put_frame(paddr_t pa) = 0;
    // Maps machine frame `pa` at `va` in the mapper's address space. Fails without side effect
    // if `va` is not usable (BadAddress) or already mapped (Busy).
    virtual Result<void> map_foreign(bh_domid_t mapper, vaddr_t va, paddr_t pa, bool writable) = 0;
    // Removes a mapping made by map_foreign (and flushes it from every TLB).
    virtual void unmap_foreign(bh_domid_t mapper, vaddr_t va) = 0;
    // The same, leaving the mapper's devices' translation caches (IOTLB) to one
    // flush_foreign_dma after a batch; the caller must not release the grant before that.
    virtual void unmap_foreign_batched(bh_domid_t mapper, vaddr_t va) { unmap_foreign(mapper, va); }
    virtual void flush_foreign_dma(bh_domid_t) {}
    // The machine frame behind the caller's own page at `va` (page-aligned), for grant copy.
    // Takes no reference: the caller is inside its own hypercall. BadAddress if unmapped or,
    // with `write`, not writable.
    virtual Result<paddr_t> local_frame(bh_domid_t self, vaddr_t va, bool write) = 0;
    // A zeroed frame for the kernel-owned grant entries, or NoMemory.
    virtual Result<paddr_t> alloc_table_frame() = 0;
    virtual void free_table_frame(paddr_t pa) = 0;
    // A retired table's last foreign mapping went away: the kernel may now delete it.
    virtual void table_idle(GrantTable& table) = 0;

protected:
    ~GnttabHost() = default;
};

}  // namespace bh
