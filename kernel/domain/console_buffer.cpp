// Console buffers: allocation charged to the domain, line append, and the copy-out to readers.
#include "domain/console_buffer.hpp"

#include "mem/kheap.hpp"

namespace bh {

static_assert(LogRing::size_ok(kConsoleBufferSize));
static_assert(kConsoleBufferSize <= 4096, "kalloc serves at most a page");

Result<void> console_buffer_init(Domain& d) {
    TRYV(d.quota.charge(kConsoleBufferSize));
    auto* bytes = static_cast<uint8_t*>(kalloc(kConsoleBufferSize));
    if (!bytes) {
        d.quota.release(kConsoleBufferSize);
        return Error::NoMemory;
    }
    d.console = LogRing(bytes, kConsoleBufferSize);
    return success();
}

void console_buffer_release(Domain& d) {
    if (!d.console.storage()) return;
    kfree(d.console.storage(), kConsoleBufferSize);
    d.quota.release(kConsoleBufferSize);
    d.console = LogRing();
}

void console_buffer_line(Domain& d, const char* text, size_t n) {
    d.console.write(text, n);
    d.console.write("\n", 1);
}

Result<LogRing::Window> log_copy_out(const LogRing& ring, const AddressSpace& as,
                                     uint32_t offset, vaddr_t dst, uint64_t len) {
    auto want = static_cast<uint32_t>(len < kLogReadMax ? len : kLogReadMax);
    LogRing::Window w = ring.window(offset, want);
    if (want == 0) return w;
    // The whole capped range, not just the bytes available: whether a pointer is refused
    // must not depend on how much happens to be in the ring.
    TRYV(as.check_writable(dst, want));
    std::span<const uint8_t> a = ring.piece(w, 0), b = ring.piece(w, 1);
    if (!a.empty()) TRYV(as.copy_out(dst, a.data(), a.size()));
    if (!b.empty()) TRYV(as.copy_out(dst + a.size(), b.data(), b.size()));
    return w;
}

}  // namespace bh
