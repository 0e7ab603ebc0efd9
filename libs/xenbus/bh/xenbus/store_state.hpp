// The store's state area as the supervisor and the store both see it: frame runs the
// supervisor allocates and keeps across the store's restarts (so its frames outlive any one
// instance) and gives to every instance at the same slots.
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

namespace bh::xenbus {

// 4 runs of 512 pages: 8 MiB, two 4 MiB regions. A region must hold the store's whole state
// as one record; that record is never larger than the store's 3 MiB heap holding the same
// state (every field it writes is a copy of heap bytes, with less overhead per object), so
// a region always has at least 1 MiB of log after the full record.
inline constexpr uint32_t kStoreStateRuns = 4;
inline constexpr uint32_t kStoreStateRunPages = 512;
inline constexpr bh_slot_t kStoreStateSlot = 40;  // in the store: slots 40..43

}  // namespace bh::xenbus
