// xAPIC through the direct map (registers: AMD APM vol 2 §16.3); PIT ports per the 8254 sheet.
#include "arch/x86_64/lapic.hpp"

#include "arch/x86_64/context.hpp"
#include "arch/x86_64/cpu.hpp"
#include "lib/log.hpp"
#include "mem/phys.hpp"

namespace bh::x86 {
namespace {

enum LapicReg : uint32_t {
    kId = 0x20,
    kEoi = 0xB0,
    kSvr = 0xF0,
    kLvtTimer = 0x320,
    kTimerInitial = 0x380,
    kTimerCurrent = 0x390,
    kTimerDivide = 0x3E0,
};
constexpr paddr_t kLapicBase = 0xFEE00000;
constexpr uint32_t kTimerPeriodic = 1u << 17;
constexpr uint32_t kMasked = 1u << 16;
constexpr uint32_t kSvrEnable = 1u << 8;
constexpr uint32_t kPitHz = 1193182;
constexpr uint32_t kCalibrateMs = 20;

uint64_t g_tsc_khz = 0;

volatile uint32_t& reg(uint32_t r) { return *phys_as<volatile uint32_t>(kLapicBase + r); }

// Runs PIT channel 2 one-shot for kCalibrateMs; returns APIC timer ticks (divide 16) elapsed.
uint32_t calibrate() {
    uint8_t gate = inb(0x61);
    outb(0x61, static_cast<uint8_t>((gate & ~0x02) | 0x01));
    outb(0x43, 0xB0);  // channel 2, lobyte/hibyte, mode 0
    uint32_t count = kPitHz * kCalibrateMs / 1000;
    outb(0x42, static_cast<uint8_t>(count));
    outb(0x42, static_cast<uint8_t>(count >> 8));
    reg(kTimerDivide) = 0x3;  // divide by 16
    reg(kLvtTimer) = kMasked;
    uint8_t g = inb(0x61) & static_cast<uint8_t>(~0x01);
    outb(0x61, g);
    outb(0x61, g | 1);  // rising edge starts the count
    reg(kTimerInitial) = 0xFFFFFFFF;
    uint64_t t0 = rdtsc();
    while ((inb(0x61) & 0x20) == 0) {
    }
    uint64_t t1 = rdtsc();
    uint32_t elapsed = 0xFFFFFFFF - reg(kTimerCurrent);
    reg(kTimerInitial) = 0;
    g_tsc_khz = (t1 - t0) / kCalibrateMs;
    return elapsed;
}

}  // namespace

void lapic_init(uint32_t tick_us) {
    // Mask the legacy PICs: all interrupts come through the local APIC.
    outb(0x21, 0xFF);
    outb(0xA1, 0xFF);
    reg(kSvr) = kSvrEnable | static_cast<uint32_t>(kVectorSpurious);
    uint32_t per_ms = calibrate() / kCalibrateMs;
    uint32_t initial = per_ms * tick_us / 1000;
    if (initial == 0) initial = 1;
    reg(kTimerDivide) = 0x3;
    reg(kLvtTimer) = kTimerPeriodic | static_cast<uint32_t>(kVectorTimer);
    reg(kTimerInitial) = initial;
    klog("lapic: timer %u us (%u counts), tsc %lu kHz", tick_us, initial, g_tsc_khz);
}

void lapic_eoi() { reg(kEoi) = 0; }
uint64_t tsc_khz() { return g_tsc_khz; }

}  // namespace bh::x86
