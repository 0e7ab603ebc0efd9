// The fake machine under the host conformance tests: fake physical memory, a fresh frame
// allocator per test, and recorded platform calls (port I/O, interrupt lines, MMU).
#pragma once

#include <stdint.h>

#include <functional>
#include <string>
#include <vector>

#include "mem/phys.hpp"

namespace bhtest {

// What machine_stop throws: the kernel's [[noreturn]] path ends the test's call instead.
struct MachineStopped {
    bool success;
};

struct PortIo {
    bool out;
    uint16_t port;
    uint32_t width;
    uint32_t value;  // written, or returned by port_in
};

struct IrqLineCall {
    uint32_t line;
    bool routed;
    bool masked;
};

struct IommuAttach {
    uint16_t bdf;
    bh::paddr_t table_root;
    uint16_t did;
};

// The fake DMA remapping unit: on once iommu_enable accepts a non-RAM page.
struct IommuLog {
    bh::paddr_t regs = 0;
    std::vector<IommuAttach> attaches;
    std::vector<uint16_t> detaches;
    std::vector<uint16_t> flushes;
    std::vector<uint64_t> free_frames_at_flush;  // the allocator's free frames at each flush
    uint32_t syncs = 0;
    std::function<void()> on_flush;  // run at each flush (tests check what still holds then)
};

// Everything the fake platform recorded since the last reset. Host tests only.
struct PlatformLog {
    std::vector<PortIo> io;
    std::vector<IrqLineCall> irq_lines;
    std::vector<bh::vaddr_t> flushes;
    std::vector<bh::paddr_t> mmu_loads;
    bh::paddr_t mmu_root = 0;   // what mmu_root() reports: tests set it to "run" a domain
    uint64_t cycles = 1000;     // advanced by 7 on every cycles() call
    uint32_t port_in_value = 0; // what port_in returns
    std::string uart_rx;        // bytes the console UART "received", taken by console_rx
    std::string klog;           // every kernel log line, newline-terminated
    IommuLog iommu;
};

PlatformLog& platform_log();

// Fresh fake physical memory of `frames` frames at a fixed fake base, a fresh FrameAllocator
// over it, a zeroed kernel root frame, an empty platform log. Previous memory is freed, so
// nothing may still point into it (the fixture destroys every domain first).
void reset_machine(uint64_t frames);
// Frees the fake memory (end of a test).
void release_machine();

// The allocator's free frames right after reset_machine (kernel root already taken).
uint64_t boot_free_frames();
// The fake RAM: [ram_base(), ram_base() + ram_bytes()). Everything else is device space.
bh::paddr_t ram_base();
uint64_t ram_bytes();

}  // namespace bhtest
