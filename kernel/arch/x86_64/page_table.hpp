// x86-64 4-level page tables as a template over a table-frame allocator, so it runs on the host.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <concepts>

#include "lib/result.hpp"
#include "mem/phys.hpp"

namespace bh {

// One entry of a PML4, PDPT, PD or PT (AMD64 APM vol. 2, §5.3 "Long-Mode Page Translation",
// entry fields in §5.4). Bits 51:12 hold a frame address (MAXPHYADDR is at most 52); bits
// 11:9 and 58:52 are ignored by the CPU and free for software; 62:59 are protection keys.
struct Pte {
    static constexpr uint64_t kPresent = 1ull << 0;   // P
    static constexpr uint64_t kWrite = 1ull << 1;     // R/W
    static constexpr uint64_t kUser = 1ull << 2;      // U/S
    static constexpr uint64_t kPwt = 1ull << 3;       // page-level write-through
    static constexpr uint64_t kPcd = 1ull << 4;       // page-level cache disable
    static constexpr uint64_t kAccessed = 1ull << 5;  // A, set by the CPU
    static constexpr uint64_t kDirty = 1ull << 6;     // D, set by the CPU (leaves only)
    // In a PDPE / PDE, PS makes the entry a 1 GiB / 2 MiB leaf; in a PTE the same bit is PAT.
    static constexpr uint64_t kPs = 1ull << 7;
    static constexpr uint64_t kPat4K = 1ull << 7;
    static constexpr uint64_t kGlobal = 1ull << 8;    // G (leaves only)
    static constexpr uint64_t kAvail = 7ull << 9;     // AVL, bits 11:9
    static constexpr uint64_t kPatLarge = 1ull << 12; // PAT of a 2 MiB / 1 GiB leaf
    static constexpr uint64_t kNx = 1ull << 63;       // no-execute (needs EFER.NXE)

    static constexpr uint64_t kAddr4K = 0x000F'FFFF'FFFF'F000ull;  // bits 51:12
    static constexpr uint64_t kAddr2M = 0x000F'FFFF'FFE0'0000ull;  // bits 51:21
    static constexpr uint64_t kAddr1G = 0x000F'FFFF'C000'0000ull;  // bits 51:30

    uint64_t raw;

    bool present() const { return (raw & kPresent) != 0; }
    bool large() const { return (raw & kPs) != 0; }
    paddr_t addr() const { return raw & kAddr4K; }
};
static_assert(sizeof(Pte) == 8 && alignof(Pte) == 8);
static_assert(offsetof(Pte, raw) == 0);
static_assert(Pte::kAddr4K == (((1ull << 52) - 1) & ~(kPageSize - 1)), "address is bits 51:12");
static_assert((Pte::kAddr4K & (Pte::kPresent | Pte::kWrite | Pte::kUser | Pte::kPwt | Pte::kPcd |
                               Pte::kAccessed | Pte::kDirty | Pte::kPs | Pte::kGlobal |
                               Pte::kAvail | Pte::kNx)) == 0,
              "flags and address never overlap");
static_assert((Pte::kAddr2M & Pte::kPatLarge) == 0 && (Pte::kAddr4K & Pte::kPatLarge) != 0,
              "a large leaf's PAT bit sits where a 4 KiB address bit would");

inline constexpr uint32_t kPtEntries = 512;
inline constexpr uint64_t kPageSize2M = 1ull << 21;
inline constexpr uint64_t kPageSize1G = 1ull << 30;
// PML4 index ranges for for_each_leaf / free_tables, half-open: [lo, hi).
inline constexpr uint32_t kUserPml4Lo = 0;
inline constexpr uint32_t kUserPml4Hi = 256;  // user half: indices 0..255
inline constexpr uint32_t kKernelPml4Hi = 512;

// Flags map() accepts for a 4 KiB leaf (P is always set). Anything else, notably address bits
// or PS-as-PAT confusion with large pages, is a caller bug worth refusing.
inline constexpr uint64_t kLeafFlags = Pte::kPresent | Pte::kWrite | Pte::kUser | Pte::kPwt |
                                       Pte::kPcd | Pte::kAccessed | Pte::kDirty | Pte::kPat4K |
                                       Pte::kGlobal | Pte::kAvail | Pte::kNx;
// Intermediate entries grant everything; the leaf alone decides the access rights.
inline constexpr uint64_t kTableFlags = Pte::kPresent | Pte::kWrite | Pte::kUser;

// Bits 63:47 all equal: the only addresses a 4-level walk accepts (APM vol. 2, §5.3.1).
constexpr bool canonical(vaddr_t va) {
    return static_cast<uint64_t>(static_cast<int64_t>(va << 16) >> 16) == va;
}

// What a leaf maps for one virtual address.
struct Translation {
    paddr_t pa;          // the 4 KiB frame holding the address (the right one inside a large leaf)
    uint64_t flags;      // the leaf entry's bits outside its address field
    uint64_t page_size;  // the leaf's reach: kPageSize, kPageSize2M or kPageSize1G
};

// Where a PageTable gets its table frames. alloc_table returns a zeroed 4 KiB frame, reachable
// through phys_to_virt, and charges it to someone's quota; free_table takes one back.
template <class M>
concept PageTableMemory = requires(M& m, paddr_t pa) {
    { m.alloc_table() } -> std::same_as<Result<paddr_t>>;
    { m.free_table(pa) } -> std::same_as<void>;
};

// A 4-level (PML4) address space rooted at a frame the caller owns.
// Invariants: every present non-leaf entry points to a frame from Mem::alloc_table (or, in the
// kernel half, one the boot code built); map() and unmap() touch only 4 KiB leaves; a failed
// map() leaves every table exactly as it found it. Tables are freed only by free_tables().
// No call flushes the TLB: after unmap() or a flag change the caller does invlpg / CR3 reload.
// Every walk is fixed-depth loops — no recursion on the 16 KiB kernel stack.
template <PageTableMemory Mem>
class PageTable {
public:
    explicit PageTable(paddr_t root, Mem mem = Mem())
        : root_(root), mem_(static_cast<Mem&&>(mem)) {}

