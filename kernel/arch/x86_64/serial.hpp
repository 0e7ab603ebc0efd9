// COM1 16550 UART: the kernel log and the system tests' only channel out.
#pragma once

namespace bh::serial {
void init();
void putc(char c);
void write(const char* s, unsigned long len);
}  // namespace bh::serial
