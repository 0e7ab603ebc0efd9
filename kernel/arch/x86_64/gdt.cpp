// Long-mode GDT with a 64-bit TSS (AMD APM vol 2 §12.2.5).
#include "arch/x86_64/gdt.hpp"

#include <stddef.h>

#include "arch/x86_64/context.hpp"

namespace bh::x86 {
namespace {

struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104);
static_assert(offsetof(Tss, rsp) == 4);
static_assert(offsetof(Tss, ist) == 36);
static_assert(offsetof(Tss, iomap_base) == 102);

struct [[gnu::packed]] Gdtr {
    uint16_t limit;
    uint64_t base;
};

alignas(16) Tss g_tss;
// null, kcode, kdata, ucode32 (unused, sysret layout), udata, ucode64, tss (2 slots)
alignas(16) uint64_t g_gdt[8] = {
    0,
    0x00af9a000000ffff,  // 0x08 kernel code, L=1
    0x00cf92000000ffff,  // 0x10 kernel data
    0x00cffa000000ffff,  // 0x18 user code 32 (placeholder for STAR layout)
    0x00cff2000000ffff,  // 0x20 user data, DPL 3
    0x00affa000000ffff,  // 0x28 user code 64, DPL 3
    0,
    0,
};

}  // namespace

void gdt_init(uint64_t kernel_stack_top, uint64_t ist_stack_top) {
    g_tss.rsp[0] = kernel_stack_top;
    g_tss.ist[0] = ist_stack_top;
    g_tss.iomap_base = sizeof(Tss);  // no I/O bitmap: ring 3 gets no ports
    auto base = reinterpret_cast<uint64_t>(&g_tss);
    uint64_t limit = sizeof(Tss) - 1;
    g_gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
               (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    g_gdt[7] = base >> 32;

    Gdtr gdtr{sizeof(g_gdt) - 1, reinterpret_cast<uint64_t>(g_gdt)};
    asm volatile(
        "lgdt %0\n"
        "mov %1, %%ds\n mov %1, %%es\n mov %1, %%ss\n"
        "xor %%eax, %%eax\n mov %%ax, %%fs\n mov %%ax, %%gs\n"
        "pushq %2\n lea 1f(%%rip), %%rax\n pushq %%rax\n lretq\n1:\n"
        "ltr %w3\n"
        :
        : "m"(gdtr), "r"(static_cast<uint64_t>(kKernelData)), "i"(kKernelCode), "r"(kTss)
        : "rax", "memory");
}

}  // namespace bh::x86
