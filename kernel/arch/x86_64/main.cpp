// kernel_main: from the PVH entry to the supervisor — descriptor tables, memory, timer, syscall
// entry, the boot archive, and the first domain.
#include "arch/x86_64/context.hpp"
#include "arch/x86_64/cpu.hpp"
#include "arch/x86_64/gdt.hpp"
#include "arch/x86_64/idt.hpp"
#include "arch/x86_64/ioapic.hpp"
#include "arch/x86_64/lapic.hpp"
#include "arch/x86_64/serial.hpp"
#include "boot/cpio.hpp"
#include "boot/start_info.hpp"
#include "cap/cspace.hpp"
#include "domain/console.hpp"
#include "domain/cpu.hpp"
#include "domain/lifecycle.hpp"
#include "domain/objects.hpp"
#include "lib/log.hpp"
#include "mem/machine_frames.hpp"

extern "C" char __kernel_start[], __kernel_end[], boot_pml4[];
using InitFn = void (*)();
extern "C" InitFn __init_array_start[], __init_array_end[];
extern "C" uint64_t kernel_stack_top;
extern "C" void syscall_entry();
extern "C" [[noreturn]] void enter_first(bh::x86::TrapFrame*);

namespace bh {
namespace {

constexpr uint64_t kKernelVma = 0xffffffff80000000ull;
constexpr uint64_t kPhysmapBase = 0xffff800000000000ull;
constexpr paddr_t kPhysmapLimit = 4ull << 30;
constexpr uint32_t kTickUs = BH_TICK_MS * 1000;
constexpr uint64_t kSupervisorReserve = 256;  // frames kept back from the supervisor's quota

alignas(16) uint8_t g_kernel_stack[16384];
alignas(16) uint8_t g_ist_stack[8192];
FrameAllocator g_frames;
MemRegion g_ram[64];
uint32_t g_nr_ram = 0;
MachineObj g_machine;

paddr_t image_pa(const void* p) { return reinterpret_cast<uint64_t>(p) - kKernelVma; }

void serial_sink(const char* s, size_t n) { serial::write(s, n); }

[[noreturn]] void boot_fail(const char* what) {
    klog("boot: %s", what);
    klog("BH-SHUTDOWN code=1");
    x86::outb(0xf4, 0x11);
    x86::halt_forever();
}

void init_frames(const StartInfoView& si, paddr_t si_pa) {
    MemRegion usable[64];
    uint32_t nu = 0;
    for (const auto& e : si.memmap())
        if (e.type == static_cast<uint32_t>(MemmapType::Ram) && nu < 64 && e.addr < kPhysmapLimit) {
            uint64_t size = e.addr + e.size > kPhysmapLimit ? kPhysmapLimit - e.addr : e.size;
            usable[nu++] = {e.addr, size};
        }
    MemRegion reserved[8 + MachineObj::kMaxModules];
    uint32_t nr = 0;
    reserved[nr++] = {0, 0x100000};  // real-mode area, BIOS, option ROMs
    reserved[nr++] = {image_pa(__kernel_start), image_pa(__kernel_end) - image_pa(__kernel_start)};
    reserved[nr++] = {si_pa & ~(kPageSize - 1), 2 * kPageSize};
    for (uint32_t i = 0; i < si.module_count() && nr < 8 + MachineObj::kMaxModules; ++i)
        if (auto m = si.module(i); m.ok()) reserved[nr++] = {m.value().paddr, m.value().bytes.size()};
    if (!g_frames.init({usable, nu}, {reserved, nr}).ok()) boot_fail("no usable memory");
    for (const auto& e : si.memmap())
        if (e.type == static_cast<uint32_t>(MemmapType::Ram) && g_nr_ram < 64)
            g_ram[g_nr_ram++] = {e.addr, e.size};
    klog("memory: %lu frames free of %lu", g_frames.free_frames(), g_frames.total_frames());
}

// Module 0 of the PVH start info is the boot archive; each regular file in it is a module.
void load_archive(const StartInfoView& si) {
    auto m0 = si.module(0);
    if (si.module_count() == 0 || !m0.ok()) boot_fail("no boot archive (initrd)");
    CpioReader reader(m0.value().bytes);
    CpioEntry e;
    for (;;) {
        auto more = reader.next(e);
        if (!more.ok()) {
            klog("boot: boot archive malformed after %u modules; using those", g_machine.nr_modules);
            break;
        }
        if (!more.value()) break;
        if ((e.mode & kCpioTypeMask) != kCpioTypeFile) continue;
        if (g_machine.nr_modules == MachineObj::kMaxModules) {
            klog("boot: more than %u modules; ignoring the rest", MachineObj::kMaxModules);
            break;
        }
        ModuleImage& mod = g_machine.modules[g_machine.nr_modules++];
        mod.data = e.data.data();
        mod.size = e.data.size();
        const char* base = e.name;
        for (const char* p = e.name; *p; ++p)
            if (*p == '/') base = p + 1;
        for (unsigned i = 0; base[i] && i + 1 < sizeof mod.name; ++i) mod.name[i] = base[i];
        klog("boot: module %u: %s (%lu bytes)", g_machine.nr_modules - 1, mod.name, mod.size);
    }
}

void init_syscall() {
    using x86::Msr;
    x86::wrmsr(Msr::Star, (uint64_t{x86::kUserBase} << 48) | (uint64_t{x86::kKernelCode} << 32));
    x86::wrmsr(Msr::Lstar, reinterpret_cast<uint64_t>(&syscall_entry));
    // Clear IF, TF, DF, AC and NT on entry: the kernel runs with interrupts off.
    x86::wrmsr(Msr::Sfmask, (1u << 9) | (1u << 8) | (1u << 10) | (1u << 18) | (1u << 14));
}

}  // namespace

FrameAllocator& machine_frames() { return g_frames; }
paddr_t kernel_root() { return image_pa(boot_pml4); }

bool machine_is_ram(paddr_t pa) {
    for (uint32_t i = 0; i < g_nr_ram; ++i)
        if (pa >= g_ram[i].base && pa - g_ram[i].base < g_ram[i].size) return true;
    return false;
}

}  // namespace bh

