// AddressSpace: a domain's ring-3 page tables, the only place user mappings are made.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/result.hpp"
#include "mem/phys.hpp"
#include "mem/quota.hpp"

namespace bh {

// Invariants: every leaf in the user half holds one machine-frame reference (taken by map,
// dropped by unmap/destroy); the kernel half is shared with every other space; intermediate
// tables are charged to the owner's quota. Once enable_dma() has run, the device table holds
// exactly the RAM leaves (own frames and grant mappings, not MMIO) at the same addresses, with
// the same writability; a frame leaves it, and the IOMMU's caches, before its reference drops.
class AddressSpace {
public:
    struct Leaf {
        paddr_t pa;
        bool writable;
        bool foreign;  // a grant mapping: owned by the grant table's maptrack, not by frame caps
        bool device;   // device MMIO: not RAM, no frame reference held
    };

    Result<void> init(Quota& quota, paddr_t kernel_root);
    // Maps one 4 KiB page. Busy if something is mapped there; BadAddress outside user space.
    Result<void> map(vaddr_t va, paddr_t pa, bool writable, bool executable, bool foreign);
    // Maps one page of device MMIO, uncached, never executable; holds no frame reference.
    Result<void> map_device(vaddr_t va, paddr_t pa);
    // flush_dma false: the device table loses the page but the IOMMU's caches may keep it until
    // flush_dma(); for batches that release nothing before flushing (grant unmaps).
    Result<Leaf> unmap(vaddr_t va, bool flush_dma = true);
    void flush_dma();
    Result<Leaf> lookup(vaddr_t va) const;
    void destroy();

    paddr_t root() const { return root_; }

    // Builds the device table (what the domain's devices may reach) from the current mappings
    // and keeps it in step from then on; `did` tags its cached translations in the IOMMU.
    // Quota / NoMemory leave no device table behind.
    Result<void> enable_dma(uint16_t did);
    paddr_t dma_root() const { return dma_root_; }

    // Copies between the kernel and this space, checking each page is a present user page
    // (writable for copy_out). Hostile pointers (kernel, non-canonical, unmapped) → BadAddress.
    Result<void> copy_in(void* dst, vaddr_t src, size_t n) const;
    Result<void> copy_out(vaddr_t dst, const void* src, size_t n) const;
    // BadAddress unless [va, va+n) is mapped, writable RAM of this space.
    Result<void> check_writable(vaddr_t va, size_t n) const;

private:
    Result<void> dma_map(vaddr_t va, paddr_t pa, bool writable);
    void free_dma_tables();

    paddr_t root_ = 0;
    Quota* quota_ = nullptr;
    paddr_t dma_root_ = 0;
    uint16_t dma_did_ = 0;
};

bool user_range_ok(vaddr_t va, size_t n);

}  // namespace bh
