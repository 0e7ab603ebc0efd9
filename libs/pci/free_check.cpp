// Compile-only check: the pci headers build freestanding (no libc, no FPU, no exceptions).
#include "bh/pci/acpi.hpp"
#include "bh/pci/config.hpp"

namespace bh::pci::check {

uint32_t use(const uint8_t* p, size_t n, const volatile uint8_t* cfg) {
    Rsdp r;
    EcamWindow w;
    Config c{cfg};
    uint32_t caps = 0;
    c.each_capability([&](uint8_t, uint8_t) { ++caps; });
    return parse_rsdp(p, n, &r) + sdt_ok(p, n, "MCFG") + mcfg_window(p, 0, &w) + caps +
           read_bar(c, 0).kind;
}

}  // namespace bh::pci::check
