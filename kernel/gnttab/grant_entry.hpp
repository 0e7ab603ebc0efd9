// Grant table v1 entry: Xen's guest-visible layout (public/grant_table.h, grant_entry_v1).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace bh {

// One v1 grant entry, 8 bytes. Who writes what (xen-pvh-guest-abi.md §5.1):
//  - the granting guest writes domid and frame, then (after a write barrier) flags;
//  - the kernel writes only GTF_reading / GTF_writing in flags, always with an atomic
//    read-modify-write, because the guest may rewrite flags at any moment (Linux revokes with
//    cmpxchg(flags, f, 0), which must fail while either bit is set).
struct GrantEntryV1 {
    uint16_t flags;  // gtf::* type and sub-flags
    uint16_t domid;  // the domain allowed to use this grant
    uint32_t frame;  // frame number in the granter's own (guest-physical) space
};
static_assert(sizeof(GrantEntryV1) == 8);
static_assert(offsetof(GrantEntryV1, flags) == 0);
static_assert(offsetof(GrantEntryV1, domid) == 2);
static_assert(offsetof(GrantEntryV1, frame) == 4);

inline constexpr uint32_t kGrantEntriesPerFrame = 4096 / sizeof(GrantEntryV1);
static_assert(kGrantEntriesPerFrame == 512);

// GTF_* values of Xen's grant_table.h. In a namespace of their own (not GTF_ names) so host
// tests can include Xen's header, whose GTF_* are macros, next to this one.
namespace gtf {
// Type field, bits 0-1.
inline constexpr uint16_t kInvalid = 0u << 0;
inline constexpr uint16_t kPermitAccess = 1u << 0;
inline constexpr uint16_t kAcceptTransfer = 2u << 0;
inline constexpr uint16_t kTransitive = 3u << 0;
inline constexpr uint16_t kTypeMask = 3u << 0;
// Sub-flags of permit_access / transitive.
inline constexpr uint16_t kReadonly = 1u << 2;  // guest: mapper may only read
inline constexpr uint16_t kReading = 1u << 3;   // kernel: mapped or being copied
inline constexpr uint16_t kWriting = 1u << 4;   // kernel: mapped or being copied writable
inline constexpr uint16_t kPwt = 1u << 5;
inline constexpr uint16_t kPcd = 1u << 6;
inline constexpr uint16_t kPat = 1u << 7;
inline constexpr uint16_t kSubPage = 1u << 8;
// Sub-flags of accept_transfer (share bits with readonly / reading above).
inline constexpr uint16_t kTransferCommitted = 1u << 2;
inline constexpr uint16_t kTransferCompleted = 1u << 3;
}  // namespace gtf

// flags and domid read as one little-endian 32-bit word (flags low, domid high). The kernel
// updates flags with a cmpxchg on this word, as Xen does, so a guest that changes domid between
// the check and the update makes the update fail instead of pinning for the wrong domain.
// may_alias: the word overlays two uint16_t fields of the same entry.
typedef uint32_t __attribute__((may_alias)) grant_status_word_t;

inline grant_status_word_t* grant_status_word(GrantEntryV1& e) {
    return reinterpret_cast<grant_status_word_t*>(&e);
}
constexpr uint16_t status_flags(uint32_t word) { return static_cast<uint16_t>(word); }
constexpr uint16_t status_domid(uint32_t word) { return static_cast<uint16_t>(word >> 16); }

}  // namespace bh
