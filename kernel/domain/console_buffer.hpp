// Per-domain console buffers (the last 4 KiB a domain wrote with BH_CALL_CONSOLE_WRITE), and
// copying a window of any log ring out to a domain: DOMAIN_CONSOLE_READ and MACHINE_DMESG.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "domain/domain.hpp"
#include "lib/log_ring.hpp"
#include "lib/result.hpp"

namespace bh {

inline constexpr uint32_t kConsoleBufferSize = 4096;
// The most one read call copies: one page, so the copy never needs more than a bounded stack.
inline constexpr uint32_t kLogReadMax = 4096;

// The buffer's storage is its own kalloc'd page, not part of Domain: kalloc serves at most a
// page, and Domain plus 4 KiB is more. It is charged to the domain's own quota (as its CSpace
// and tables are) and lives from create to destroy, so a faulted or exited domain's last
// output stays readable until the supervisor destroys it. Quota, NoMemory.
Result<void> console_buffer_init(Domain& d);
// Frees the storage and returns the charge; a domain without one is left alone.
void console_buffer_release(Domain& d);
// One console line as the domain wrote it (already sanitized by the caller), plus a newline.
void console_buffer_line(Domain& d, const char* text, size_t n);

// Copies up to min(len, kLogReadMax) bytes of `ring` from `offset` (LogRing's rules for old
// and future offsets) to `dst` in `as`. All min(len, kLogReadMax) destination bytes must be
// writable, else BadAddress and nothing is copied; len 0 copies nothing and checks nothing.
Result<LogRing::Window> log_copy_out(const LogRing& ring, const AddressSpace& as,
                                     uint32_t offset, vaddr_t dst, uint64_t len);

}  // namespace bh
