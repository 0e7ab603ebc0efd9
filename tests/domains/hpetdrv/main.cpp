// hpetdrv: a driver domain for the HPET, reached only through the MMIO page its DeviceRegion
// capability names. It identifies the device, runs its main counter and checks it advances.
#include <bh/rt.hpp>

using namespace bh::rt;

namespace {

constexpr uint64_t kMapAt = 0x60000000;
// HPET registers (IA-PC HPET spec 1.0a §2.3): capabilities/ID, configuration, main counter.
constexpr uint64_t kCapId = 0x000, kConfig = 0x010, kCounter = 0x0F0;
constexpr uint64_t kEnable = 1;
constexpr uint32_t kIntelVendor = 0x8086;

volatile uint64_t& reg(uint64_t off) { return *reinterpret_cast<volatile uint64_t*>(kMapAt + off); }

}  // namespace

int bh_main(uint64_t, uint64_t) {
    Ret m = call(BH_CALL_DEVICE_MAP, BH_SLOT_DEVICE, 0, kMapAt);
    Ret beyond = call(BH_CALL_DEVICE_MAP, BH_SLOT_DEVICE, 1, kMapAt + 0x1000);
    Ret as_buffer = call(BH_CALL_CONSOLE_WRITE, kMapAt, 8);  // MMIO is never a hypercall buffer
    if (!m.ok() || beyond.err != BH_E_BAD_ARG || as_buffer.err != BH_E_BAD_ADDRESS) {
        print("hpetdrv: map %s, page beyond the region %s, MMIO as a buffer %s", error_name(m.err),
              error_name(beyond.err), error_name(as_buffer.err));
        return 1;
    }
    report_ready();
    uint64_t cap = reg(kCapId);
    auto vendor = static_cast<uint32_t>((cap >> 16) & 0xffff);
    auto period_fs = static_cast<uint32_t>(cap >> 32);
    reg(kConfig) = reg(kConfig) | kEnable;
    uint64_t c0 = reg(kCounter);
    for (int i = 0; i < 50; ++i) call(BH_CALL_YIELD);
    uint64_t c1 = reg(kCounter);
    reg(kConfig) = reg(kConfig) & ~kEnable;
    print("hpetdrv: vendor 0x%x, period %u fs, %u timers, counter %lu -> %lu", vendor, period_fs,
          static_cast<unsigned>(((cap >> 8) & 0x1f) + 1), c0, c1);
    return vendor == kIntelVendor && period_fs != 0 && c1 > c0 ? 0 : 1;
}
