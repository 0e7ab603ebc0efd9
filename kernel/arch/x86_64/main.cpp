// kernel_main: from the PVH entry to the first domain.
#include "arch/x86_64/cpu.hpp"
#include "arch/x86_64/serial.hpp"
#include "lib/log.hpp"

namespace {
void serial_sink(const char* s, size_t n) { bh::serial::write(s, n); }
}  // namespace

extern "C" [[noreturn]] void kernel_main(uint32_t start_info_pa) {
    bh::serial::init();
    bh::set_log_sink(serial_sink);
    bh::klog("Bulkhead kernel booting, start_info at %x", start_info_pa);
    bh::x86::outb(0xf4, 0x10);
    bh::x86::halt_forever();
}