extern "C" [[noreturn]] void kernel_main(uint32_t start_info_pa) {
    using namespace bh;
    // Global constructors (vtables of the kernel hosts, object type tags) before anything else.
    for (InitFn* f = __init_array_start; f != __init_array_end; ++f) (*f)();
    serial::init();
    set_log_sink(serial_sink);
    g_physmap_base = kPhysmapBase;
    klog("Bulkhead kernel (x86-64, PVH boot)");

    kernel_stack_top = reinterpret_cast<uint64_t>(g_kernel_stack + sizeof g_kernel_stack);
    x86::gdt_init(kernel_stack_top, reinterpret_cast<uint64_t>(g_ist_stack + sizeof g_ist_stack));
    x86::idt_init();
    // Drop the boot identity map: from here on, low addresses belong to domains only.
    reinterpret_cast<uint64_t*>(boot_pml4)[0] = 0;
    x86::write_cr3(kernel_root());

    auto si = StartInfoView::from(phys_as<hvm_start_info>(start_info_pa), kPhysmapLimit);
    if (!si.ok()) boot_fail("bad hvm_start_info");
    init_frames(si.value(), start_info_pa);
    register_release_hooks();
    load_archive(si.value());
    g_machine.cmdline = si.value().cmdline();
    g_machine.rsdp = si.value().rsdp();
    klog("boot: command line '%s'", g_machine.cmdline);
    if (g_machine.nr_modules == 0) boot_fail("boot archive holds no modules");

    x86::lapic_init(kTickUs);
    x86::ioapic_init();
    serial::enable_rx_interrupt();
    x86::ioapic_route(kConsoleLine, false);
    init_syscall();

    uint64_t quota = (g_frames.free_frames() - kSupervisorReserve) * kPageSize;
    ModuleImage& sup = g_machine.modules[0];
    auto d = domain_create(nullptr, {sup.data, sup.size}, sup.name, quota);
    if (!d.ok()) boot_fail("cannot build the supervisor from module 0");
    kobject_hold(&g_machine);  // static object: never released
    if (!d.value()->cspace->insert(BH_SLOT_MACHINE, &g_machine, BH_R_ALL).ok())
        boot_fail("cannot give the supervisor its machine capability");
    (void)domain_start(*d.value(), g_machine.nr_modules, 0);

    Cpu& cpu = this_cpu();
    Vcpu* first = static_cast<Vcpu*>(cpu.sched.pick()->owner);
    cpu.current = first;
    x86::write_cr3(first->dom->as.root());
    auto* frame = reinterpret_cast<x86::TrapFrame*>(kernel_stack_top - sizeof(x86::TrapFrame));
    *frame = first->ctx;
    enter_first(frame);
}
