// Journal replay: a full state record and the deltas saved after it (state_format.hpp) turned
// back into the records of one full record, for Store::load. Nothing is copied: the records
// point into the batches, which must outlive them.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <span>

#include "bh/ds/vec.hpp"
#include "core/state_format.hpp"

namespace bh::xs::state {

struct RecordRef {
    Rec type;
    const uint8_t* body;
    uint32_t len;
};

// Checks the header, gives its flags, and splits the record into its records up to END (which
// is left out). False if anything is out of bounds or END is missing.
[[nodiscard]] bool split(std::span<const uint8_t> in, uint32_t* flags, ds::Vec<RecordRef>* out);

// batches[0] is a full record, the rest deltas in the order they were saved. False if any is
// malformed or they do not fit together (a delta naming a connection it does not carry, nodes
// out of order); Store::load checks the result's contents as it would a full record's.
[[nodiscard]] bool replay(std::span<const std::span<const uint8_t>> batches,
                          ds::Vec<RecordRef>* out);

}  // namespace bh::xs::state
