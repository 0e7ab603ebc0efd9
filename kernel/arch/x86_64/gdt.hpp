// GDT and TSS: flat segments for ring 0 and ring 3, the ring-0 stack for entries from ring 3.
#pragma once

#include <stdint.h>

namespace bh::x86 {
void gdt_init(uint64_t kernel_stack_top, uint64_t ist_stack_top);
}