    paddr_t root() const { return root_; }
    Mem& mem() { return mem_; }

    // Maps the 4 KiB page at va to pa, creating intermediate tables as needed.
    // Errors: BadAddress — va non-canonical or unaligned, pa unaligned or beyond 52 bits;
    //         BadArg — flags outside kLeafFlags; Busy — va already mapped (by a 4 KiB leaf or
    //         inside a large one); whatever alloc_table returns (Quota, NoMemory), with the
    //         tables it built on the way unlinked and freed again.
    Result<void> map(vaddr_t va, paddr_t pa, uint64_t flags) {
        if (!canonical(va) || !page_aligned(va) || (pa & ~Pte::kAddr4K) != 0)
            return Error::BadAddress;
        if ((flags & ~kLeafFlags) != 0) return Error::BadArg;

        Pte* linked[3];  // entries this call filled with new tables, for undoing
        uint32_t n = 0;
        Pte* table = table_at(root_);
        for (uint32_t level = 4; level > 1; --level) {
            Pte* slot = &table[index(va, level)];
            Pte e = load(slot);
            if (e.present()) {
                if (e.large()) return Error::Busy;  // only reachable before anything was built
                table = table_at(e.addr());
                continue;
            }
            Result<paddr_t> frame = mem_.alloc_table();
            if (!frame) {
                undo(linked, n);
                return frame.error();
            }
            store(slot, Pte{frame.value() | kTableFlags});
            linked[n++] = slot;
            table = table_at(frame.value());
        }
        Pte* leaf = &table[index(va, 1)];
        if (load(leaf).present()) return Error::Busy;  // n == 0 here: fresh tables are empty
        store(leaf, Pte{pa | flags | Pte::kPresent});
        return success();
    }

    // Removes the 4 KiB leaf at va and returns the frame it mapped. Intermediate tables stay.
    // Errors: BadAddress — va non-canonical or unaligned; NotFound — nothing mapped there;
    //         Busy — va lies in a 2 MiB / 1 GiB leaf, which this walker does not split.
    Result<paddr_t> unmap(vaddr_t va) {
        if (!canonical(va) || !page_aligned(va)) return Error::BadAddress;
        Pte* table = table_at(root_);
        for (uint32_t level = 4; level > 1; --level) {
            Pte e = load(&table[index(va, level)]);
            if (!e.present()) return Error::NotFound;
            if (level < 4 && e.large()) return Error::Busy;
            table = table_at(e.addr());
        }
        Pte* leaf = &table[index(va, 1)];
        Pte e = load(leaf);
        if (!e.present()) return Error::NotFound;
        store(leaf, Pte{0});
        return e.addr();
    }

    // The leaf that maps va, any offset within the page. Follows 1 GiB and 2 MiB leaves, so it
    // can walk tables the boot code built. Errors: BadAddress — non-canonical; NotFound.
    Result<Translation> translate(vaddr_t va) const {
        if (!canonical(va)) return Error::BadAddress;
        const Pte* table = table_at(root_);
        for (uint32_t level = 4; level >= 1; --level) {
            Pte e = load(&table[index(va, level)]);
            if (!e.present()) return Error::NotFound;
            if (level == 1 || (level < 4 && e.large())) return leaf_translation(e, level, va);
            table = table_at(e.addr());
        }
        return Error::NotFound;  // not reached: level 1 always returns
    }

