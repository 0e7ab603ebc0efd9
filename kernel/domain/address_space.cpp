// AddressSpace: user mappings through the x86-64 page-table walker, frames refcounted.
#include "domain/address_space.hpp"

#include <bulkhead/abi.h>

#include "domain/platform.hpp"
#include "arch/x86_64/page_table.hpp"
#include "mem/machine_frames.hpp"

namespace bh {
namespace {

// Software bits (AVL): bit 9 marks a grant mapping (frame_unmap must not touch it), bit 10 a
// device MMIO page (not RAM: no frame reference to drop).
constexpr uint64_t kForeign = 1ull << 9;
constexpr uint64_t kDevice = 1ull << 10;
constexpr uint32_t kUserPml4Entries = 256;

// Page-table frames come from the machine and are charged to the owning domain.
struct QuotaTables {
    Quota* quota;
    Result<paddr_t> alloc_table() {
        TRYV(quota->charge(kPageSize));
        auto f = machine_frames().alloc();
        if (!f.ok()) quota->release(kPageSize);
        return f;
    }
    void free_table(paddr_t pa) {
        machine_frames().unref(pa);
        quota->release(kPageSize);
    }
};
using Tables = PageTable<QuotaTables>;

}  // namespace

bool user_range_ok(vaddr_t va, size_t n) {
    return va < BH_USER_TOP && n <= BH_USER_TOP - va;
}

Result<void> AddressSpace::init(Quota& quota, paddr_t kernel_root) {
    quota_ = &quota;
    QuotaTables mem{&quota};
    root_ = TRY(mem.alloc_table());
    // Share the kernel half: every space sees the same kernel tables below PML4[256..511].
    auto* dst = phys_as<uint64_t>(root_);
    auto* src = phys_as<const uint64_t>(kernel_root);
    for (unsigned i = kUserPml4Entries; i < 512; ++i) dst[i] = src[i];
    return success();
}

Result<void> AddressSpace::map(vaddr_t va, paddr_t pa, bool writable, bool executable,
                               bool foreign) {
    if (!page_aligned(va) || !user_range_ok(va, kPageSize)) return Error::BadAddress;
    uint64_t flags = Pte::kPresent | Pte::kUser;
    if (writable) flags |= Pte::kWrite;
    if (!executable) flags |= Pte::kNx;
    if (foreign) flags |= kForeign;
    Tables t(root_, QuotaTables{quota_});
    TRYV(t.map(va, pa, flags));
    if (dma_root_) {
        if (auto r = dma_map(va, pa, writable); !r.ok()) {
            (void)t.unmap(va);  // never reachable by the CPU alone: all or nothing
            return r.error();
        }
    }
    machine_frames().ref(pa);
    return success();
}

// Device tables use the walker's layout; a leaf's bit 0 (kPresent) is VT-d's Read and bit 1
// (kWrite) its Write, and the walker's intermediate flags (bits 0-2) are Read, Write and an
// ignored Execute: so the same PageTable builds them.
Result<void> AddressSpace::dma_map(vaddr_t va, paddr_t pa, bool writable) {
    Tables d(dma_root_, QuotaTables{quota_});
    TRYV(d.map(va, pa, writable ? Pte::kWrite : 0));
    platform::iommu_sync();
    return success();
}

Result<void> AddressSpace::enable_dma(uint16_t did) {
    if (dma_root_) return success();
    dma_root_ = TRY(QuotaTables{quota_}.alloc_table());
    dma_did_ = did;
    Result<void> r = success();
    Tables t(root_, QuotaTables{quota_});
    t.for_each_leaf(kUserPml4Lo, kUserPml4Hi, [&](vaddr_t va, const Translation& tr) {
        if (r.ok() && !(tr.flags & kDevice) && tr.page_size == kPageSize)
            r = dma_map(va, tr.pa, (tr.flags & Pte::kWrite) != 0);
    });
    if (!r.ok()) free_dma_tables();
    return r;
}

void AddressSpace::free_dma_tables() {
    if (!dma_root_) return;
    Tables d(dma_root_, QuotaTables{quota_});
    d.free_tables(kUserPml4Lo, kUserPml4Hi);
    QuotaTables{quota_}.free_table(dma_root_);
    dma_root_ = 0;
}

Result<void> AddressSpace::map_device(vaddr_t va, paddr_t pa) {
    if (!page_aligned(va) || !user_range_ok(va, kPageSize)) return Error::BadAddress;
    uint64_t flags = Pte::kPresent | Pte::kUser | Pte::kWrite | Pte::kPcd | Pte::kPwt | Pte::kNx |
                     kDevice;
    Tables t(root_, QuotaTables{quota_});
    return t.map(va, pa, flags);
}

Result<AddressSpace::Leaf> AddressSpace::lookup(vaddr_t va) const {
    if (!user_range_ok(va, 1)) return Error::BadAddress;
    Tables t(root_, QuotaTables{quota_});
    // An unmapped user page is an unusable pointer to the caller (BadAddress), not NotFound.
    auto tr = t.translate(va & ~(kPageSize - 1));
    if (!tr.ok()) return Error::BadAddress;
    return Leaf{tr->pa, (tr->flags & Pte::kWrite) != 0, (tr->flags & kForeign) != 0,
                (tr->flags & kDevice) != 0};
}

void AddressSpace::flush_dma() {
    if (dma_root_) platform::iommu_flush(dma_did_);
}

Result<AddressSpace::Leaf> AddressSpace::unmap(vaddr_t va, bool flush_dma) {
    Leaf leaf = TRY(lookup(va));
    Tables t(root_, QuotaTables{quota_});
    TRY(t.unmap(va & ~(kPageSize - 1)));
    if (platform::mmu_root() == root_) platform::mmu_flush(va);
    if (dma_root_ && !leaf.device) {
        (void)Tables(dma_root_, QuotaTables{quota_}).unmap(va & ~(kPageSize - 1));
        // No device may still reach the frame we drop (a batch flushes once, before any release).
        if (flush_dma || !leaf.foreign) platform::iommu_flush(dma_did_);
    }
    if (!leaf.device) machine_frames().unref(leaf.pa);
    return leaf;
}

void AddressSpace::destroy() {
    if (!root_) return;
    free_dma_tables();  // its devices were detached first (dma_release_all)
    Tables t(root_, QuotaTables{quota_});
    t.for_each_leaf(0, kUserPml4Entries,
                    [](vaddr_t, const Translation& tr) {
                        if (!(tr.flags & kDevice)) machine_frames().unref(tr.pa);
                    });
    t.free_tables(0, kUserPml4Entries);
    QuotaTables{quota_}.free_table(root_);
    root_ = 0;
}

Result<void> AddressSpace::copy_in(void* dst, vaddr_t src, size_t n) const {
    if (!user_range_ok(src, n)) return Error::BadAddress;
    auto* out = static_cast<uint8_t*>(dst);
    while (n) {
        Leaf leaf = TRY(lookup(src));
        if (leaf.device) return Error::BadAddress;  // hypercall buffers are RAM, never MMIO
        size_t off = src & (kPageSize - 1);
        size_t chunk = kPageSize - off < n ? kPageSize - off : n;
        __builtin_memcpy(out, phys_as<uint8_t>(leaf.pa) + off, chunk);
        out += chunk;
        src += chunk;
        n -= chunk;
    }
    return success();
}

Result<void> AddressSpace::check_writable(vaddr_t va, size_t n) const {
    if (!user_range_ok(va, n)) return Error::BadAddress;
    for (vaddr_t p = va & ~(kPageSize - 1); p < va + n; p += kPageSize) {
        Leaf leaf = TRY(lookup(p));
        if (!leaf.writable || leaf.device) return Error::BadAddress;
    }
    return success();
}

Result<void> AddressSpace::copy_out(vaddr_t dst, const void* src, size_t n) const {
    // Validate the whole range first so a failure writes nothing.
    TRYV(check_writable(dst, n));
    auto* in = static_cast<const uint8_t*>(src);
    while (n) {
        Leaf leaf = TRY(lookup(dst));
        size_t off = dst & (kPageSize - 1);
        size_t chunk = kPageSize - off < n ? kPageSize - off : n;
        __builtin_memcpy(phys_as<uint8_t>(leaf.pa) + off, in, chunk);
        in += chunk;
        dst += chunk;
        n -= chunk;
    }
    return success();
}

}  // namespace bh
