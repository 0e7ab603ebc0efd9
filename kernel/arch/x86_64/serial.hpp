// COM1 16550 UART: the kernel log and the system tests' only channel out.
#pragma once

namespace bh::serial {
void init();
void putc(char c);
void write(const char* s, unsigned long len);
// Interrupt on received data (ISA line 4) from now on.
void enable_rx_interrupt();
// Drains up to n received bytes; returns how many.
unsigned long read(unsigned char* out, unsigned long n);
}  // namespace bh::serial
