// Xen PVH start-of-day structures (hvm_start_info v1) and a validating, read-only view of them.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <span>

#include "lib/result.hpp"
#include "mem/phys.hpp"

namespace bh {

// ---- Layouts: Xen public/arch-x86/hvm/start_info.h, little-endian, reference §1.3 ----

inline constexpr uint32_t kHvmStartMagic = 0x336ec578;  // "xEn3" with 0x80 set on the "E"

// Memory-map entry types (XEN_HVM_MEMMAP_TYPE_*), the e820 numbering.
enum class MemmapType : uint32_t {
    Ram = 1,
    Reserved = 2,
    Acpi = 3,
    Nvs = 4,
    Unusable = 5,
    Disabled = 6,
    Pmem = 7,
};

struct hvm_start_info {
    uint32_t magic;           // kHvmStartMagic
    uint32_t version;         // 1; fields from memmap_paddr on exist only from version 1
    uint32_t flags;           // SIF_*
    uint32_t nr_modules;
    uint64_t modlist_paddr;   // array of hvm_modlist_entry; 0 = none
    uint64_t cmdline_paddr;   // NUL-terminated; 0 = none
    uint64_t rsdp_paddr;      // 0 = none
    uint64_t memmap_paddr;    // array of hvm_memmap_table_entry; 0 = none
    uint32_t memmap_entries;
    uint32_t reserved;
};
static_assert(offsetof(hvm_start_info, magic) == 0);
static_assert(offsetof(hvm_start_info, version) == 4);
static_assert(offsetof(hvm_start_info, flags) == 8);
static_assert(offsetof(hvm_start_info, nr_modules) == 12);
static_assert(offsetof(hvm_start_info, modlist_paddr) == 16);
static_assert(offsetof(hvm_start_info, cmdline_paddr) == 24);
static_assert(offsetof(hvm_start_info, rsdp_paddr) == 32);
static_assert(offsetof(hvm_start_info, memmap_paddr) == 40);
static_assert(offsetof(hvm_start_info, memmap_entries) == 48);
static_assert(offsetof(hvm_start_info, reserved) == 52);
static_assert(sizeof(hvm_start_info) == 56);

struct hvm_modlist_entry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;  // 0 = none
    uint64_t reserved;
};
static_assert(offsetof(hvm_modlist_entry, paddr) == 0);
static_assert(offsetof(hvm_modlist_entry, size) == 8);
static_assert(offsetof(hvm_modlist_entry, cmdline_paddr) == 16);
static_assert(offsetof(hvm_modlist_entry, reserved) == 24);
static_assert(sizeof(hvm_modlist_entry) == 32);

struct hvm_memmap_table_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;  // MemmapType
    uint32_t reserved;
};
static_assert(offsetof(hvm_memmap_table_entry, addr) == 0);
static_assert(offsetof(hvm_memmap_table_entry, size) == 8);
static_assert(offsetof(hvm_memmap_table_entry, type) == 16);
static_assert(offsetof(hvm_memmap_table_entry, reserved) == 20);
static_assert(sizeof(hvm_memmap_table_entry) == 24);

// ---- The validated view ----

// One boot module as the kernel sees it: its bytes through the direct map and its command line.
struct BootModule {
    paddr_t paddr;
    std::span<const uint8_t> bytes;
    const char* cmdline;  // never null: "" when the loader gave none
};

// Read-only view of a start_info that passed StartInfoView::from.
// Invariant: the start_info, the module list, every module's bytes, the memory map and every
// command line lie wholly below the `limit` given to from() (so inside the direct map), every
// command line is NUL-terminated within kMaxCmdline bytes, and no range wraps around 2^64.
// The view copies nothing: the caller keeps those ranges reserved while it uses the view.
class StartInfoView {
public:
    // Longest accepted command line including its NUL (Linux's COMMAND_LINE_SIZE is 2048).
    static constexpr uint64_t kMaxCmdline = 4096;

    // `si` must point into the direct map (phys_to_virt of the ebx the loader passed).
    // Errors: BadArg — wrong magic, version 0, a count with a 0 address, a module at 0, a
    //         memory-map entry whose end wraps, a command line without a NUL in kMaxCmdline;
    //         BadAddress — a structure, module or command line reaching `limit` or past it.
    static Result<StartInfoView> from(const hvm_start_info* si, paddr_t limit);

    const hvm_start_info& raw() const { return *si_; }
    const char* cmdline() const;  // "" when none
    uint64_t rsdp() const { return si_->rsdp_paddr; }

    uint32_t module_count() const { return si_->nr_modules; }
    // Errors: NotFound — i >= module_count().
    Result<BootModule> module(uint32_t i) const;
    std::span<const hvm_modlist_entry> module_entries() const;
    std::span<const hvm_memmap_table_entry> memmap() const;

    // Range-for over the modules: `for (BootModule m : view.modules())`.
    class ModuleIter {
    public:
        ModuleIter(const StartInfoView* v, uint32_t i) : v_(v), i_(i) {}
        BootModule operator*() const { return v_->module_at(i_); }
        ModuleIter& operator++() {
            ++i_;
            return *this;
        }
        bool operator==(const ModuleIter& o) const { return i_ == o.i_; }

    private:
        const StartInfoView* v_;
        uint32_t i_;
    };
    struct ModuleRange {
        ModuleIter b, e;
        ModuleIter begin() const { return b; }
        ModuleIter end() const { return e; }
    };
    ModuleRange modules() const { return {{this, 0}, {this, module_count()}}; }

private:
    explicit StartInfoView(const hvm_start_info* si) : si_(si) {}
    BootModule module_at(uint32_t i) const;  // i < module_count()
    const hvm_start_info* si_;
};

}  // namespace bh
