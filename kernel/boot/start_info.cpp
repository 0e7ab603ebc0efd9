// Validation of the PVH start_info the loader (QEMU) hands the kernel in ebx.
#include "boot/start_info.hpp"

namespace bh {

namespace {

// [p, p + len) lies below limit, without wrapping.
bool below(paddr_t p, uint64_t len, paddr_t limit) { return p <= limit && len <= limit - p; }

// A command line at p: 0 means none; otherwise a NUL must come within kMaxCmdline bytes and
// before limit. The scan is bounded by both, so it never reads past what `limit` allows.
Result<void> check_cmdline(paddr_t p, paddr_t limit) {
    if (p == 0) return success();
    if (p >= limit) return Error::BadAddress;
    uint64_t room = limit - p;
    uint64_t window = room < StartInfoView::kMaxCmdline ? room : StartInfoView::kMaxCmdline;
    const char* s = phys_as<const char>(p);
    for (uint64_t i = 0; i < window; ++i)
        if (s[i] == '\0') return success();
    // Cut off by the limit is an address problem; merely too long is a bad argument.
    return window < StartInfoView::kMaxCmdline ? Error::BadAddress : Error::BadArg;
}

}  // namespace

Result<StartInfoView> StartInfoView::from(const hvm_start_info* si, paddr_t limit) {
    if (si == nullptr || !below(virt_to_phys(si), sizeof(hvm_start_info), limit))
        return Error::BadAddress;
    if (si->magic != kHvmStartMagic) return Error::BadArg;
    // Version 0 ends before memmap_paddr; the kernel needs the memory map, so insist on 1+.
    if (si->version < 1) return Error::BadArg;
    TRYV(check_cmdline(si->cmdline_paddr, limit));

    if (si->nr_modules != 0) {
        if (si->modlist_paddr == 0) return Error::BadArg;
        uint64_t bytes = uint64_t{si->nr_modules} * sizeof(hvm_modlist_entry);
        if (!below(si->modlist_paddr, bytes, limit)) return Error::BadAddress;
        const auto* mods = phys_as<const hvm_modlist_entry>(si->modlist_paddr);
        for (uint32_t i = 0; i < si->nr_modules; ++i) {
            if (mods[i].paddr == 0) return Error::BadArg;  // 0 means "not present"
            if (!below(mods[i].paddr, mods[i].size, limit)) return Error::BadAddress;
            TRYV(check_cmdline(mods[i].cmdline_paddr, limit));
        }
    }

    if (si->memmap_entries != 0) {
        if (si->memmap_paddr == 0) return Error::BadArg;
        uint64_t bytes = uint64_t{si->memmap_entries} * sizeof(hvm_memmap_table_entry);
        if (!below(si->memmap_paddr, bytes, limit)) return Error::BadAddress;
        const auto* map = phys_as<const hvm_memmap_table_entry>(si->memmap_paddr);
        // Entries describe memory anywhere (not only below limit), but must not wrap, so
        // consumers may compute addr + size freely.
        for (uint32_t i = 0; i < si->memmap_entries; ++i)
            if (map[i].size > UINT64_MAX - map[i].addr) return Error::BadArg;
    }
    return StartInfoView(si);
}

const char* StartInfoView::cmdline() const {
    return si_->cmdline_paddr ? phys_as<const char>(si_->cmdline_paddr) : "";
}

std::span<const hvm_modlist_entry> StartInfoView::module_entries() const {
    if (si_->nr_modules == 0) return {};
    return {phys_as<const hvm_modlist_entry>(si_->modlist_paddr), si_->nr_modules};
}

Result<BootModule> StartInfoView::module(uint32_t i) const {
    if (i >= module_count()) return Error::NotFound;
    return module_at(i);
}

BootModule StartInfoView::module_at(uint32_t i) const {
    const hvm_modlist_entry& e = module_entries()[i];
    return {
        e.paddr,
        {phys_as<const uint8_t>(e.paddr), static_cast<size_t>(e.size)},
        e.cmdline_paddr ? phys_as<const char>(e.cmdline_paddr) : "",
    };
}

std::span<const hvm_memmap_table_entry> StartInfoView::memmap() const {
    if (si_->memmap_entries == 0) return {};
    return {phys_as<const hvm_memmap_table_entry>(si_->memmap_paddr), si_->memmap_entries};
}

}  // namespace bh
