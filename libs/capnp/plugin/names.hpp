// capnpc-bh: how schema names and values are spelled in the generated C++.
#pragma once

#include <capnp/schema.capnp.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace bh::capnpc {

// `onFault` -> `ON_FAULT` (enumerants and union tags, as libcapnp's generator spells them).
std::string upper_snake(std::string_view name);
// `consoleWrite` -> `ConsoleWrite` (getter suffixes and group type names).
std::string capitalize(std::string_view name);
// `manifest.capnp` or `dir/manifest.capnp` -> `manifest`.
std::string file_stem(std::string_view path);
// A C++ string literal holding `bytes` exactly (escapes everything outside printable ASCII).
std::string string_literal(std::string_view bytes);
// `0x1234u`-style literal of the raw bits of a data field's default value.
std::string hex_literal(uint64_t bits, unsigned bits_width);

// C++ type of a primitive slot: "uint16_t", "bool", ...; empty for non-primitives.
// Floats read as their raw bits ("uint32_t"/"uint64_t"): the system has no FPU state.
std::string primitive_type(capnp::schema::Type::Which t);
// Width in bits of a primitive slot (bool 1, Int8 8, ..., enum 16); 0 for pointers and void.
unsigned primitive_bits(capnp::schema::Type::Which t);
// A default value's raw bits, as stored XOR-ed with the field on the wire.
uint64_t default_bits(capnp::schema::Value::Reader v);

}  // namespace bh::capnpc
