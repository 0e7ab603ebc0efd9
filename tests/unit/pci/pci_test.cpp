// libs/pci on built tables and configuration spaces: what real firmware and devices give, and
// the lies a broken one could tell (bad checksums, cut-short tables, capability loops).
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "bh/pci/acpi.hpp"
#include "bh/pci/config.hpp"

using namespace bh::pci;

namespace {

void put32(std::vector<uint8_t>& b, size_t off, uint32_t v) { std::memcpy(&b[off], &v, 4); }
void put64(std::vector<uint8_t>& b, size_t off, uint64_t v) { std::memcpy(&b[off], &v, 8); }

void fix_checksum(std::vector<uint8_t>& b, size_t len, size_t at) {
    b[at] = 0;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; ++i) sum = static_cast<uint8_t>(sum + b[i]);
    b[at] = static_cast<uint8_t>(-sum);
}

std::vector<uint8_t> rsdp(uint8_t rev, uint32_t rsdt, uint64_t xsdt) {
    std::vector<uint8_t> b(36, 0);
    std::memcpy(b.data(), "RSD PTR ", 8);
    b[15] = rev;
    put32(b, 16, rsdt);
    fix_checksum(b, 20, 8);
    if (rev >= 2) {
        put32(b, 20, 36);
        put64(b, 24, xsdt);
        fix_checksum(b, 36, 32);
    }
    return b;
}

std::vector<uint8_t> table(const char sig[4], std::vector<uint8_t> body) {
    std::vector<uint8_t> b(kSdtHeader, 0);
    std::memcpy(b.data(), sig, 4);
    b.insert(b.end(), body.begin(), body.end());
    put32(b, 4, static_cast<uint32_t>(b.size()));
    fix_checksum(b, b.size(), 9);
    return b;
}

}  // namespace

TEST_CASE("Acpi.RsdpOfBothRevisions") {
    Rsdp r;
    auto v1 = rsdp(0, 0x0ffe22a5, 0);  // QEMU's, as PVH boot reports it
    REQUIRE(parse_rsdp(v1.data(), 20, &r));
    CHECK(r.rsdt == 0x0ffe22a5);
    CHECK(r.xsdt == 0);
    auto v2 = rsdp(2, 0x1000, 0x123456789000);
    REQUIRE(parse_rsdp(v2.data(), 36, &r));
    CHECK(r.xsdt == 0x123456789000);
    CHECK_FALSE(parse_rsdp(v2.data(), 20, &r));  // revision 2 needs its 36 bytes
    v1[16] ^= 1;
    CHECK_FALSE(parse_rsdp(v1.data(), 20, &r));  // checksum
    auto bad = rsdp(0, 1, 0);
    bad[0] = 'X';
    CHECK_FALSE(parse_rsdp(bad.data(), 20, &r));
}

TEST_CASE("Acpi.RsdtXsdtAndMcfg") {
    std::vector<uint8_t> ents(12);
    put32(ents, 0, 0x1000);
    put32(ents, 4, 0x2000);
    put32(ents, 8, 0x3000);
    auto rsdt = table("RSDT", ents);
    REQUIRE(sdt_ok(rsdt.data(), rsdt.size(), "RSDT"));
    CHECK_FALSE(sdt_ok(rsdt.data(), rsdt.size(), "XSDT"));
    CHECK(sdt_entry(rsdt.data(), false, 2) == 0x3000);
    CHECK(sdt_entry(rsdt.data(), false, 3) == 0);
    CHECK_FALSE(sdt_ok(rsdt.data(), rsdt.size() - 1, "RSDT"));  // cut short
    rsdt[40] ^= 0x10;
    CHECK_FALSE(sdt_ok(rsdt.data(), rsdt.size(), "RSDT"));  // checksum

    std::vector<uint8_t> m(8 + 16, 0);  // 8 reserved bytes, one window
    put64(m, 8, 0xb0000000);
    m[18] = 0;
    m[19] = 0xff;
    auto mcfg = table("MCFG", m);
    REQUIRE(sdt_ok(mcfg.data(), mcfg.size(), "MCFG"));
    EcamWindow w;
    REQUIRE(mcfg_window(mcfg.data(), 0, &w));
    CHECK(w.base == 0xb0000000);
    CHECK(w.bus_end == 0xff);
    CHECK(w.function_address(0, 0x1f, 2) == 0xb00fa000);
    CHECK(w.function_address(1, 0, 0) == 0xb0100000);
    CHECK_FALSE(mcfg_window(mcfg.data(), 1, &w));
}

