// Grant-table fixture: a granter child `a` with its table mapped and one page to grant, a
// mapper child `b`; entries are written the way a guest writes them, through its own mapping.
#pragma once

#include <string.h>

#include "fixture.hpp"
#include "gnttab/grant_entry.hpp"
#include "gnttab/grant_table.hpp"

namespace bhtest {

inline constexpr vaddr_t kTableVa = 0x30000000;  // a's grant table
inline constexpr vaddr_t kGrantVa = 0x31000000;  // a's page it grants
inline constexpr vaddr_t kMapVa = 0x32000000;    // where b maps it
inline constexpr uint64_t kSlotA = 8;            // supervisor's Domain caps
inline constexpr uint64_t kSlotB = 9;
inline constexpr char kGrantText[] = "granted page";

struct GntFixture : Fixture {
    GntFixture() : a(child(kSlotA)), b(child(kSlotB)) {
        REQUIRE_OK(a, BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTableVa, 1);
        map_page(a, kGrantVa);
        poke(a, kGrantVa, kGrantText, sizeof kGrantText);
    }

    // a writes entry `ref` granting the page at `va` to `to`.
    void grant(bh_grant_ref_t ref, bh_domid_t to, uint16_t extra_flags = 0,
               vaddr_t va = kGrantVa) {
        bh::GrantEntryV1 e{static_cast<uint16_t>(bh::gtf::kPermitAccess | extra_flags), to,
                           static_cast<uint32_t>(va >> bh::kPageShift)};
        poke(a, kTableVa + ref * sizeof e, &e, sizeof e);
    }
    uint16_t flags(bh_grant_ref_t ref) { return a.gnttab->entries(0)[ref].flags; }

    Domain& a;
    Domain& b;
};

}  // namespace bhtest
