// Node permissions: (domid, n/r/w/b) entries, parsing, formatting and the access rule.
#pragma once

#include <stdint.h>

#include <string_view>

#include "bh/ds/bytes.hpp"
#include "bh/ds/vec.hpp"
#include "core/error.hpp"

namespace bh::xs {

inline constexpr uint8_t kPermRead = 1;
inline constexpr uint8_t kPermWrite = 2;
inline constexpr uint8_t kPermOwner = 4;  // only ever computed, never stored

struct Perm {
    uint16_t domid;
    uint8_t bits;  // kPermRead | kPermWrite
};

// Invariant (of every node's Perms): at least one entry. Entry 0 names the owner, who has full
// access, and its bits are what every domain without its own entry gets.
using Perms = ds::Vec<Perm>;

// "r5" → {5, read}. Letters n/r/w/b; domid decimal 0..65535. Inval otherwise.
[[nodiscard]] XsErr parse_perm(std::string_view s, Perm* out);
// Appends "<letter><domid>" (no NUL).
[[nodiscard]] bool append_perm(ds::Bytes* out, Perm p);

// What a connection may do to a node: privileged connections and the owner get everything;
// otherwise the first entry after the owner that names the domain, else the owner entry's bits.
uint8_t access_for(const Perms& perms, uint16_t domid, bool privileged);

}  // namespace bh::xs