    // Calls f(vaddr_t va, const Translation& t) for every leaf under PML4 entries [lo, hi),
    // in address order; va is the leaf's first address (canonical), t.pa its first frame.
    template <class F>
    void for_each_leaf(uint32_t pml4_lo, uint32_t pml4_hi, F f) const {
        const Pte* pml4 = table_at(root_);
        for (uint32_t i4 = pml4_lo; i4 < pml4_hi && i4 < kPtEntries; ++i4) {
            Pte e4 = load(&pml4[i4]);
            if (!e4.present()) continue;
            const Pte* pdpt = table_at(e4.addr());
            for (uint32_t i3 = 0; i3 < kPtEntries; ++i3) {
                Pte e3 = load(&pdpt[i3]);
                if (!e3.present()) continue;
                vaddr_t va3 = make_va(i4, i3, 0, 0);
                if (e3.large()) {
                    f(va3, leaf_translation(e3, 3, va3));
                    continue;
                }
                const Pte* pd = table_at(e3.addr());
                for (uint32_t i2 = 0; i2 < kPtEntries; ++i2) {
                    Pte e2 = load(&pd[i2]);
                    if (!e2.present()) continue;
                    vaddr_t va2 = make_va(i4, i3, i2, 0);
                    if (e2.large()) {
                        f(va2, leaf_translation(e2, 2, va2));
                        continue;
                    }
                    const Pte* pt = table_at(e2.addr());
                    for (uint32_t i1 = 0; i1 < kPtEntries; ++i1) {
                        Pte e1 = load(&pt[i1]);
                        vaddr_t va1 = make_va(i4, i3, i2, i1);
                        if (e1.present()) f(va1, leaf_translation(e1, 1, va1));
                    }
                }
            }
        }
    }

    // Unlinks PML4 entries [lo, hi) and frees every table beneath them (not the root, not the
    // frames leaves point to: release those first with for_each_leaf). The address space must
    // not be live on any CPU, since the freed frames may be reused at once.
    void free_tables(uint32_t pml4_lo, uint32_t pml4_hi) {
        Pte* pml4 = table_at(root_);
        for (uint32_t i4 = pml4_lo; i4 < pml4_hi && i4 < kPtEntries; ++i4) {
            Pte e4 = load(&pml4[i4]);
            if (!e4.present()) continue;
            store(&pml4[i4], Pte{0});
            const Pte* pdpt = table_at(e4.addr());
            for (uint32_t i3 = 0; i3 < kPtEntries; ++i3) {
                Pte e3 = load(&pdpt[i3]);
                if (!e3.present() || e3.large()) continue;
                const Pte* pd = table_at(e3.addr());
                for (uint32_t i2 = 0; i2 < kPtEntries; ++i2) {
                    Pte e2 = load(&pd[i2]);
                    if (e2.present() && !e2.large()) mem_.free_table(e2.addr());
                }
                mem_.free_table(e3.addr());
            }
            mem_.free_table(e4.addr());
        }
    }

private:
    static Pte* table_at(paddr_t pa) { return phys_as<Pte>(pa); }

    // The CPU sets A/D bits in live tables concurrently: whole-entry atomic accesses keep a
    // compiler from tearing or re-reading an entry.
    static Pte load(const Pte* p) { return Pte{__atomic_load_n(&p->raw, __ATOMIC_RELAXED)}; }
    static void store(Pte* p, Pte v) { __atomic_store_n(&p->raw, v.raw, __ATOMIC_RELAXED); }

    // Level 4 = PML4 (va bits 47:39) ... level 1 = PT (bits 20:12).
    static uint32_t index(vaddr_t va, uint32_t level) {
        return static_cast<uint32_t>(va >> (kPageShift + 9 * (level - 1))) & (kPtEntries - 1);
    }

    static vaddr_t make_va(uint32_t i4, uint32_t i3, uint32_t i2, uint32_t i1) {
        uint64_t va = uint64_t{i4} << 39 | uint64_t{i3} << 30 | uint64_t{i2} << 21 |
                      uint64_t{i1} << 12;
        return static_cast<uint64_t>(static_cast<int64_t>(va << 16) >> 16);  // sign-extend bit 47
    }

    static Translation leaf_translation(Pte e, uint32_t level, vaddr_t va) {
        uint64_t mask = level == 3 ? Pte::kAddr1G : level == 2 ? Pte::kAddr2M : Pte::kAddr4K;
        uint64_t size = level == 3 ? kPageSize1G : level == 2 ? kPageSize2M : kPageSize;
        paddr_t frame = (e.raw & mask) + (va & (size - 1) & ~(kPageSize - 1));
        return {frame, e.raw & ~mask, size};
    }

    void undo(Pte* const* linked, uint32_t n) {
        while (n > 0) {
            Pte* slot = linked[--n];
            paddr_t frame = load(slot).addr();
            store(slot, Pte{0});
            mem_.free_table(frame);
        }
    }

    paddr_t root_;
    Mem mem_;
};

}  // namespace bh
