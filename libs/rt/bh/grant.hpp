// The domain's own grant table, as the granting side uses it: one frame (512 v1 entries) mapped
// at a fixed address the first time it is needed.
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

#include "gnttab/grant_entry.hpp"

namespace bh::rt {

// Xen's reserved entries: 0 console, 1 xenstore (GNTTAB_RESERVED_XENSTORE).
inline constexpr bh_grant_ref_t kGrantRefConsole = 0, kGrantRefXenstore = 1;
inline constexpr uint64_t kGrantTableVaddr = 0x70100000;

// The table, set up on first use (one frame); nullptr (reported once) if the kernel refused.
volatile GrantEntryV1* grant_table();
// Grows the table to hold at least `entries` (up to 32 frames of 512); false if refused.
bool grant_table_reserve(uint32_t entries);
// Lets `domid` map the page at `vaddr` (Linux's order: domid and frame, barrier, flags).
bool grant_access(bh_grant_ref_t ref, bh_domid_t domid, uint64_t vaddr, bool readonly);
// Ends a grant that is not in use: flags go from exactly what we wrote to 0, or false while
// the grantee still has it mapped (GTF_reading/writing set).
bool end_access(bh_grant_ref_t ref, bool readonly);

}  // namespace bh::rt
