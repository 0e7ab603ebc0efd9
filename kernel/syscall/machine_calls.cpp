// Machine calls (modules, shutdown, console input, the kernel log) and device access by cap.
#include "cap/cspace.hpp"
#include "cap/release.hpp"
#include "domain/console.hpp"
#include "domain/console_buffer.hpp"
#include "domain/irq_routing.hpp"
#include "domain/objects.hpp"
#include "domain/platform.hpp"
#include "mem/kheap.hpp"
#include "mem/machine_frames.hpp"
#include "lib/log.hpp"
#include "syscall/syscall.hpp"

namespace bh {
namespace {

Result<void> io(Domain& self, const SysArgs& a, SysOut& out) {
    DeviceObj* dev = TRY(self.cspace->lookup_as<DeviceObj>(TRY(arg32(a.a0)), BH_R_CONTROL));
    uint64_t width = a.a2;
    if (width != 1 && width != 2 && width != 4) return Error::BadArg;
    // a1 is bounded first: near 2^64, a1 + width would wrap past the region's end check.
    if (a.a1 < dev->io_base || a.a1 > 0xffff ||
        a.a1 + width > uint64_t{dev->io_base} + dev->io_count)
        return Error::NoRights;
    auto port = static_cast<uint16_t>(a.a1);
    if (a.nr == BH_CALL_IO_OUT) platform::port_out(port, static_cast<uint32_t>(width), static_cast<uint32_t>(a.a3));
    else out.r1 = platform::port_in(port, static_cast<uint32_t>(width));
    return success();
}

// The machine capability is the root of all device authority: it mints DeviceRegion (I/O
// ports or MMIO) and Irq objects, which the supervisor hands to driver domains.
constexpr paddr_t kLapicPage = 0xFEE00000, kIoapicPage = 0xFEC00000;
constexpr uint64_t kMaxMmioPages = 256;

// MMIO must be device memory: no RAM the allocator manages, not the interrupt controllers.
Result<void> check_mmio(uint64_t base, uint64_t pages) {
    if (!page_aligned(base) || pages == 0 || pages > kMaxMmioPages ||
        base > (1ull << 52) - pages * kPageSize)
        return Error::BadArg;
    for (uint64_t i = 0; i < pages; ++i) {
        paddr_t pa = base + i * kPageSize;
        if (machine_is_ram(pa) || pa == kLapicPage || pa == kIoapicPage ||
            (platform::iommu_on() && pa == platform::iommu_regs()))
            return Error::NoRights;
    }
    return success();
}

Result<Kobject*> make_device(Domain& self, const SysArgs& a) {
    if (a.nr == BH_CALL_MACHINE_IRQ_CAP) {
        if (a.a1 >= kNrDeviceIrqs) return Error::BadArg;
        auto* q = knew<IrqObj>();
        if (!q) return Error::NoMemory;
        q->irq = static_cast<uint32_t>(a.a1);
        q->charged = &self;
        return static_cast<Kobject*>(q);
    }
    if (a.nr == BH_CALL_MACHINE_DEVICE_CAP) {
        if (a.a2 == 0 || a.a1 > 0xffff || a.a2 > 0x10000 - a.a1) return Error::BadArg;
    } else {
        TRYV(check_mmio(a.a1, a.a2));
    }
    auto* d = knew<DeviceObj>();
    if (!d) return Error::NoMemory;
    if (a.nr == BH_CALL_MACHINE_DEVICE_CAP) {
        d->io_base = static_cast<uint16_t>(a.a1);
        d->io_count = static_cast<uint16_t>(a.a2 == 0x10000 ? 0xffff : a.a2);
    } else {
        d->mmio_base = a.a1;
        d->mmio_pages = static_cast<uint32_t>(a.a2);
    }
    d->charged = &self;
    return static_cast<Kobject*>(d);
}

Result<void> mint_device(Domain& self, const SysArgs& a) {
    TRY(self.cspace->lookup_as<MachineObj>(TRY(arg32(a.a0)), BH_R_CONTROL));
    bh_slot_t dst = TRY(arg32(a.nr == BH_CALL_MACHINE_IRQ_CAP ? a.a2 : a.a3));
    auto probe = self.cspace->at(dst);
    if (probe.ok()) return Error::SlotFull;
    if (probe.error() != Error::EmptySlot) return probe.error();
    size_t size = a.nr == BH_CALL_MACHINE_IRQ_CAP ? sizeof(IrqObj) : sizeof(DeviceObj);
    TRYV(self.quota.charge(size));
    auto obj = make_device(self, a);
    if (!obj.ok()) {
        self.quota.release(size);
        return obj.error();
    }
    kobject_hold(&self);
    return self.cspace->insert(dst, obj.value(), BH_R_ALL);
}

Result<void> device_map(Domain& self, const SysArgs& a) {
    DeviceObj* dev = TRY(self.cspace->lookup_as<DeviceObj>(TRY(arg32(a.a0)), BH_R_CONTROL));
    if (a.a1 >= dev->mmio_pages) return Error::BadArg;
    return self.as.map_device(a.a2, dev->mmio_base + a.a1 * kPageSize);
}

}  // namespace

Result<void> sys_machine(Domain& self, const SysArgs& a, SysOut& out) {
    switch (a.nr) {
    case BH_CALL_MACHINE_MODULES: {
        MachineObj* m = TRY(self.cspace->lookup_as<MachineObj>(TRY(arg32(a.a0)), BH_R_READ));
        uint32_t i = TRY(arg32(a.a1));
        if (i >= m->nr_modules) return Error::NotFound;
        bh_module_info info{};
        info.size = m->modules[i].size;
        for (unsigned k = 0; k < sizeof info.name && m->modules[i].name[k]; ++k)
            info.name[k] = m->modules[i].name[k];
        TRYV(self.as.copy_out(a.a2, &info, sizeof info));
        out.r1 = m->nr_modules;
        return success();
    }
    case BH_CALL_MACHINE_MODULE_READ: {
        MachineObj* m = TRY(self.cspace->lookup_as<MachineObj>(TRY(arg32(a.a0)), BH_R_READ));
        uint32_t i = TRY(arg32(a.a1));
        if (i >= m->nr_modules) return Error::NotFound;
        const ModuleImage& mod = m->modules[i];
        uint64_t n = a.a2 < mod.size ? mod.size - a.a2 : 0;
        if (a.a4 < n) n = a.a4;
        TRYV(self.as.copy_out(a.a3, mod.data + (n ? a.a2 : 0), n));
        out.r1 = n;
        return success();
    }
    case BH_CALL_MACHINE_SHUTDOWN: {
        TRY(self.cspace->lookup_as<MachineObj>(TRY(arg32(a.a0)), BH_R_CONTROL));
        if (a.a1 > 1) return Error::BadArg;
        klog("BH-SHUTDOWN code=%lu", a.a1);
        platform::machine_stop(a.a1 == 0);
    }
    case BH_CALL_MACHINE_CMDLINE: {
        MachineObj* m = TRY(self.cspace->lookup_as<MachineObj>(TRY(arg32(a.a0)), BH_R_READ));
        uint64_t n = 0;
        while (m->cmdline[n]) ++n;
        if (a.a2 < n + 1) return Error::BadArg;
        TRYV(self.as.copy_out(a.a1, m->cmdline, n + 1));
        out.r1 = n;
        return success();
    }
    case BH_CALL_MACHINE_FIRMWARE: {
        MachineObj* m = TRY(self.cspace->lookup_as<MachineObj>(TRY(arg32(a.a0)), BH_R_READ));
        out.r1 = m->rsdp;
        return success();
    }
    case BH_CALL_IO_OUT:
    case BH_CALL_IO_IN: return io(self, a, out);
    case BH_CALL_IRQ_ACK: {
        IrqObj* irq = TRY(self.cspace->lookup_as<IrqObj>(TRY(arg32(a.a0)), BH_R_CONTROL));
        return irq_ack(irq->irq, self.id);
    }
    case BH_CALL_MACHINE_IRQ_CAP:
        TRYV(mint_device(self, a));
        if (irq_is_msi(static_cast<uint32_t>(a.a1))) {
            uint32_t data = 0;
            out.r1 = platform::msi_message(static_cast<uint32_t>(a.a1) - kNrIoapicLines, &data);
            out.r2 = data;
        }
        return success();
    case BH_CALL_MACHINE_DEVICE_CAP:
    case BH_CALL_MACHINE_MMIO_CAP: return mint_device(self, a);
    case BH_CALL_DEVICE_MAP: return device_map(self, a);
    case BH_CALL_MACHINE_CONSOLE_READ: {
        TRY(self.cspace->lookup_as<MachineObj>(TRY(arg32(a.a0)), BH_R_READ));
        uint8_t buf[256];
        size_t want = a.a2 < sizeof buf ? a.a2 : sizeof buf;
        // Validate the destination before taking bytes out of the queue: a failure loses nothing.
        TRYV(self.as.check_writable(a.a1, want));
        size_t got = console_read(buf, want);
        TRYV(self.as.copy_out(a.a1, buf, got));
        out.r1 = got;
        return success();
    }
    case BH_CALL_MACHINE_DMESG: {
        TRY(self.cspace->lookup_as<MachineObj>(TRY(arg32(a.a0)), BH_R_READ));
        LogRing::Window w = TRY(log_copy_out(kernel_log(), self.as, TRY(arg32(a.a1)), a.a2, a.a3));
        out.r1 = w.count;
        out.r2 = w.next();
        return success();
    }
    default: return Error::BadCall;
    }
}

}  // namespace bh
