// FrameAllocator: boot-time carving of usable RAM and O(1) frame alloc / free.
#include "mem/frame_alloc.hpp"

namespace bh {

namespace {

// A frame-aligned half-open range [lo, hi).
struct Range {
    uint64_t lo;
    uint64_t hi;
};

constexpr uint64_t kFrameMask = kPageSize - 1;
constexpr uint64_t kTopFrame = ~kFrameMask;  // highest frame-aligned address

bool wraps(const MemRegion& r) { return r.size > ~uint64_t{0} - r.base; }

// Usable RAM is shrunk to the whole frames inside it.
Range shrink(const MemRegion& r) {
    uint64_t end = r.base + r.size;
    uint64_t lo = r.base > kTopFrame ? kTopFrame : page_round_up(r.base);
    uint64_t hi = end & ~kFrameMask;
    return lo < hi ? Range{lo, hi} : Range{0, 0};
}

// Reserved ranges grow to every frame they touch.
Range grow(const MemRegion& r) {
    if (r.size == 0) return {0, 0};
    uint64_t end = r.base + r.size;
    uint64_t hi = end > kTopFrame ? kTopFrame : page_round_up(end);
    return {r.base & ~kFrameMask, hi};
}

// Yields the free extents of `usable` minus `reserved`, minus frame 0 and one extra range
// (the metadata, once placed): in the order of `usable`, each region ascending. Iterative
// and allocation-free; O(R^2) per extent for R reserved ranges, which is a handful at boot.
class ExtentWalker {
public:
    ExtentWalker(std::span<const MemRegion> usable, std::span<const MemRegion> reserved,
                 Range extra)
        : usable_(usable), reserved_(reserved), extras_{Range{0, kPageSize}, extra} {}

    bool next(Range& out) {
        for (;;) {
            if (cursor_ >= end_) {
                if (region_ == usable_.size()) return false;
                Range u = shrink(usable_[region_++]);
                cursor_ = u.lo;
                end_ = u.hi;
                continue;
            }
            uint64_t start = skip_reserved(cursor_);
            if (start >= end_) {
                cursor_ = end_;
                continue;
            }
            uint64_t stop = next_reserved_start(start, end_);
            cursor_ = stop;
            out = {start, stop};
            return true;
        }
    }

private:
    size_t count() const { return reserved_.size() + 2; }
    Range at(size_t i) const {
        return i < reserved_.size() ? grow(reserved_[i]) : extras_[i - reserved_.size()];
    }

    // The first address at or after p that no reserved range covers. Ranges may chain, so
    // repeat until a pass moves nothing; p only grows, so this ends.
    uint64_t skip_reserved(uint64_t p) const {
        bool moved = true;
        while (moved) {
            moved = false;
            for (size_t i = 0; i < count(); i++) {
                Range r = at(i);
                if (r.lo <= p && p < r.hi) {
                    p = r.hi;
                    moved = true;
                }
            }
        }
        return p;
    }

    // p is outside every reserved range, so the next one starting above p ends the extent.
    uint64_t next_reserved_start(uint64_t p, uint64_t limit) const {
        for (size_t i = 0; i < count(); i++) {
            Range r = at(i);
            if (r.lo > p && r.lo < limit && r.hi > r.lo) limit = r.lo;
        }
        return limit;
    }