TEST_CASE("Acpi.DmarUnits") {
    // QEMU's intel-iommu: width 47 (48 bits), flags, 10 reserved, then an RMRR-less list: one
    // DRHD with INCLUDE_PCI_ALL at 0xfed90000 and one IOAPIC device scope (type 3, 8 bytes).
    std::vector<uint8_t> body(12, 0);
    body[0] = 47;
    body[1] = 1;
    std::vector<uint8_t> drhd(24, 0);
    drhd[0] = 0, drhd[2] = 24;
    drhd[4] = 1;  // INCLUDE_PCI_ALL
    put64(drhd, 8, 0xfed90000);
    drhd[16] = 3, drhd[17] = 8;
    std::vector<uint8_t> atsr{2, 0, 8, 0, 0, 0, 0, 0};  // another structure type: skipped
    body.insert(body.end(), atsr.begin(), atsr.end());
    body.insert(body.end(), drhd.begin(), drhd.end());
    auto dmar = table("DMAR", body);
    REQUIRE(sdt_ok(dmar.data(), dmar.size(), "DMAR"));
    DmarUnit u;
    REQUIRE(dmar_unit(dmar.data(), 0, &u));
    CHECK(u.regs == 0xfed90000);
    CHECK(u.segment == 0);
    CHECK(u.all_devices);
    CHECK_FALSE(dmar_unit(dmar.data(), 1, &u));

    CHECK(dmar_covers(dmar.data(), u, 0, 1, 0));

    // QEMU 7.2's own: no INCLUDE_PCI_ALL, an IOAPIC scope and one endpoint scope per function.
    std::vector<uint8_t> q(12, 0);
    q[0] = 47;
    std::vector<uint8_t> unit(16, 0);
    put64(unit, 8, 0xfed90000);
    std::vector<uint8_t> scopes{3, 8, 0, 0, 0, 0xff, 0, 0,    // IOAPIC
                                1, 8, 0, 0, 0, 0, 1, 0,       // 00:01.0
                                1, 8, 0, 0, 0, 0, 0x1f, 2,    // 00:1f.2
                                1, 10, 0, 0, 0, 0, 2, 0, 0, 0};  // behind a bridge: not matched
    unit.insert(unit.end(), scopes.begin(), scopes.end());
    unit[2] = static_cast<uint8_t>(unit.size());
    q.insert(q.end(), unit.begin(), unit.end());
    auto qemu = table("DMAR", q);
    REQUIRE(dmar_unit(qemu.data(), 0, &u));
    CHECK_FALSE(u.all_devices);
    CHECK(dmar_covers(qemu.data(), u, 0, 1, 0));
    CHECK(dmar_covers(qemu.data(), u, 0, 0x1f, 2));
    CHECK_FALSE(dmar_covers(qemu.data(), u, 0, 2, 0));
    CHECK_FALSE(dmar_covers(qemu.data(), u, 0, 0x1f, 3));
    CHECK_FALSE(dmar_covers(qemu.data(), u, 1, 1, 0));
    auto cut = qemu;  // a scope running past its unit
    cut[48 + 16 + 8 + 1] = 40;
    REQUIRE(dmar_unit(cut.data(), 0, &u));
    CHECK_FALSE(dmar_covers(cut.data(), u, 0, 0x1f, 2));

    auto lie = dmar;  // a structure claiming more bytes than the table has
    lie[48 + 8 + 2] = 200;
    CHECK_FALSE(dmar_unit(lie.data(), 0, &u));
    auto stuck = dmar;  // a zero length would never advance
    stuck[48 + 2] = 0;
    CHECK_FALSE(dmar_unit(stuck.data(), 0, &u));
    auto odd = dmar;  // a register page not page-aligned
    odd[48 + 8 + 8] = 0x10;
    CHECK_FALSE(dmar_unit(odd.data(), 0, &u));
}

