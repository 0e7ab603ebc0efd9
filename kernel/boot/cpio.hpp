// Reader for the boot archive (the initrd): cpio "newc" format, as `cpio -o -H newc` writes it.
#pragma once

#include <stdint.h>

#include <span>

#include "lib/result.hpp"

namespace bh {

// newc layout: a 110-byte ASCII header ("070701" then 13 fields of 8 hex digits), the name
// (namesize bytes including its NUL), padding to a multiple of 4 from the archive start, the
// data (filesize bytes), padding to 4 again. The entry named "TRAILER!!!" ends the archive.
struct CpioEntry {
    const char* name;   // NUL-terminated, points into the archive
    uint32_t name_len;  // without the NUL
    std::span<const uint8_t> data;
    uint32_t mode;      // st_mode: type bits (kCpioTypeMask) and permissions
};

inline constexpr uint32_t kCpioTypeMask = 0170000;
inline constexpr uint32_t kCpioTypeDir = 0040000;
inline constexpr uint32_t kCpioTypeFile = 0100000;

// Walks an archive front to back. Invariant: pos_ <= archive size, and every byte it reads lies
// in the archive. Once next() has reported the trailer or an error, it keeps reporting the same,
// so a caller cannot wander past a malformed header.
class CpioReader {
public:
    explicit CpioReader(std::span<const uint8_t> archive) : archive_(archive) {}

    // true and the entry; false at the trailer.
    // Errors: BadArg — bad magic, a non-hex digit, name or data running past the end, a name
    //         without its NUL or with one inside, or the archive ending before the trailer.
    Result<bool> next(CpioEntry& out);

    // The regular file called `name` ("./" prefixes on either side are ignored), scanning from
    // the archive start; directories and other non-files are skipped. Leaves this reader's
    // position alone. Errors: NotFound — no such file; BadArg — malformed before it was found.
    Result<CpioEntry> find(const char* name) const;

private:
    enum class State : uint8_t { Reading, Done, Broken };

    std::span<const uint8_t> archive_;
    uint64_t pos_ = 0;
    State state_ = State::Reading;
};

}  // namespace bh