    std::span<const MemRegion> usable_;
    std::span<const MemRegion> reserved_;
    Range extras_[2];
    size_t region_ = 0;
    uint64_t cursor_ = 0;
    uint64_t end_ = 0;
};

}  // namespace

Result<void> FrameAllocator::init(std::span<const MemRegion> usable,
                                  std::span<const MemRegion> reserved) {
    if (ready_) return Error::BadState;
    for (const MemRegion& r : usable)
        if (wraps(r)) return Error::BadArg;
    for (const MemRegion& r : reserved)
        if (wraps(r)) return Error::BadArg;

    // Pass 1: the span to cover and an upper bound on the free frames.
    uint64_t lo = ~uint64_t{0}, hi = 0, frames = 0;
    Range e;
    for (ExtentWalker w(usable, reserved, {0, 0}); w.next(e);) {
        lo = e.lo < lo ? e.lo : lo;
        hi = e.hi > hi ? e.hi : hi;
        frames += (e.hi - e.lo) >> kPageShift;
    }
    if (frames == 0) return Error::NoMemory;
    uint64_t span = (hi - lo) >> kPageShift;
    if (span > kMaxSpanFrames) return Error::BadArg;
    if (frames > span) frames = span;  // overlapping usable regions counted twice

    // Pass 2: the first free run that holds the metadata.
    uint64_t refs_bytes = (span * sizeof(uint16_t) + 7) & ~uint64_t{7};
    uint64_t bytes = page_round_up(refs_bytes + frames * sizeof(uint32_t));
    paddr_t meta = 0;
    for (ExtentWalker w(usable, reserved, {0, 0}); w.next(e);) {
        if (e.hi - e.lo >= bytes) {
            meta = e.lo;
            break;
        }
    }
    if (meta == 0) return Error::NoMemory;  // frame 0 is never free, so 0 means "none"

    // Build the tables in the metadata run (free RAM, so writing it harms nothing).
    refs_ = phys_as<uint16_t>(meta);
    stack_ = phys_as<uint32_t>(meta + refs_bytes);
    base_ = lo;
    span_frames_ = span;
    meta_base_ = meta;
    meta_bytes_ = bytes;
    for (uint64_t i = 0; i < span; i++) refs_[i] = kUnmanaged;

    uint64_t n = 0;
    for (ExtentWalker w(usable, reserved, {meta, meta + bytes}); w.next(e);) {
        for (paddr_t p = e.lo; p < e.hi; p += kPageSize) {
            uint64_t i = (p - base_) >> kPageShift;
            if (refs_[i] != kUnmanaged) continue;  // overlapping usable regions
            refs_[i] = 0;
            stack_[n++] = static_cast<uint32_t>(i);
        }
    }
    if (n == 0) {  // the metadata took the only frames there were
        refs_ = nullptr;
        stack_ = nullptr;
        base_ = span_frames_ = meta_base_ = meta_bytes_ = 0;
        return Error::NoMemory;
    }
    // Reverse so the lowest frames are handed out first: predictable for logs and tests.
    for (uint64_t a = 0, b = n; a + 1 < b; a++, b--) {
        uint32_t t = stack_[a];
        stack_[a] = stack_[b - 1];
        stack_[b - 1] = t;
    }
    total_ = free_ = n;
    ready_ = true;
    return success();
}

int64_t FrameAllocator::index_of(paddr_t frame) const {
    if (!ready_ || frame < base_ || !page_aligned(frame)) return -1;
    uint64_t i = (frame - base_) >> kPageShift;
    if (i >= span_frames_ || refs_[i] == kUnmanaged) return -1;
    return static_cast<int64_t>(i);
}

Result<paddr_t> FrameAllocator::alloc() {
    if (free_ == 0) return Error::NoMemory;
    uint32_t i = stack_[--free_];
    refs_[i] = 1;
    paddr_t frame = frame_at(i);
    __builtin_memset(phys_to_virt(frame), 0, kPageSize);
    return frame;
}

void FrameAllocator::ref(paddr_t frame) {
    int64_t i = index_of(frame);
    if (i < 0 || refs_[i] == 0 || refs_[i] == kMaxRefs) {
        misuse_++;
        return;
    }
    refs_[i]++;
}

bool FrameAllocator::unref(paddr_t frame) {
    int64_t i = index_of(frame);
    if (i < 0 || refs_[i] == 0) {
        misuse_++;
        return false;
    }
    if (--refs_[i] != 0) return false;
    stack_[free_++] = static_cast<uint32_t>(i);
    return true;
}

uint16_t FrameAllocator::refcount(paddr_t frame) const {
    int64_t i = index_of(frame);
    return i < 0 ? 0 : refs_[i];
}

bool FrameAllocator::manages(paddr_t frame) const { return index_of(frame) >= 0; }

}  // namespace bh
