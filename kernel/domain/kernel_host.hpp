// How event channels and grant tables reach domains, frames and page tables in the kernel.
// Two small classes, since both interfaces name their lookup `table_of`.
#pragma once

#include "evtchn/evtchn_host.hpp"
#include "gnttab/gnttab_host.hpp"

namespace bh {

struct Domain;

class EvtchnKernelHost final : public EvtchnHost {
public:
    EvtchnTable* table_of(bh_domid_t dom) override;
    void notify(bh_domid_t dom) override;
};

class GnttabKernelHost final : public GnttabHost {
public:
    GrantTable* table_of(bh_domid_t dom) override;
    Result<paddr_t> get_granted_frame(bh_domid_t granter, uint32_t frame_field,
                                      bool write) override;
    void put_frame(paddr_t pa) override;
    Result<void> map_foreign(bh_domid_t mapper, vaddr_t va, paddr_t pa, bool writable) override;
    void unmap_foreign(bh_domid_t mapper, vaddr_t va) override;
    void unmap_foreign_batched(bh_domid_t mapper, vaddr_t va) override;
    void flush_foreign_dma(bh_domid_t mapper) override;
    Result<paddr_t> local_frame(bh_domid_t self, vaddr_t va, bool write) override;
    Result<paddr_t> alloc_table_frame() override;
    void free_table_frame(paddr_t pa) override;
    void table_idle(GrantTable& t) override;

    // A dead domain's grant table still mapped by peers charges its owner's quota: the owner
    // object is held until the table goes idle.
    void hold_owner_until_idle(GrantTable& t, Domain& owner);

private:
    struct Retired {
        GrantTable* table;
        Domain* owner;
    };
    Retired retired_[256] = {};
};

EvtchnKernelHost& evtchn_host();
GnttabKernelHost& gnttab_host();

}  // namespace bh
