// FrameAllocator: owns the machine's 4 KiB frames and their reference counts.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <span>

#include "lib/result.hpp"
#include "mem/phys.hpp"

namespace bh {

// A physical address range as firmware / the boot loader report it.
struct MemRegion {
    paddr_t base;
    uint64_t size;
};

// Hands out the frames of usable RAM minus reserved ranges, one 4 KiB frame at a time.
//
// Metadata lives in the managed RAM itself (carved out at init, reached through the direct
// map), so nothing here is sized for the machine:
//   refs_[i]  — one uint16_t per frame of the span [base_, base_ + span_frames_ * 4 KiB):
//               0 = free, 1..kMaxRefs = allocated with that many references,
//               kUnmanaged = hole, reserved range, frame 0 or the metadata itself.
//   stack_[]  — the indices of the free frames; alloc pops, the last unref pushes. Kept apart
//               from the frames so a stale write into a freed frame cannot corrupt the pool.
//
// Invariants: stack_[0 .. free_) holds exactly the indices i with refs_[i] == 0, each once;
// free_ <= total_. Misuse (unref of a free frame, any call on an address that is not a
// managed frame, a reference count overflow) changes nothing and increments misuse_.
// Physical frame 0 is never managed, so 0 can mean "no frame". Single CPU: callers
// serialise (an SMP kernel wraps this in a lock).
class FrameAllocator {
public:
    static constexpr uint16_t kUnmanaged = 0xffff;
    static constexpr uint16_t kMaxRefs = 0xfffe;
    // Frame indices are 32-bit: at most 16 TiB of span between the lowest and highest frame.
    static constexpr uint64_t kMaxSpanFrames = 0xffffffffull;

    constexpr FrameAllocator() = default;
    FrameAllocator(const FrameAllocator&) = delete;
    FrameAllocator& operator=(const FrameAllocator&) = delete;

    // Usable ranges are shrunk to whole frames, reserved ranges grown to whole frames.
    // Errors: BadState (already initialised), BadArg (a range wraps past 2^64 or the span
    // exceeds kMaxSpanFrames), NoMemory (no usable frame, or no free run large enough for
    // the metadata, or nothing left beside it). On failure the allocator stays uninitialised.
    Result<void> init(std::span<const MemRegion> usable, std::span<const MemRegion> reserved);

    // A zeroed frame with reference count 1. NoMemory when every frame is in use.
    Result<paddr_t> alloc();
    // One more reference to an allocated frame.
    void ref(paddr_t frame);
    // Drops one reference; frees the frame when it was the last. True when freed.
    bool unref(paddr_t frame);

    // 0 for free frames and for addresses this allocator does not manage.
    uint16_t refcount(paddr_t frame) const;
    // True when `frame` is a frame this allocator hands out (free or allocated).
    bool manages(paddr_t frame) const;

    uint64_t free_frames() const { return free_; }
    uint64_t total_frames() const { return total_; }
    uint64_t misuse_count() const { return misuse_; }
    // The metadata's physical range, for the boot log and for tests.
    MemRegion metadata() const { return {meta_base_, meta_bytes_}; }

private:
    // Index of `frame` in refs_, or -1 when it is not a managed frame (unaligned, out of
    // the span, or marked kUnmanaged).
    int64_t index_of(paddr_t frame) const;
    paddr_t frame_at(uint32_t index) const { return base_ + (uint64_t{index} << kPageShift); }

    uint16_t* refs_ = nullptr;
    uint32_t* stack_ = nullptr;
    paddr_t base_ = 0;
    uint64_t span_frames_ = 0;
    uint64_t total_ = 0;
    uint64_t free_ = 0;
    uint64_t misuse_ = 0;
    paddr_t meta_base_ = 0;
    uint64_t meta_bytes_ = 0;
    bool ready_ = false;
};

}  // namespace bh
