// 16550 register programming (see uart.hpp). Register offsets and bits: the 16550 datasheet.
#include "uart.hpp"

using namespace bh::rt;

namespace sup {
namespace {

constexpr uint16_t kData = 0, kIer = 1, kFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5;
constexpr uint8_t kLcrDlab = 0x80, kLcr8N1 = 0x03;
constexpr uint8_t kFcrEnableClear = 0x07;
constexpr uint8_t kIerRxAvailable = 0x01;
constexpr uint8_t kMcrDtrRtsOut2 = 0x0b;
constexpr uint8_t kLsrDataReady = 0x01, kLsrThrEmpty = 0x20;

}  // namespace

void Uart::out(uint16_t reg, uint8_t v) { call(BH_CALL_IO_OUT, dev_, base_ + reg, 1, v); }
uint8_t Uart::in(uint16_t reg) {
    Ret r = call(BH_CALL_IO_IN, dev_, base_ + reg, 1);
    if (!r.ok()) print("uart: in 0x%x: %s", base_ + reg, error_name(r.err));
    return static_cast<uint8_t>(r.r1);
}

bool Uart::init() {
    out(kIer, 0);
    out(kLcr, kLcrDlab);
    out(kData, 1);  // divisor 1: 115200 baud (QEMU ignores the rate)
    out(kIer, 0);
    out(kLcr, kLcr8N1);
    out(kFcr, kFcrEnableClear);
    out(kMcr, kMcrDtrRtsOut2);
    out(kIer, kIerRxAvailable);
    uint8_t lcr = in(kLcr);
    if (lcr != kLcr8N1) print("uart: LCR reads 0x%x", lcr);
    return lcr == kLcr8N1;  // a missing UART reads 0xff
}

uint32_t Uart::read(uint8_t* buf, uint32_t n) {
    uint32_t got = 0;
    while (got < n && (in(kLsr) & kLsrDataReady)) buf[got++] = in(kData);
    return got;
}

void Uart::write(const uint8_t* data, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) {
        while (!(in(kLsr) & kLsrThrEmpty)) {
        }
        out(kData, data[i]);
    }
}

}  // namespace sup
