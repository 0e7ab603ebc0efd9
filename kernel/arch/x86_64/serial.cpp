// COM1 at 0x3F8, 115200 8N1, polled: the log must work before interrupts do.
#include "arch/x86_64/serial.hpp"

#include "arch/x86_64/cpu.hpp"

namespace bh::serial {
namespace {
constexpr uint16_t kCom1 = 0x3F8;
}

void init() {
    x86::outb(kCom1 + 1, 0x00);  // no interrupts
    x86::outb(kCom1 + 3, 0x80);  // DLAB
    x86::outb(kCom1 + 0, 0x01);  // divisor 1 = 115200
    x86::outb(kCom1 + 1, 0x00);
    x86::outb(kCom1 + 3, 0x03);  // 8N1
    x86::outb(kCom1 + 2, 0xC7);  // FIFO on
    x86::outb(kCom1 + 4, 0x03);  // DTR | RTS
}

void putc(char c) {
    while ((x86::inb(kCom1 + 5) & 0x20) == 0) {
    }
    x86::outb(kCom1, static_cast<uint8_t>(c));
}

void enable_rx_interrupt() {
    x86::outb(kCom1 + 4, 0x0B);  // DTR | RTS | OUT2: OUT2 gates the UART's interrupt line
    x86::outb(kCom1 + 1, 0x01);  // IER: received data available
}

unsigned long read(unsigned char* out, unsigned long n) {
    unsigned long got = 0;
    while (got < n && (x86::inb(kCom1 + 5) & 0x01)) out[got++] = x86::inb(kCom1);
    return got;
}

void write(const char* s, unsigned long len) {
    for (unsigned long i = 0; i < len; ++i) {
        if (s[i] == '\n') putc('\r');
        putc(s[i]);
    }
}

}  // namespace bh::serial
