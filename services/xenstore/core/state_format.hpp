// The store's state record: a versioned, little-endian byte format, modelled on Xen's
// docs/designs/xenstore-migration.md (header, then type/len records padded to 8 bytes).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string_view>

#include "bh/ds/bytes.hpp"

namespace bh::xs::state {

// Header: magic "BHXSTORE", u32 version, u32 flags (0: the whole state; kDelta: a journal delta,
// see below).
inline constexpr std::string_view kMagic = "BHXSTORE";
inline constexpr uint32_t kVersion = 2;
inline constexpr uint32_t kDelta = 1;

// Record: u32 type, u32 len, body[len], zero padding to a multiple of 8. Bodies:
//  GLOBAL      u64 gen, u32 next_conn_id, u32 next_tx_id, u32 limits[9] (Limits' field order)
//  DOMAIN      u16 domid, u16 0, u32 port, u64 gfn
//  NODE        u64 gen, u32 value_len, u32 children_len, u16 path_len, u16 nperms, u32 0,
//              perm[nperms], path, value, children            (sorted by path, parents first)
//  CONNECTION  u32 conn_id, u16 domid, u16 flags (1 privileged, 2 broken, 4/8 below), u32 in_len,
//              u32 out_len, u64 dropped_events, in bytes (a message's first bytes), out bytes
//              (unsent replies and events, possibly starting mid-message)
//  WATCH       u32 conn_id, u16 path_len, u16 token_len, u16 prefix_len, u16 0, path, token
//  TRANSACTION u32 conn_id, u32 tx_id, i64 own_delta, u32 flags (1 failed), u32 0
//  TX_NODE     u32 conn_id, u32 tx_id, u64 base_gen, u8 access, u8 has_copy, u16 path_len,
//              u32 0, path, then if has_copy a NODE body        (sorted by path within a tx)
//  TX_EVENT    u32 conn_id, u32 tx_id, u8 rm, u8 0, u16 path_len, u16 nperms, u16 nparent,
//              perm[nperms], perm[nparent], path
//  LIVE        u32 conn_id[] — every connection, in the store's order (deltas only, after NODE*)
//  END         empty; last
// perm: u8 bits (1 read, 2 write), u8 0, u16 domid. Records that others refer to come first:
// GLOBAL, DOMAIN*, NODE*, [LIVE], CONNECTION*, WATCH*, TRANSACTION*, TX_NODE*, TX_EVENT*, END.
//
// A delta (flags kDelta) has the same records, but NODE only for nodes whose generation is above
// the previous save's and the connection records (CONNECTION and the WATCH / TRANSACTION /
// TX_NODE / TX_EVENT records naming it) only for connections changed since then; flags 4 and 8
// leave out the watches and transactions that did not change (only new watches are written
// when the list just grew). Replaying a full
// record and the deltas after it (state_replay.hpp) gives back the state at the last delta:
// GLOBAL and DOMAIN from the last; each node from the last record naming its path, kept only
// while its parent lists it (removals show as a parent's changed child list); each connection
// in LIVE from the last record that held it, its watches and transactions from the records
// that last wrote them.
enum class Rec : uint32_t {
    End = 0,
    Global = 1,
    Domain = 2,
    Node = 3,
    Connection = 4,
    Watch = 5,
    Transaction = 6,
    TxNode = 7,
    TxEvent = 8,
    Live = 9,
};

// Entries in one permission list: a SET_PERMS payload (at most 4096 bytes, 3 or more per entry
// such as "r0\0") cannot carry more, so a saved record never holds more.
inline constexpr uint16_t kMaxPerms = 2048;

inline constexpr uint16_t kConnPrivileged = 1;
inline constexpr uint16_t kConnBroken = 2;
// Deltas: the connection's earlier WATCH records stay (this batch's are appended to them), and
// its earlier TRANSACTION / TX_NODE / TX_EVENT records stay (this batch has none for it).
inline constexpr uint16_t kConnKeepWatches = 4;
inline constexpr uint16_t kConnKeepTransactions = 8;

// Where a record is written: a growing buffer (BytesOut), or fixed memory such as the system
// store's state area (SpanOut). Not virtual: a record is written a few bytes at a time, and an
// indirect call per field cost a third of a small journal delta under emulation.
class Out {
public:
    // False (nothing written) when the bytes do not fit.
    bool append(const void* p, size_t n) {
        if (bytes_ != nullptr) return bytes_->append(p, n);
        if (n > cap_ - len_) return false;
        if (n == 0) return true;  // (p may be null then)
        __builtin_memcpy(p_ + len_, p, n);
        len_ += n;
        return true;
    }
    uint8_t* data() { return bytes_ != nullptr ? reinterpret_cast<uint8_t*>(bytes_->data()) : p_; }
    size_t size() const { return bytes_ != nullptr ? bytes_->size() : len_; }

protected:
    explicit Out(ds::Bytes* b) : bytes_(b) {}
    Out(uint8_t* p, size_t cap) : p_(p), cap_(cap) {}

private:
    ds::Bytes* bytes_ = nullptr;
    uint8_t* p_ = nullptr;
    size_t cap_ = 0, len_ = 0;
};

class BytesOut final : public Out {
public:
    explicit BytesOut(ds::Bytes* b) : Out(b) {}
};

class SpanOut final : public Out {
public:
    SpanOut(uint8_t* p, size_t cap) : Out(p, cap) {}
};

// Appends little-endian fields to an Out; ok() turns false on the first append that fails.
class Writer {
public:
    explicit Writer(Out* out) : out_(out) {}
    bool ok() const { return ok_; }
    void u8(uint8_t v) { raw(&v, 1); }
    void u16(uint16_t v) { raw(&v, 2); }
    void u32(uint32_t v) { raw(&v, 4); }
    void u64(uint64_t v) { raw(&v, 8); }
    void raw(const void* p, size_t n) { ok_ = ok_ && out_->append(p, n); }
    void str(std::string_view s) { raw(s.data(), s.size()); }
    // Starts a record; end_record() fills in its length and pads it.
    size_t begin_record(Rec type) {
        u32(static_cast<uint32_t>(type));
        u32(0);
        return out_->size();
    }
    void end_record(size_t body_start) {
        if (!ok_) return;
        uint32_t len = static_cast<uint32_t>(out_->size() - body_start);
        __builtin_memcpy(out_->data() + body_start - 4, &len, 4);
        while (out_->size() % 8 != 0) u8(0);
    }

private:
    Out* out_;
    bool ok_ = true;
};

// Reads little-endian fields from a bounded span; ok() turns false on the first overrun, and
// every read after that yields zeros, so a corrupt record can only be refused.
class Reader {
public:
    Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
    bool ok() const { return ok_; }
    size_t left() const { return n_ - off_; }
    uint8_t u8() { return get<uint8_t>(); }
    uint16_t u16() { return get<uint16_t>(); }
    uint32_t u32() { return get<uint32_t>(); }
    uint64_t u64() { return get<uint64_t>(); }
    std::string_view str(size_t n) {
        if (!ok_ || n > left()) {
            ok_ = false;
            return {};
        }
        std::string_view s(reinterpret_cast<const char*>(p_ + off_), n);
        off_ += n;
        return s;
    }

private:
    template <class T>
    T get() {
        T v{};
        if (!ok_ || sizeof(T) > left()) {
            ok_ = false;
            return v;
        }
        __builtin_memcpy(&v, p_ + off_, sizeof(T));
        off_ += sizeof(T);
        return v;
    }

    const uint8_t* p_;
    size_t n_;
    size_t off_ = 0;
    bool ok_ = true;
};

}  // namespace bh::xs::state
