// PCI scan at boot (see pci_scan.hpp).
#include "pci_scan.hpp"

#include <bh/pci/acpi.hpp>
#include <bh/pci/config.hpp>
#include <bh/rt.hpp>

using namespace bh::rt;

namespace sup {

PciFunction g_pci[kMaxPciFunctions];
uint32_t g_npci = 0;

namespace {

constexpr bh_slot_t kWindowSlot = 57;            // the MMIO cap of the current window
constexpr uint64_t kWindowVaddr = 0x7c000000;    // where it is mapped
constexpr uint64_t kMaxWindowPages = 16;         // 64 KiB: larger firmware tables are refused

// Maps [pa, pa + bytes) (read through the MMIO cap) and returns a pointer to pa; nullptr if the
// machine capability refuses it (RAM, or too large). One window at a time.
class Window {
public:
    const uint8_t* open(uint64_t pa, uint64_t bytes) {
        close();
        uint64_t first = pa & ~0xfffull, pages = (pa + bytes - first + 0xfff) / 0x1000;
        if (bytes == 0 || pages > kMaxWindowPages) return nullptr;
        if (!call(BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, first, pages, kWindowSlot).ok()) return nullptr;
        for (uint64_t i = 0; i < pages; ++i) {
            if (!call(BH_CALL_DEVICE_MAP, kWindowSlot, i, kWindowVaddr + i * 0x1000).ok()) {
                pages_ = i;
                close();
                return nullptr;
            }
        }
        pages_ = pages;
        return reinterpret_cast<const uint8_t*>(kWindowVaddr + (pa - first));
    }
    void close() {
        for (uint64_t i = 0; i < pages_; ++i) call(BH_CALL_FRAME_UNMAP, kWindowVaddr + i * 0x1000);
        call(BH_CALL_CAP_DELETE, kWindowSlot);
        pages_ = 0;
    }
    ~Window() { close(); }

private:
    uint64_t pages_ = 0;
};

// Configuration-space registers through the mapped ECAM page (bar_sizing.hpp's Access).
struct EcamAccess {
    uint8_t* p;
    uint32_t r32(uint16_t off) { return *reinterpret_cast<volatile uint32_t*>(p + off); }
    void w32(uint16_t off, uint32_t v) { *reinterpret_cast<volatile uint32_t*>(p + off) = v; }
};

// Copies a whole checked table into buf (so the window can move on); its length, or 0.
uint32_t read_table(Window& w, uint64_t pa, const char sig[4], uint8_t* buf, uint32_t cap) {
    const uint8_t* h = w.open(pa, bh::pci::kSdtHeader);
    if (!h) return 0;
    uint32_t len = bh::pci::sdt_length(h, bh::pci::kSdtHeader);
    if (len < bh::pci::kSdtHeader || len > cap) return 0;
    const uint8_t* t = w.open(pa, len);
    if (!t) return 0;
    for (uint32_t i = 0; i < len; ++i) buf[i] = t[i];
    return bh::pci::sdt_ok(buf, len, sig) ? len : 0;
}

// The firmware table with signature `sig`, copied whole into buf: its length, 0 if the firmware
// lists none (or it is corrupt: *where says where it was, 0 if absent).
uint32_t find_table(const char sig[4], uint8_t* buf, uint32_t cap, uint64_t* where) {
    *where = 0;
    uint64_t rsdp_pa = call(BH_CALL_MACHINE_FIRMWARE, BH_SLOT_MACHINE).r1;
    if (rsdp_pa == 0) {
        print("pci: the boot loader reported no ACPI RSDP");
        return 0;
    }
    Window w;
    const uint8_t* p = w.open(rsdp_pa, 36);
    bh::pci::Rsdp r;
    if (!p || !bh::pci::parse_rsdp(p, 36, &r)) {
        print("pci: no valid RSDP at %lx", rsdp_pa);
        return 0;
    }
    static uint8_t sdt[4096];
    bool x = r.xsdt != 0;
    if (!read_table(w, x ? r.xsdt : r.rsdt, x ? "XSDT" : "RSDT", sdt, sizeof sdt)) {
        print("pci: the %s at %lx is unreadable or corrupt", x ? "XSDT" : "RSDT", x ? r.xsdt : r.rsdt);
        return 0;
    }
    for (size_t i = 0;; ++i) {
        uint64_t t = bh::pci::sdt_entry(sdt, x, i);
        if (t == 0) return 0;
        const uint8_t* h = w.open(t, 4);
        if (!h || h[0] != sig[0] || h[1] != sig[1] || h[2] != sig[2] || h[3] != sig[3]) continue;
        *where = t;
        return read_table(w, t, sig, buf, cap);
    }
}

bool find_ecam(bh::pci::EcamWindow* out) {
    static uint8_t mcfg[4096];
    uint64_t at = 0;
    if (find_table("MCFG", mcfg, sizeof mcfg, &at) && bh::pci::mcfg_window(mcfg, 0, out) &&
        out->segment == 0 && out->bus_start == 0)
        return true;
    if (at) print("pci: the MCFG at %lx is corrupt or has no segment-0 window from bus 0", at);
    else print("pci: the firmware lists no MCFG table");
    return false;
}

// Which BARs hold the MSI-X table or its pending-bit array (PCI 3.0 §6.8.2: capability +4 and
// +8, BAR index in bits 2:0). A driver domain never gets those: an MSI-X entry names any
// interrupt vector of the machine, so whoever writes it could interrupt other domains' devices.
void find_msix(const bh::pci::Config& c, PciFunction& f) {
    c.each_capability([&](uint8_t off, uint8_t id) {
        if (id != bh::pci::kCapMsiX || f.msix_cap) return;
        uint32_t table = c.r32(static_cast<uint16_t>(off + 4)), pba = c.r32(static_cast<uint16_t>(off + 8));
        f.msix_bars = static_cast<uint8_t>(1u << (table & 7) | 1u << (pba & 7));
        f.msix_cap = off;
        f.msix_entries = static_cast<uint16_t>((c.r16(static_cast<uint16_t>(off + 2)) & 0x7ff) + 1);
        f.msix_bar = static_cast<uint8_t>(table & 7);
        f.msix_offset = table & ~7u;
    });
}

uint8_t g_next_msi_line = 24;  // the kernel's message-signalled lines are 24..55

}  // namespace

bool pci_scan() {
    bh::pci::EcamWindow ecam;
    if (!find_ecam(&ecam)) return false;
    print("pci: ECAM at %lx, buses %u-%u", ecam.base, ecam.bus_start, ecam.bus_end);
    Window w;
    for (uint8_t dev = 0; dev < 32; ++dev) {
        for (uint8_t fn = 0; fn < 8; ++fn) {
            uint64_t pa = ecam.function_address(0, dev, fn);
            const uint8_t* p = w.open(pa, 4096);
            if (!p) break;
            bh::pci::Config c{p};
            if (!c.present()) {
                if (fn == 0) break;
                continue;
            }
            PciFunction f{0, dev, fn, c.vendor(), c.device(), c.class_code(), pa, {}, 0, 0, 0, 0, 0, 0};
            find_msix(c, f);
            print("pci: 00:%02x.%x %04x:%04x class %06x", dev, fn, f.vendor, f.device, f.class_code);
            EcamAccess acc{const_cast<uint8_t*>(p)};
            bh::pci::size_bars(acc, f.bars);
            for (int b = 0; b < 6; ++b)
                if (f.bars[b].kind == bh::pci::BarRegion::Mem)
                    print("pci: 00:%02x.%x BAR%d memory %lx size %lx%s", dev, fn, b, f.bars[b].base,
                          f.bars[b].size, f.bars[b].is64 ? " (64-bit)" : "");
            if (g_npci < kMaxPciFunctions) g_pci[g_npci++] = f;
            if (fn == 0 && !c.multifunction()) break;
        }
    }
    print("pci: %u functions on bus 0", g_npci);
    return g_npci > 0;
}

int msix_setup(PciFunction& f, bh_slot_t tmp, bool (*give)(uint32_t k, void* ctx), void* ctx) {
    if (!f.msix_cap) return 0;
    uint32_t n = f.msix_entries < BH_MAX_MSI ? f.msix_entries : BH_MAX_MSI;
    if (!f.msi_line) {
        if (g_next_msi_line + n > 56) return -1;
        f.msi_line = g_next_msi_line;
        g_next_msi_line = static_cast<uint8_t>(g_next_msi_line + n);
    }
    const bh::pci::BarRegion& bar = f.bars[f.msix_bar];
    if (bar.kind != bh::pci::BarRegion::Mem) return -1;
    Window w;
    for (uint32_t k = 0; k < n; ++k) {
        Ret m = call(BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, f.msi_line + k, tmp);
        // PCI 3.0 §6.8.2.6: message address low/high, data, vector control (bit 0: masked).
        auto* e = const_cast<volatile uint32_t*>(reinterpret_cast<const volatile uint32_t*>(
            m.ok() ? w.open(bar.base + f.msix_offset + 16 * k, 16) : nullptr));
        if (!e) {
            call(BH_CALL_CAP_DELETE, tmp);
            return -1;
        }
        e[0] = static_cast<uint32_t>(m.r1);
        e[1] = static_cast<uint32_t>(m.r1 >> 32);
        e[2] = static_cast<uint32_t>(m.r2);
        e[3] = 0;
        if (!give(k, ctx)) return -1;
    }
    uint8_t* cs = const_cast<uint8_t*>(w.open(f.config, 4096));
    if (!cs) return -1;
    auto* ctrl = reinterpret_cast<volatile uint16_t*>(cs + f.msix_cap + 2);
    *ctrl = static_cast<uint16_t>((*ctrl | 0x8000) & ~0x4000);  // enable, function unmasked
    return static_cast<int>(n);
}

bool g_iommu = false;

namespace {
uint8_t g_dmar[4096];
bh::pci::DmarUnit g_unit;
}  // namespace

bool iommu_covers(const PciFunction& f) {
    return g_iommu && bh::pci::dmar_covers(g_dmar, g_unit, f.bus, f.dev, f.fn);
}

bool iommu_init() {
    uint8_t* dmar = g_dmar;
    uint64_t at = 0;
    if (!find_table("DMAR", dmar, sizeof g_dmar, &at)) {
        if (at) print("iommu: the DMAR at %lx is corrupt", at);
        else print("iommu: none (no DMAR table): PCI functions cannot be given to domains");
        return false;
    }
    bh::pci::DmarUnit& u = g_unit;
    bh::pci::DmarUnit more;
    bool one = bh::pci::dmar_unit(dmar, 0, &u) && !bh::pci::dmar_unit(dmar, 1, &more);
    if (!one || u.segment != 0) {
        print("iommu: the DMAR does not name exactly one unit, for segment 0; not supported");
        return false;
    }
    Ret r = call(BH_CALL_MACHINE_IOMMU, BH_SLOT_MACHINE, u.regs);
    if (!r.ok()) {
        print("iommu: the kernel refused the unit at %lx: %s", u.regs, error_name(r.err));
        return false;
    }
    print("iommu: DMA remapping on (unit at %lx): devices reach only their owners' memory", u.regs);
    g_iommu = true;
    return true;
}

}  // namespace sup
