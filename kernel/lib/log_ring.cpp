// LogRing: append with overwrite of the oldest bytes; windows for readers at any offset.
#include "lib/log_ring.hpp"

namespace bh {

void LogRing::write(const void* bytes, size_t n) {
    if (size_ == 0) {  // nowhere to keep them, but they were written: offsets still count
        end_ += static_cast<uint32_t>(n);
        return;
    }
    const auto* in = static_cast<const uint8_t*>(bytes);
    // Only the last `size` bytes of a long write survive: skip the rest, but count them.
    size_t keep = n < size_ ? n : size_;
    uint32_t at = end_ + static_cast<uint32_t>(n - keep);  // offsets count modulo 2^32
    in += n - keep;
    uint32_t index = at & (size_ - 1);
    size_t first = keep < size_ - index ? keep : size_ - index;
    __builtin_memcpy(buf_ + index, in, first);
    __builtin_memcpy(buf_, in + first, keep - first);
    end_ += static_cast<uint32_t>(n);
    held_ = keep >= size_ - held_ ? size_ : held_ + static_cast<uint32_t>(keep);
}

LogRing::Window LogRing::window(uint32_t offset, uint32_t len) const {
    uint32_t behind = end_ - offset;
    uint32_t start = offset;
    if (behind > held_) start = behind <= 0x80000000u ? oldest() : end_;
    uint32_t avail = end_ - start;
    return {start, len < avail ? len : avail};
}

std::span<const uint8_t> LogRing::piece(const Window& w, unsigned i) const {
    if (w.count == 0) return {};
    uint32_t index = w.start & (size_ - 1);
    uint32_t first = w.count < size_ - index ? w.count : size_ - index;
    if (i == 0) return {buf_ + index, first};
    return {buf_, w.count - first};
}

}  // namespace bh
