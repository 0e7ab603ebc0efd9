// Console input: bytes typed on the machine console wait here for the domain that bound
// VIRQ_CONSOLE (the supervisor), as Xen queues console input for dom0.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace bh {

inline constexpr uint32_t kConsoleLine = 4;  // COM1's ISA interrupt line: the kernel's own

// Queues input (dropping it when the buffer is full) and raises VIRQ_CONSOLE wherever bound.
void console_input(const uint8_t* bytes, size_t n);
// Takes up to n queued bytes; returns how many.
size_t console_read(uint8_t* out, size_t n);

}  // namespace bh
