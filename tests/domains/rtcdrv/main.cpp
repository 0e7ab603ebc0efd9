// rtcdrv: a driver domain for the CMOS RTC. Role 0 owns ports 0x70-0x71 and IRQ 8: it turns on
// the periodic interrupt and counts interrupts delivered as events. Role 1 holds no device caps
// and checks it can reach neither the ports nor the line.
#include <bh/rt.hpp>

using namespace bh::rt;

namespace {

constexpr uint64_t kIndex = 0x70, kData = 0x71;
constexpr uint8_t kRegA = 0x0A, kRegB = 0x0B, kRegC = 0x0C;
constexpr uint8_t kNmiOff = 0x80;  // keep NMI disabled while we hold the index register
constexpr uint32_t kWanted = 32;
constexpr bh_slot_t kEvtSlot = 8;

uint8_t cmos_read(uint8_t reg) {
    call(BH_CALL_IO_OUT, BH_SLOT_DEVICE, kIndex, 1, reg | kNmiOff);
    return static_cast<uint8_t>(call(BH_CALL_IO_IN, BH_SLOT_DEVICE, kData, 1).r1);
}
void cmos_write(uint8_t reg, uint8_t v) {
    call(BH_CALL_IO_OUT, BH_SLOT_DEVICE, kIndex, 1, reg | kNmiOff);
    call(BH_CALL_IO_OUT, BH_SLOT_DEVICE, kData, 1, v);
}

int driver() {
    Ret outside = call(BH_CALL_IO_OUT, BH_SLOT_DEVICE, 0x72, 1, 0);
    if (outside.err != BH_E_NO_RIGHTS) {
        print("rtcdrv: port 0x72 outside the region: %s (want no-rights)", error_name(outside.err));
        return 1;
    }
    Ret b = call(BH_CALL_EVTCHN_BIND_IRQ, BH_SLOT_IRQ, kEvtSlot);
    if (!b.ok()) {
        print("rtcdrv: bind irq 8: %s", error_name(b.err));
        return 1;
    }
    report_ready();
    cmos_write(kRegA, static_cast<uint8_t>((cmos_read(kRegA) & 0xF0) | 0x06));  // 1024 Hz
    cmos_write(kRegB, static_cast<uint8_t>(cmos_read(kRegB) | 0x40));          // periodic on
    cmos_read(kRegC);  // clear anything already latched
    uint32_t got = 0;
    uint64_t t0 = rdtsc();
    while (got < kWanted) {
        if (wait_event() != b.r1) continue;
        if (cmos_read(kRegC) & 0x40) ++got;  // reading C acknowledges the RTC
        call(BH_CALL_IRQ_ACK, BH_SLOT_IRQ);
    }
    uint64_t cycles = rdtsc() - t0;
    cmos_write(kRegB, static_cast<uint8_t>(cmos_read(kRegB) & ~0x40));
    print("rtcdrv: %u RTC interrupts delivered as events on port %lu (%lu cycles)", got, b.r1,
          cycles);
    return 0;
}

int bystander() {
    report_ready();
    Ret io = call(BH_CALL_IO_IN, BH_SLOT_DEVICE, kData, 1);
    Ret irq = call(BH_CALL_EVTCHN_BIND_IRQ, BH_SLOT_IRQ, kEvtSlot);
    Ret mint = call(BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, 8, kEvtSlot + 1);
    print("bystander: io %s, bind irq %s, mint irq %s", error_name(io.err), error_name(irq.err),
          error_name(mint.err));
    return io.err == BH_E_EMPTY_SLOT && irq.err == BH_E_EMPTY_SLOT && mint.err == BH_E_EMPTY_SLOT
               ? 0 : 1;
}

}  // namespace

int bh_main(uint64_t, uint64_t role) { return role == 0 ? driver() : bystander(); }
