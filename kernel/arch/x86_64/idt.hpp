// IDT: all 256 vectors go through entry.S's stubs into trap_dispatch.
#pragma once

namespace bh::x86 {
void idt_init();
}
