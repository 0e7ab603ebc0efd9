// Grant entry layout and GTF_* values checked against Xen's own public header.
#include <stddef.h>

#include <catch2/catch.hpp>
#include <xen/grant_table.h>

#include "gnttab/grant_entry.hpp"

TEST_CASE("GrantEntryV1 has the layout of Xen's grant_entry_v1_t", "[gnttab][abi]") {
    STATIC_REQUIRE(sizeof(bh::GrantEntryV1) == sizeof(grant_entry_v1_t));
    STATIC_REQUIRE(offsetof(bh::GrantEntryV1, flags) == offsetof(grant_entry_v1_t, flags));
    STATIC_REQUIRE(offsetof(bh::GrantEntryV1, domid) == offsetof(grant_entry_v1_t, domid));
    STATIC_REQUIRE(offsetof(bh::GrantEntryV1, frame) == offsetof(grant_entry_v1_t, frame));
    STATIC_REQUIRE(sizeof(bh::GrantEntryV1::flags) == sizeof(grant_entry_v1_t::flags));
    STATIC_REQUIRE(sizeof(bh::GrantEntryV1::domid) == sizeof(grant_entry_v1_t::domid));
    STATIC_REQUIRE(sizeof(bh::GrantEntryV1::frame) == sizeof(grant_entry_v1_t::frame));
    STATIC_REQUIRE(bh::kGrantEntriesPerFrame == 4096 / sizeof(grant_entry_v1_t));
}

TEST_CASE("gtf constants equal Xen's GTF_ values", "[gnttab][abi]") {
    using namespace bh::gtf;
    STATIC_REQUIRE(kInvalid == GTF_invalid);
    STATIC_REQUIRE(kPermitAccess == GTF_permit_access);
    STATIC_REQUIRE(kAcceptTransfer == GTF_accept_transfer);
    STATIC_REQUIRE(kTransitive == GTF_transitive);
    STATIC_REQUIRE(kTypeMask == GTF_type_mask);
    STATIC_REQUIRE(kReadonly == GTF_readonly);
    STATIC_REQUIRE(kReading == GTF_reading);
    STATIC_REQUIRE(kWriting == GTF_writing);
    STATIC_REQUIRE(kPwt == GTF_PWT);
    STATIC_REQUIRE(kPcd == GTF_PCD);
    STATIC_REQUIRE(kPat == GTF_PAT);
    STATIC_REQUIRE(kSubPage == GTF_sub_page);
    STATIC_REQUIRE(kTransferCommitted == GTF_transfer_committed);
    STATIC_REQUIRE(kTransferCompleted == GTF_transfer_completed);
}

TEST_CASE("The status word reads flags low and domid high", "[gnttab][abi]") {
    bh::GrantEntryV1 e{0x1234, 0xBEEF, 7};
    const uint32_t w = *bh::grant_status_word(e);
    REQUIRE(bh::status_flags(w) == 0x1234);
    REQUIRE(bh::status_domid(w) == 0xBEEF);
}
