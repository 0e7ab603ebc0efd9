// Intel VT-d register programming (VT-d spec §10.4: register layout; §6.5: register-based
// invalidation; §7.3: primary fault logging). One unit, legacy (non-scalable) mode, register
// invalidation only: QEMU's intel-iommu and every VT-d unit implement both.
#include "arch/x86_64/vtd.hpp"

#include "arch/x86_64/vtd_context.hpp"
#include "domain/dma_assign.hpp"
#include "lib/log.hpp"
#include "mem/machine_frames.hpp"

namespace bh::x86 {
namespace {

constexpr uint32_t kVer = 0x00, kCap = 0x08, kEcap = 0x10, kGcmd = 0x18, kGsts = 0x1c;
constexpr uint32_t kRtaddr = 0x20, kCcmd = 0x28, kFsts = 0x34, kFectl = 0x38;
constexpr uint32_t kFedata = 0x3c, kFeaddr = 0x40, kFeuaddr = 0x44;
constexpr uint32_t kGcmdTe = 1u << 31, kGcmdSrtp = 1u << 30;
constexpr uint32_t kGstsTes = 1u << 31, kGstsRtps = 1u << 30;
constexpr uint64_t kCcmdIcc = 1ull << 63, kCcmdGlobal = 1ull << 61;
constexpr uint64_t kIotlbIvt = 1ull << 63, kIotlbGlobal = 1ull << 60, kIotlbDomain = 2ull << 60;
constexpr uint64_t kIotlbDrain = 3ull << 48;  // drain reads and writes before completing
constexpr uint64_t kFrcdFault = 1ull << 63, kFrcdRead = 1ull << 62;
constexpr uint32_t kFstsPfo = 1u << 0;  // primary fault overflow, write 1 to clear
constexpr uint32_t kSagaw48 = 1u << 2;  // CAP.SAGAW bit 2: 48-bit, 4-level tables
constexpr uint32_t kPolls = 1000000;

struct Tables {
    Result<paddr_t> alloc_table() { return machine_frames().alloc(); }
    void free_table(paddr_t pa) { machine_frames().unref(pa); }
};

struct Unit {
    paddr_t regs = 0;
    uint32_t gcmd = 0;      // the persistent enables we have set (GCMD has no read-back)
    uint32_t iotlb = 0;     // offset of the IOTLB invalidate register
    uint32_t frcd = 0;      // offset of fault recording register 0
    uint32_t nfr = 0;       // fault recording registers
    uint32_t max_did = 0;
    bool coherent = false;  // ECAP.C: the unit snoops the CPU caches when walking tables
    VtdContextTables<Tables> ctx;
};
Unit g_unit;

uint32_t r32(uint32_t off) { return *phys_as<volatile uint32_t>(g_unit.regs + off); }
uint64_t r64(uint32_t off) { return *phys_as<volatile uint64_t>(g_unit.regs + off); }
void w32(uint32_t off, uint32_t v) { *phys_as<volatile uint32_t>(g_unit.regs + off) = v; }
void w64(uint32_t off, uint64_t v) { *phys_as<volatile uint64_t>(g_unit.regs + off) = v; }

// A unit that never finishes a command is broken hardware: say so rather than hang.
bool wait64(uint32_t off, uint64_t bit, bool set) {
    for (uint32_t i = 0; i < kPolls; ++i)
        if (((r64(off) & bit) != 0) == set) return true;
    klog("iommu: register 0x%x bit 0x%lx stuck", off, bit);
    return false;
}
bool wait_status(uint32_t bit) {
    for (uint32_t i = 0; i < kPolls; ++i)
        if (r32(kGsts) & bit) return true;
    klog("iommu: status bit 0x%x never set", bit);
    return false;
}

void invalidate_context() {
    w64(kCcmd, kCcmdIcc | kCcmdGlobal);
    wait64(kCcmd, kCcmdIcc, false);
}
void invalidate_iotlb(uint64_t what) {
    w64(g_unit.iotlb + 8, kIotlbIvt | kIotlbDrain | what);
    wait64(g_unit.iotlb + 8, kIotlbIvt, false);
}

}  // namespace

bool vtd_on() { return g_unit.regs != 0; }
paddr_t vtd_regs() { return g_unit.regs; }

Result<void> vtd_enable(paddr_t regs) {
    if (vtd_on()) return Error::BadState;
    if (!page_aligned(regs) || regs == 0 || machine_is_ram(regs)) return Error::BadArg;
    g_unit.regs = regs;
    uint32_t ver = r32(kVer);
    uint64_t cap = r64(kCap), ecap = r64(kEcap);
    uint32_t sagaw = static_cast<uint32_t>(cap >> 8) & 0x1f;
    uint32_t mgaw = (static_cast<uint32_t>(cap >> 16) & 0x3f) + 1;
    if (ver == 0xffffffff || (ver >> 4 & 0xf) == 0 || !(sagaw & kSagaw48) || mgaw < 48) {
        klog("iommu: unit at 0x%lx unusable (version 0x%x, SAGAW 0x%x, MGAW %u): need 4-level tables",
             regs, ver, sagaw, mgaw);
        g_unit.regs = 0;
        return Error::BadArg;
    }
    g_unit.iotlb = (static_cast<uint32_t>(ecap >> 8) & 0x3ff) * 16;
    g_unit.frcd = (static_cast<uint32_t>(cap >> 24) & 0x3ff) * 16;
    g_unit.nfr = (static_cast<uint32_t>(cap >> 40) & 0xff) + 1;
    g_unit.max_did = 1u << (4 + 2 * (cap & 7));
    g_unit.coherent = (ecap & 1) != 0;
    if (auto r = g_unit.ctx.init(); !r.ok()) {
        g_unit.regs = 0;
        return r.error();
    }
    vtd_sync_tables();

    // Faults are reported by an MSI to the boot CPU (APIC id 0), unmasked from the start.
    w32(kFedata, kVectorIommuFault);
    w32(kFeaddr, 0xFEE00000);
    w32(kFeuaddr, 0);
    for (uint32_t i = 0; i < g_unit.nfr; ++i) w64(g_unit.frcd + 16 * i + 8, kFrcdFault);
    w32(kFsts, kFstsPfo);
    w32(kFectl, 0);

    w64(kRtaddr, g_unit.ctx.root());  // TTM 00: legacy root/context tables
    w32(kGcmd, g_unit.gcmd | kGcmdSrtp);
    if (!wait_status(kGstsRtps)) return Error::BadState;
    invalidate_context();
    invalidate_iotlb(kIotlbGlobal);
    g_unit.gcmd |= kGcmdTe;
    w32(kGcmd, g_unit.gcmd);
    if (!wait_status(kGstsTes)) return Error::BadState;
    klog("iommu: VT-d %u.%u at 0x%lx: DMA remapping on, every device blocked until assigned "
         "(%u domain ids, %u fault records%s)", ver >> 4 & 0xf, ver & 0xf, regs, g_unit.max_did,
         g_unit.nfr, g_unit.coherent ? "" : ", tables flushed from the caches");
    return success();
}

Result<void> vtd_attach(uint16_t bdf, paddr_t sl_root, uint16_t did) {
    if (!vtd_on()) return Error::BadState;
    if (did >= g_unit.max_did) return Error::BadArg;
    TRYV(g_unit.ctx.attach(bdf, sl_root, did));
    vtd_sync_tables();
    invalidate_context();
    invalidate_iotlb(kIotlbDomain | uint64_t{did} << 32);
    return success();
}

void vtd_detach(uint16_t bdf) {
    if (!vtd_on()) return;
    g_unit.ctx.detach(bdf);
    vtd_sync_tables();
    invalidate_context();
    invalidate_iotlb(kIotlbGlobal);
}

void vtd_flush(uint16_t did) {
    if (!vtd_on()) return;
    vtd_sync_tables();
    invalidate_iotlb(kIotlbDomain | uint64_t{did} << 32);
}

void vtd_sync_tables() {
    // A non-coherent unit reads tables from memory, past the CPU's caches. Writing every cache
    // back is coarse but needs no list of the lines each update touched.
    if (vtd_on() && !g_unit.coherent) asm volatile("wbinvd" ::: "memory");
}

void vtd_fault_interrupt() {
    if (!vtd_on()) return;
    for (uint32_t i = 0; i < g_unit.nfr; ++i) {
        uint32_t off = g_unit.frcd + 16 * i;
        uint64_t hi = r64(off + 8);
        if (!(hi & kFrcdFault)) continue;
        uint64_t lo = r64(off);
        w64(off + 8, kFrcdFault);  // write 1 to clear: the record is free for the next fault
        dma_fault_report(static_cast<uint16_t>(hi & 0xffff), lo & ~0xfffull,
                         !(hi & kFrcdRead), static_cast<uint8_t>(hi >> 32));
    }
    if (r32(kFsts) & kFstsPfo) {
        klog("iommu: fault records overflowed; some blocked DMA went unreported");
        w32(kFsts, kFstsPfo);
    }
}

}  // namespace bh::x86
