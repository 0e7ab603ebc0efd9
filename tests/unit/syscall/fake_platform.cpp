// Host implementations of bh::platform::*, bh::machine_frames() and bh::kernel_root().
#include "fake_platform.hpp"

#include <stdlib.h>
#include <string.h>

#include <memory>
#include <new>

#include "domain/platform.hpp"
#include "lib/log.hpp"
#include "mem/machine_frames.hpp"

namespace bhtest {
namespace {

// Fake physical memory starts above frame 0 (never managed) at an arbitrary non-zero base,
// so a physical address is never confused with an offset into the buffer.
constexpr bh::paddr_t kFakeBase = 0x100000;

PlatformLog g_log;
uint8_t* g_mem = nullptr;
alignas(bh::FrameAllocator) unsigned char g_frames_storage[sizeof(bh::FrameAllocator)];
bh::FrameAllocator* g_frames = nullptr;
bh::paddr_t g_kernel_root = 0;
uint64_t g_boot_free = 0;
uint64_t g_ram_bytes = 0;

void capture_log(const char* s, size_t len) { g_log.klog.append(s, len); }

}  // namespace

PlatformLog& platform_log() { return g_log; }

void release_machine() {
    if (g_frames) std::destroy_at(g_frames);
    g_frames = nullptr;
    free(g_mem);
    g_mem = nullptr;
    g_kernel_root = 0;
}

void reset_machine(uint64_t frames) {
    release_machine();
    g_log = PlatformLog{};
    bh::set_log_sink(capture_log);
    size_t bytes = frames * bh::kPageSize;
    g_ram_bytes = bytes;
    g_mem = static_cast<uint8_t*>(aligned_alloc(bh::kPageSize, bytes));
    memset(g_mem, 0x5A, bytes);  // garbage: frames the kernel forgets to zero show it
    bh::g_physmap_base = reinterpret_cast<uintptr_t>(g_mem) - kFakeBase;
    g_frames = new (g_frames_storage) bh::FrameAllocator();
    bh::MemRegion ram{kFakeBase, bytes};
    if (!g_frames->init({&ram, 1}, {}).ok()) abort();
    auto root = g_frames->alloc();
    if (!root.ok()) abort();
    g_kernel_root = root.value();
    g_log.mmu_root = g_kernel_root;
    g_boot_free = g_frames->free_frames();
}

uint64_t boot_free_frames() { return g_boot_free; }
bh::paddr_t ram_base() { return kFakeBase; }
uint64_t ram_bytes() { return g_ram_bytes; }

}  // namespace bhtest

namespace bh {

FrameAllocator& machine_frames() { return *bhtest::g_frames; }
paddr_t kernel_root() { return bhtest::g_kernel_root; }
bool machine_is_ram(paddr_t pa) {
    return pa >= bhtest::kFakeBase && pa - bhtest::kFakeBase < bhtest::g_ram_bytes;
}

namespace platform {

paddr_t mmu_root() { return bhtest::g_log.mmu_root; }
void mmu_load(paddr_t root) {
    bhtest::g_log.mmu_loads.push_back(root);
    bhtest::g_log.mmu_root = root;
}
void mmu_flush(vaddr_t va) { bhtest::g_log.flushes.push_back(va); }
uint64_t cycles() { return bhtest::g_log.cycles += 7; }
void port_out(uint16_t port, uint32_t width, uint32_t value) {
    bhtest::g_log.io.push_back({true, port, width, value});
}
uint32_t port_in(uint16_t port, uint32_t width) {
    bhtest::g_log.io.push_back({false, port, width, bhtest::g_log.port_in_value});
    return bhtest::g_log.port_in_value;
}
void irq_line(uint32_t line, bool routed, bool masked) {
    bhtest::g_log.irq_lines.push_back({line, routed, masked});
}
Result<void> iommu_enable(paddr_t regs) {
    if (bhtest::g_log.iommu.regs) return Error::BadState;
    if (regs == 0 || !page_aligned(regs) || machine_is_ram(regs)) return Error::BadArg;
    bhtest::g_log.iommu.regs = regs;
    return success();
}
bool iommu_on() { return bhtest::g_log.iommu.regs != 0; }
paddr_t iommu_regs() { return bhtest::g_log.iommu.regs; }
Result<void> iommu_attach(uint16_t bdf, paddr_t root, uint16_t did) {
    bhtest::g_log.iommu.attaches.push_back({bdf, root, did});
    return success();
}
void iommu_detach(uint16_t bdf) { bhtest::g_log.iommu.detaches.push_back(bdf); }
void iommu_flush(uint16_t did) {
    bhtest::g_log.iommu.flushes.push_back(did);
    bhtest::g_log.iommu.free_frames_at_flush.push_back(machine_frames().free_frames());
    if (bhtest::g_log.iommu.on_flush) bhtest::g_log.iommu.on_flush();
}
void iommu_sync() { ++bhtest::g_log.iommu.syncs; }
uint64_t msi_message(uint32_t index, uint32_t* data) {
    *data = 0x60 + index;
    return 0xFEE00000;
}
void machine_stop(bool success) { throw bhtest::MachineStopped{success}; }
size_t console_rx(uint8_t* out, size_t n) {
    std::string& rx = bhtest::g_log.uart_rx;
    size_t got = n < rx.size() ? n : rx.size();
    for (size_t i = 0; i < got; ++i) out[i] = static_cast<uint8_t>(rx[i]);
    rx.erase(0, got);
    return got;
}

}  // namespace platform
}  // namespace bh
