// Node paths: validation, relative → absolute, and the parent/child relations watches use.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string_view>

#include "bh/ds/bytes.hpp"
#include "core/error.hpp"

namespace bh::xs {

// Appends "/local/domain/<domid>".
[[nodiscard]] bool append_domain_path(ds::Bytes* out, uint16_t domid);

// Turns a request's path into the absolute one the tree is keyed by. A path not starting with
// '/' or '@' is relative to /local/domain/<domid>; *prefix_len is then that prefix's length
// with its '/', so a watch can give events back in the client's relative form (0 otherwise).
// '@' paths are allowed only when allow_special. Errors: Inval (bad characters, "//", trailing
// '/', empty, too long), NoMem.
[[nodiscard]] XsErr canonical_path(std::string_view in, uint16_t domid, bool allow_special,
                                   ds::Bytes* out, size_t* prefix_len);

// True if child is parent or lies below it ("/" is everyone's parent). depth < 0 is
// unlimited; otherwise at most depth levels below parent count.
bool is_child(std::string_view child, std::string_view parent, int depth = -1);

// "/a/b" → "/a", "/a" → "/". Only for valid absolute paths other than "/".
std::string_view parent_of(std::string_view path);
// "/a/b" → "b".
std::string_view base_name(std::string_view path);

}  // namespace bh::xs
