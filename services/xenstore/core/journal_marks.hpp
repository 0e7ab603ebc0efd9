// JournalMarks: what the last journal record covered, so that the next delta (state_format.hpp)
// holds only what changed since — the nodes touched after it, and of each connection only the
// parts whose counts moved. Every journal keeper (the system store, tests, the fuzzer) uses it.
#pragma once

#include <stdint.h>

#include "bh/ds/vec.hpp"
#include "core/store.hpp"

namespace bh::xs {

class JournalMarks {
public:
    // The scope of a delta against the store as remember() last saw it.
    DeltaScope scope() { return {since_gen_, &changed, this}; }
    // Call after each record (full or delta) is kept.
    void remember(Store& s);

private:
    struct Mark {
        uint32_t id;
        uint64_t changes, watch_rewrites, tx_changes;
        size_t nwatches;
    };
    static ConnScope changed(const Connection& c, void* self);

    uint64_t since_gen_ = 0;
    ds::Vec<Mark> marks_;
    bool complete_ = false;  // false: a mark could not be kept, so everything counts as changed
};

}  // namespace bh::xs
