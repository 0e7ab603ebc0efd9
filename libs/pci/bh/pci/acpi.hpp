// The few ACPI tables Bulkhead reads (ACPI 6.4 §5.2): the RSDP, the RSDT/XSDT that list the
// others, the MCFG that says where PCI configuration space is (PCI Firmware spec 3.2 §4.1.2),
// and the DMAR that says where the DMA remapping units are (Intel VT-d spec §8).
// Every parser takes the bytes it may look at and trusts nothing in them: signatures, lengths
// and checksums are checked, and an entry is only read if it lies inside the table.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace bh::pci {

inline uint32_t le32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t{p[3]} << 24; }
inline uint64_t le64(const uint8_t* p) { return le32(p) | uint64_t{le32(p + 4)} << 32; }

inline bool checksum_ok(const uint8_t* p, size_t n) {
    uint8_t sum = 0;
    for (size_t i = 0; i < n; ++i) sum = static_cast<uint8_t>(sum + p[i]);
    return sum == 0;
}

struct Rsdp {
    uint64_t rsdt;  // 32-bit table of 32-bit pointers (ACPI 1.0); 0 if none
    uint64_t xsdt;  // 64-bit pointers (ACPI 2.0+); 0 if none
};

// bytes: from the RSDP on (20 bytes for revision 0, 36 for later ones).
inline bool parse_rsdp(const uint8_t* p, size_t n, Rsdp* out) {
    static constexpr char kSig[] = "RSD PTR ";
    if (n < 20) return false;
    for (int i = 0; i < 8; ++i)
        if (p[i] != static_cast<uint8_t>(kSig[i])) return false;
    if (!checksum_ok(p, 20)) return false;
    out->rsdt = le32(p + 16);
    out->xsdt = 0;
    if (p[15] >= 2) {
        if (n < 36 || le32(p + 20) < 36 || !checksum_ok(p, 36)) return false;
        out->xsdt = le64(p + 24);
    }
    return true;
}

inline constexpr size_t kSdtHeader = 36;

// A table's length from its header (to know how much to map), or 0 if the header is cut short.
inline uint32_t sdt_length(const uint8_t* p, size_t n) { return n >= kSdtHeader ? le32(p + 4) : 0; }

// True if p holds a whole table with this signature and a good checksum.
inline bool sdt_ok(const uint8_t* p, size_t n, const char sig[4]) {
    uint32_t len = sdt_length(p, n);
    if (len < kSdtHeader || len > n) return false;
    for (int i = 0; i < 4; ++i)
        if (p[i] != static_cast<uint8_t>(sig[i])) return false;
    return checksum_ok(p, len);
}

// The i-th table address an RSDT (4-byte entries) or XSDT (8-byte entries) lists; 0 past the end.
inline uint64_t sdt_entry(const uint8_t* table, bool xsdt, size_t i) {
    uint32_t len = le32(table + 4);
    size_t w = xsdt ? 8 : 4, off = kSdtHeader + i * w;
    if (off + w > len) return 0;
    return xsdt ? le64(table + off) : le32(table + off);
}

// One ECAM window: configuration space of buses [bus_start, bus_end] of a segment.
struct EcamWindow {
    uint64_t base;
    uint16_t segment;
    uint8_t bus_start, bus_end;

    // Where bus:dev.fn's 4 KiB of configuration space is (bus inside the window).
    uint64_t function_address(uint8_t bus, uint8_t dev, uint8_t fn) const {
        return base + (uint64_t{static_cast<uint8_t>(bus - bus_start)} << 20) + (uint64_t{dev} << 15) +
               (uint64_t{fn} << 12);
    }
};

// The i-th window of a checked MCFG table; false past the last (or a window that makes no sense).
inline bool mcfg_window(const uint8_t* table, size_t i, EcamWindow* out) {
    uint32_t len = le32(table + 4);
    size_t off = 44 + i * 16;
    if (off + 16 > len) return false;
    const uint8_t* e = table + off;
    out->base = le64(e);
    out->segment = static_cast<uint16_t>(e[8] | e[9] << 8);
    out->bus_start = e[10];
    out->bus_end = e[11];
    return out->bus_end >= out->bus_start && (out->base & 0xfffff) == 0;
}

// One DMA remapping hardware unit (a DRHD structure, VT-d spec §8.3): its register page, the
// PCI segment it serves, and whether it covers every device of that segment (INCLUDE_PCI_ALL)
// or only those its device scopes list (QEMU lists each function).
struct DmarUnit {
    uint64_t regs;
    uint16_t segment;
    bool all_devices;
    uint32_t scopes, scopes_end;  // the device scopes' bytes in the table: [scopes, scopes_end)
};

// The i-th DRHD of a checked DMAR table (after the 48-byte header: width, flags, reserved, the
// remapping structures, each {u16 type, u16 length}); false past the last, or at a structure
// whose length would leave the table or never advance.
inline bool dmar_unit(const uint8_t* table, size_t i, DmarUnit* out) {
    uint32_t len = le32(table + 4);
    size_t seen = 0;
    for (size_t off = 48; off + 4 <= len;) {
        uint16_t type = static_cast<uint16_t>(table[off] | table[off + 1] << 8);
        uint16_t slen = static_cast<uint16_t>(table[off + 2] | table[off + 3] << 8);
        if (slen < 4 || off + slen > len) return false;
        if (type == 0 && slen >= 16 && seen++ == i) {
            out->all_devices = (table[off + 4] & 1) != 0;
            out->segment = static_cast<uint16_t>(table[off + 6] | table[off + 7] << 8);
            out->regs = le64(table + off + 8);
            out->scopes = static_cast<uint32_t>(off + 16);
            out->scopes_end = static_cast<uint32_t>(off + slen);
            return (out->regs & 0xfff) == 0 && out->regs != 0;
        }
        off += slen;
    }
    return false;
}

// True if the unit translates bus:dev.fn's requests: INCLUDE_PCI_ALL, or a PCI endpoint scope
// (VT-d §8.3.1: type 1, start bus, then one (device, function) path entry) naming exactly it.
// Functions behind bridges (longer paths, type 2 scopes) are not handed out, so not matched.
inline bool dmar_covers(const uint8_t* table, const DmarUnit& u, uint8_t bus, uint8_t dev, uint8_t fn) {
    if (u.all_devices) return true;
    for (uint32_t off = u.scopes; off + 6 <= u.scopes_end;) {
        uint8_t type = table[off], len = table[off + 1];
        if (len < 6 || off + len > u.scopes_end) return false;
        if (type == 1 && len == 8 && table[off + 5] == bus && table[off + 6] == dev && table[off + 7] == fn)
            return true;
        off += len;
    }
    return false;
}

}  // namespace bh::pci
