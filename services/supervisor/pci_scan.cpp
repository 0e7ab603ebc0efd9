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

bool find_ecam(bh::pci::EcamWindow* out) {
    uint64_t rsdp_pa = call(BH_CALL_MACHINE_FIRMWARE, BH_SLOT_MACHINE).r1;
    if (rsdp_pa == 0) {
        print("pci: the boot loader reported no ACPI RSDP");
        return false;
    }
    Window w;
    const uint8_t* p = w.open(rsdp_pa, 36);
    bh::pci::Rsdp r;
    if (!p || !bh::pci::parse_rsdp(p, 36, &r)) {
        print("pci: no valid RSDP at %lx", rsdp_pa);
        return false;
    }
    static uint8_t sdt[4096], mcfg[4096];
    bool x = r.xsdt != 0;
    if (!read_table(w, x ? r.xsdt : r.rsdt, x ? "XSDT" : "RSDT", sdt, sizeof sdt)) {
        print("pci: the %s at %lx is unreadable or corrupt", x ? "XSDT" : "RSDT", x ? r.xsdt : r.rsdt);
        return false;
    }
    for (size_t i = 0;; ++i) {
        uint64_t t = bh::pci::sdt_entry(sdt, x, i);
        if (t == 0) break;
        const uint8_t* h = w.open(t, 4);
        if (!h || h[0] != 'M' || h[1] != 'C' || h[2] != 'F' || h[3] != 'G') continue;
        if (read_table(w, t, "MCFG", mcfg, sizeof mcfg) && bh::pci::mcfg_window(mcfg, 0, out) &&
            out->segment == 0 && out->bus_start == 0)
            return true;
        print("pci: the MCFG at %lx is corrupt or has no segment-0 window from bus 0", t);
        return false;
    }
    print("pci: the firmware lists no MCFG table");
    return false;
}

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
            PciFunction f{0, dev, fn, c.vendor(), c.device(), c.class_code(), pa, {}};
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

}  // namespace sup
