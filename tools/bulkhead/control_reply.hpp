// A control-channel Reply, decoded from libcapnp into plain values the verbs print.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bh::cli {

// control.capnp DomainInfo.State, plus Unknown for an enumerant this CLI is too old to know.
enum class DomainState : uint8_t { Running, Blocked, Paused, Shutdown, Crashed, Dying, Unknown };

// One row of `bulkhead list` (control.capnp DomainInfo).
struct DomainRow {
    std::string name;
    uint16_t id = 0;
    uint64_t mem_kib = 0;
    uint8_t vcpus = 0;
    DomainState state = DomainState::Unknown;
    uint64_t cpu_time_ns = 0;
    uint32_t restarts = 0;
};

// The reply's union member, with its payload; members this CLI does not know decode as Unknown.
struct ControlReply {
    enum class Kind { Ok, Error, Domains, Value, Children, Log, Unknown };
    uint32_t id = 0;
    Kind kind = Kind::Unknown;
    std::string text;                    // Error: the message; Value: the value
    std::vector<DomainRow> domains;      // Domains
    std::vector<std::string> children;   // Children
    std::string log;                     // Log: raw bytes, not necessarily UTF-8
    uint32_t log_next = 0;               // Log: the offset to ask for next
};

// The reply member's schema name ("ok", "domains", ...), for "expected X, got Y" messages.
std::string_view kind_name(ControlReply::Kind kind);

// Decodes one framed Reply. Every malformed pointer, text or list libcapnp meets becomes the
// returned message (empty on success); nothing is thrown out of here.
std::string decode_reply(std::span<const uint64_t> framed, ControlReply& out);

}  // namespace bh::cli
