// The xenstore wire format: message header, types, limits, and payload argument splitting.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string_view>

namespace bh::xs {

// xs_wire.h's enum xsd_sockmsg_type. Numbers are the ABI; 20 (RESTRICT) is a tombstone.
enum class MsgType : uint32_t {
    Control = 0,
    Directory = 1,
    Read = 2,
    GetPerms = 3,
    Watch = 4,
    Unwatch = 5,
    TransactionStart = 6,
    TransactionEnd = 7,
    Introduce = 8,
    Release = 9,
    GetDomainPath = 10,
    Write = 11,
    Mkdir = 12,
    Rm = 13,
    SetPerms = 14,
    WatchEvent = 15,
    Error = 16,
    IsDomainIntroduced = 17,
    Resume = 18,
    SetTarget = 19,
    // 20: RESTRICT, removed; invalid.
    ResetWatches = 21,
    DirectoryPart = 22,
    GetFeature = 23,
    SetFeature = 24,
    GetQuota = 25,
    SetQuota = 26,
    Invalid = 65535,
};

// struct xsd_sockmsg: little-endian, as every Xen platform and this x86-64 store are.
struct MsgHeader {
    uint32_t type;
    uint32_t req_id;
    uint32_t tx_id;
    uint32_t len;
};
static_assert(sizeof(MsgHeader) == 16);
static_assert(offsetof(MsgHeader, type) == 0);
static_assert(offsetof(MsgHeader, req_id) == 4);
static_assert(offsetof(MsgHeader, tx_id) == 8);
static_assert(offsetof(MsgHeader, len) == 12);

inline constexpr uint32_t kPayloadMax = 4096;   // XENSTORE_PAYLOAD_MAX, both directions
inline constexpr size_t kAbsPathMax = 3072;     // XENSTORE_ABS_PATH_MAX
inline constexpr size_t kRelPathMax = 2048;     // XENSTORE_REL_PATH_MAX
inline constexpr uint16_t kDomidSelf = 0x7ff0;  // DOMID_SELF

// Splits a payload into NUL-terminated strings, front to back. Bytes after the last NUL are
// the "rest" (WRITE's value), never a string.
class Args {
public:
    Args(const char* p, size_t n) : p_(p), n_(n) {}

    // Number of NUL-terminated strings in the payload.
    size_t count() const {
        size_t c = 0;
        for (size_t i = 0; i < n_; i++) c += p_[i] == '\0';
        return c;
    }
    // Takes the next NUL-terminated string; false when none is left.
    bool next(std::string_view* out) {
        for (size_t i = off_; i < n_; i++) {
            if (p_[i] == '\0') {
                *out = std::string_view(p_ + off_, i - off_);
                off_ = i + 1;
                return true;
            }
        }
        return false;
    }
    // What follows the strings taken so far.
    std::string_view rest() const { return {p_ + off_, n_ - off_}; }

private:
    const char* p_;
    size_t n_;
    size_t off_ = 0;
};

// The payload is exactly one string ending at its last byte (xenstored's onearg()).
inline bool one_arg(const char* p, size_t n, std::string_view* out) {
    if (n == 0 || p[n - 1] != '\0') return false;
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '\0') return false;
    *out = std::string_view(p, n - 1);
    return true;
}

// Parses a decimal number no larger than max; false on anything else (empty, sign, junk).
inline bool parse_uint(std::string_view s, uint64_t max, uint64_t* out) {
    if (s.empty() || s.size() > 20) return false;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (max - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

}  // namespace bh::xs