TEST_CASE("Config.IdentityBarsAndCapabilities") {
    alignas(4) static uint8_t cs[4096];
    std::memset(cs, 0, sizeof cs);
    auto w16 = [](uint16_t off, uint16_t v) { std::memcpy(cs + off, &v, 2); };
    auto w32 = [](uint16_t off, uint32_t v) { std::memcpy(cs + off, &v, 4); };
    w16(0, 0x1af4);  // virtio
    w16(2, 0x1042);  // virtio-blk, modern
    w32(8, 0x01800001);  // class 01 80 00, revision 1
    w16(6, 0x10);        // capability list
    cs[0x34] = 0x40;
    cs[0x40] = kCapMsiX, cs[0x41] = 0x50;
    cs[0x50] = kCapVendor, cs[0x51] = 0x60;
    cs[0x60] = kCapVendor, cs[0x61] = 0x00;
    w32(0x10, 0xfebd1000);            // BAR0 mem32
    w32(0x14, 0xc041);                // BAR1 io
    w32(0x20, 0x0000000c);            // BAR4 mem64 prefetchable, low
    w32(0x24, 0x00000008);            // BAR5: its high half
    Config c{cs};
    CHECK(c.present());
    CHECK(c.vendor() == 0x1af4);
    CHECK(c.device() == 0x1042);
    CHECK(c.class_code() == 0x018000);
    std::vector<std::pair<uint8_t, uint8_t>> caps;
    c.each_capability([&](uint8_t off, uint8_t id) { caps.emplace_back(off, id); });
    REQUIRE(caps.size() == 3);
    CHECK(caps[0] == std::make_pair(uint8_t{0x40}, kCapMsiX));
    CHECK(caps[2].first == 0x60);
    CHECK(read_bar(c, 0).kind == Bar::Mem32);
    CHECK(read_bar(c, 0).address == 0xfebd1000);
    CHECK(read_bar(c, 1).kind == Bar::Io);
    CHECK(read_bar(c, 1).address == 0xc040);
    Bar b4 = read_bar(c, 4);
    CHECK(b4.kind == Bar::Mem64);
    CHECK(b4.prefetchable);
    CHECK(b4.address == 0x800000000);
    CHECK(read_bar(c, 5).kind == Bar::Mem32);  // (a caller skips i+1 after a Mem64)
    CHECK(read_bar(c, 6).kind == Bar::Unused);

    // A capability loop ends after 48 steps; a pointer into the header ends the walk.
    cs[0x61] = 0x50;
    int n = 0;
    c.each_capability([&](uint8_t, uint8_t) { ++n; });
    CHECK(n == 48);
    cs[0x41] = 0x20;
    n = 0;
    c.each_capability([&](uint8_t, uint8_t) { ++n; });
    CHECK(n == 1);
    // Absent function: all ones.
    std::memset(cs, 0xff, sizeof cs);
    CHECK_FALSE(c.present());
}

#include "bh/pci/bar_sizing.hpp"

namespace {

// A type-0 function whose BARs behave as hardware does: only the bits above the region's size
// (and the read-only type bits) take a write.
struct FakeFunction {
    uint32_t regs[64] = {};
    uint64_t sizes[6] = {};  // per BAR register (a 64-bit BAR's size on its low register)
    uint32_t r32(uint16_t off) const { return regs[off / 4]; }
    void w32(uint16_t off, uint32_t v) {
        int bar = (off - 0x10) / 4;
        if (off == 0x04) {  // command is written; status bits are write-one-to-clear
            regs[1] = (regs[1] & ~(v & 0xffff0000u) & 0xffff0000u) | (v & 0xffff);
            return;
        }
        if (off < 0x10 || off >= 0x28) {
            regs[off / 4] = v;
            return;
        }
        uint32_t low = regs[off / 4] & (regs[off / 4] & 1 ? 3u : 0xfu);
        uint64_t size = sizes[bar];
        if (bar > 0 && sizes[bar] == 0 && ((regs[(off - 4) / 4] >> 1) & 3) == 2) {
            // high half of a 64-bit BAR: writable bits are those of the 64-bit mask's top
            uint64_t mask = ~(sizes[bar - 1] - 1);
            regs[off / 4] = v & static_cast<uint32_t>(mask >> 32);
            return;
        }
        if (size == 0) return;  // unimplemented: reads as 0
        regs[off / 4] = (v & ~static_cast<uint32_t>(size - 1)) | low;
    }
};

}  // namespace

TEST_CASE("BarSizing.Mem32Io64AndUnimplemented") {
    FakeFunction f;
    f.regs[0] = 0x10421af4;
    f.regs[1] = 0x00100007;                            // command: io, mem, master on
    f.regs[4] = 0xfebd1000, f.sizes[0] = 0x1000;       // BAR0 mem32, 4 KiB
    f.regs[5] = 0x0000c041, f.sizes[1] = 0x40;         // BAR1 io, 64 ports
    f.regs[8] = 0x0000000c, f.sizes[4] = 0x4000;       // BAR4 mem64 prefetchable, 16 KiB...
    f.regs[9] = 0x00000008;                            // ...at 0x800000000
    BarRegion b[6];
    size_bars(f, b);
    CHECK(b[0].kind == BarRegion::Mem);
    CHECK(b[0].base == 0xfebd1000);
    CHECK(b[0].size == 0x1000);
    CHECK(b[1].kind == BarRegion::Io);
    CHECK(b[1].base == 0xc040);
    CHECK(b[1].size == 0x40);
    CHECK(b[2].kind == BarRegion::None);
    CHECK(b[4].kind == BarRegion::Mem);
    CHECK(b[4].is64);
    CHECK(b[4].prefetchable);
    CHECK(b[4].base == 0x800000000);
    CHECK(b[4].size == 0x4000);
    CHECK(b[5].kind == BarRegion::None);  // the high half
    // Everything as it was, decoding back on.
    CHECK(f.regs[1] == 0x00100007);
    CHECK(f.regs[4] == 0xfebd1000);
    CHECK(f.regs[8] == 0x0000000c);
    CHECK(f.regs[9] == 0x00000008);
}
