// StateArea: where the store keeps its state so that a restarted instance gets it back — frames
// the supervisor owns and hands to every instance. Two halves, written alternately; a half is
// valid when its checksum matches, and the valid one with the higher sequence number wins, so a
// store killed mid-save still finds the previous complete state.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <span>

#include "client_link.hpp"

namespace xsd {

inline constexpr uint32_t kMaxLinks = 32;

class StateArea {
public:
    // Maps `frames` frame caps from slot `first_slot` on at a fixed address; false if any failed.
    bool map(bh_slot_t first_slot, uint32_t frames);
    // Writes a state record and the link table to the older half. False if it does not fit.
    bool save(std::span<const uint8_t> record, std::span<const LinkRecord> links);
    // Marks both halves invalid: used when the state no longer fits, so that a restart starts
    // empty rather than from a snapshot older than the rings.
    void invalidate();
    // The newest valid half's record and links; false if neither half is valid.
    bool load(std::span<const uint8_t>* record, std::span<const LinkRecord>* links) const;
    size_t capacity() const { return half_ - sizeof(Header); }

private:
    struct Header {
        uint64_t magic;
        uint64_t seq;
        uint64_t checksum;  // FNV-1a over links and record
        uint32_t record_len;
        uint32_t nlinks;
        LinkRecord links[kMaxLinks];
    };
    Header* half(unsigned i) const;
    static uint64_t checksum(const Header& h);

    uint8_t* base_ = nullptr;
    size_t half_ = 0;
};

}  // namespace xsd
