// Intel VT-d legacy-mode root and context tables (VT-d spec §3.4.2–3.4.3, formats §9.1 and
// §9.3): which second-level table translates each PCI function's DMA. A template over the
// table-frame allocator so it runs on the host.
//
// Root table: 256 16-byte entries, one per bus; lo bit 0 = present, bits 63:12 = the bus's
// context table. Context table: 256 16-byte entries, one per devfn; lo bit 0 = present, bit 1 =
// fault processing disable (left 0: every blocked request is reported), bits 3:2 = translation
// type (0: untranslated requests go through the second-level table), bits 63:12 = that table;
// hi bits 2:0 = address width (2: 48-bit, 4-level), bits 23:8 = domain id (tags IOTLB entries).
// A function whose entry is not present has every request blocked and reported.
#pragma once

#include <stdint.h>

#include "arch/x86_64/page_table.hpp"

namespace bh::x86 {

inline constexpr uint64_t kVtdPresent = 1;
inline constexpr uint64_t kVtdAw48 = 2;  // context hi: adjusted guest address width, 4-level
inline constexpr uint32_t kVtdEntries = 256;

struct VtdEntry {
    uint64_t lo;
    uint64_t hi;
};
static_assert(sizeof(VtdEntry) == 16);

struct VtdContext {
    bool present;
    paddr_t sl_root;
    uint16_t did;
};

// Invariants: a present root entry points to a context table from Mem (kept until the object
// goes; at most 256 of them); a present context entry has translation type 0, width 48 bits.
// Entries are written so the hardware, which may read one at any moment, never sees a present
// entry with a stale half: hi before lo when attaching, lo (present bit) first when detaching.
template <PageTableMemory Mem>
class VtdContextTables {
public:
    explicit VtdContextTables(Mem mem = Mem()) : mem_(static_cast<Mem&&>(mem)) {}

    Result<void> init() {
        root_ = TRY(mem_.alloc_table());
        return success();
    }
    paddr_t root() const { return root_; }

    // Errors: BadAddress — sl_root unaligned or beyond 52 bits; NoMemory from the allocator.
    Result<void> attach(uint16_t bdf, paddr_t sl_root, uint16_t did) {
        if ((sl_root & ~Pte::kAddr4K) != 0 || sl_root == 0) return Error::BadAddress;
        VtdEntry* re = &table(root_)[bdf >> 8];
        if (!(load(&re->lo) & kVtdPresent)) {
            paddr_t ct = TRY(mem_.alloc_table());
            store(&re->hi, 0);
            store(&re->lo, ct | kVtdPresent);
        }
        VtdEntry* ce = &table(load(&re->lo) & Pte::kAddr4K)[bdf & 0xff];
        store(&ce->lo, 0);
        store(&ce->hi, kVtdAw48 | uint64_t{did} << 8);
        store(&ce->lo, sl_root | kVtdPresent);
        return success();
    }

    void detach(uint16_t bdf) {
        VtdEntry* ce = context_entry(bdf);
        if (!ce) return;
        store(&ce->lo, 0);
        store(&ce->hi, 0);
    }

    VtdContext context(uint16_t bdf) const {
        const VtdEntry* ce = const_cast<VtdContextTables*>(this)->context_entry(bdf);
        if (!ce || !(load(&ce->lo) & kVtdPresent)) return {false, 0, 0};
        return {true, load(&ce->lo) & Pte::kAddr4K, static_cast<uint16_t>(load(&ce->hi) >> 8)};
    }

private:
    static VtdEntry* table(paddr_t pa) { return phys_as<VtdEntry>(pa); }
    static uint64_t load(const uint64_t* p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
    static void store(uint64_t* p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

    VtdEntry* context_entry(uint16_t bdf) {
        if (!root_) return nullptr;
        uint64_t re = load(&table(root_)[bdf >> 8].lo);
        if (!(re & kVtdPresent)) return nullptr;
        return &table(re & Pte::kAddr4K)[bdf & 0xff];
    }

    Mem mem_;
    paddr_t root_ = 0;
};

}  // namespace bh::x86
