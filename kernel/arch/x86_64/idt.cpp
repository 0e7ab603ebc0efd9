// Long-mode interrupt gates (AMD APM vol 2 §8.9.1), one per stub in entry.S.
#include "arch/x86_64/idt.hpp"

#include <stdint.h>

#include "arch/x86_64/context.hpp"

extern "C" char trap_stubs[];

namespace bh::x86 {
namespace {

struct Gate {
    uint16_t off_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t off_mid;
    uint32_t off_hi;
    uint32_t reserved;
};
static_assert(sizeof(Gate) == 16);

struct [[gnu::packed]] Idtr {
    uint16_t limit;
    uint64_t base;
};

alignas(16) Gate g_idt[256];
constexpr unsigned kStubSize = 16;
constexpr uint8_t kInterruptGate = 0x8E;  // present, DPL 0, 64-bit interrupt gate
constexpr unsigned kDoubleFault = 8, kNmi = 2;

}  // namespace

void idt_init() {
    for (unsigned v = 0; v < 256; ++v) {
        auto addr = reinterpret_cast<uint64_t>(trap_stubs) + v * kStubSize;
        Gate& g = g_idt[v];
        g.off_lo = static_cast<uint16_t>(addr);
        g.off_mid = static_cast<uint16_t>(addr >> 16);
        g.off_hi = static_cast<uint32_t>(addr >> 32);
        g.selector = kKernelCode;
        g.type_attr = kInterruptGate;
        // #DF and NMI run on their own stack so a broken kernel stack still gets reported.
        g.ist = (v == kDoubleFault || v == kNmi) ? 1 : 0;
    }
    Idtr idtr{sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt)};
    asm volatile("lidt %0" ::"m"(idtr));
}

}  // namespace bh::x86
