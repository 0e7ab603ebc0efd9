// A 16550 UART through an I/O-port capability: the control line (COM2). Receive is interrupt
// driven (the caller's IRQ port says bytes arrived); transmit polls the holding register.
#pragma once

#include <bh/rt.hpp>

namespace sup {

class Uart {
public:
    // constexpr: services run no global constructors, so a global Uart must be constant-initialised.
    constexpr Uart(bh_slot_t dev, uint16_t base) : dev_(dev), base_(base) {}
    // 115200 8N1, FIFOs on, receive interrupt on (OUT2 routes it to the PIC/IOAPIC line).
    bool init();
    // Takes up to `n` received bytes without blocking.
    uint32_t read(uint8_t* out, uint32_t n);
    void write(const uint8_t* data, uint32_t n);

private:
    void out(uint16_t reg, uint8_t v);
    uint8_t in(uint16_t reg);

    bh_slot_t dev_;
    uint16_t base_;
};

}  // namespace sup
