// Per-domain memory quota: frames and kernel objects a domain caused to exist.
#pragma once

#include <stdint.h>

#include "lib/result.hpp"

namespace bh {

// Invariant: used <= limit. Charges are in bytes; frames charge a whole page each.
class Quota {
public:
    explicit Quota(uint64_t limit_bytes = 0) : limit_(limit_bytes) {}

    Result<void> charge(uint64_t bytes) {
        if (bytes > limit_ - used_) return Error::Quota;
        used_ += bytes;
        return success();
    }
    void release(uint64_t bytes) { used_ = bytes > used_ ? 0 : used_ - bytes; }

    uint64_t used() const { return used_; }
    uint64_t limit() const { return limit_; }

private:
    uint64_t limit_;
    uint64_t used_ = 0;
};

}  // namespace bh
