// ElfImage: a validated ELF64 executable for a ring-3 domain — its loadable segments and entry.
#pragma once

#include <stdint.h>

#include <span>

#include "lib/result.hpp"
#include "mem/phys.hpp"

namespace bh {

// One PT_LOAD segment. The loader maps pages [page_down(vaddr), page_up(vaddr + memsz)),
// copies filesz bytes from file_offset to vaddr and zeroes the rest up to vaddr + memsz.
struct ElfSegment {
    vaddr_t vaddr;
    uint64_t memsz;
    uint64_t filesz;
    uint64_t file_offset;
    bool writable;
    bool executable;
};

// Invariants after parse() succeeds: 1 <= segment_count() <= kMaxSegments; every segment has
// 0 < memsz, filesz <= memsz, file_offset + filesz <= file size, vaddr % 4096 == file_offset %
// 4096, and its page range lies inside [user_lo, user_hi); no two segments touch the same page;
// entry() lies inside an executable segment. Segments keep the file's order.
class ElfImage {
public:
    static constexpr uint32_t kMaxSegments = 16;  // also the cap on e_phnum

    // Accepts only a statically linked little-endian x86-64 ET_EXEC image (see the invariants).
    // user_lo and user_hi must be page-aligned with user_lo < user_hi.
    // Errors: BadElf — the image is refused; *reason (if given) then names why, as a static
    //         string for a "refused: <reason>" log line. BadArg — unusable bounds.
    static Result<ElfImage> parse(std::span<const uint8_t> file, vaddr_t user_lo, vaddr_t user_hi,
                                  const char** reason = nullptr);

    vaddr_t entry() const { return entry_; }
    uint32_t segment_count() const { return count_; }
    // i < segment_count(); an index past the end yields segment 0, never a read past the array.
    const ElfSegment& segment(uint32_t i) const { return segments_[i < count_ ? i : 0]; }

private:
    ElfImage() = default;

    vaddr_t entry_ = 0;
    uint32_t count_ = 0;
    ElfSegment segments_[kMaxSegments] = {};
};

}  // namespace bh
