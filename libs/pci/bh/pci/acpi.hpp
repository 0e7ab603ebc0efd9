// The few ACPI tables Bulkhead reads (ACPI 6.4 §5.2): the RSDP, the RSDT/XSDT that list the
// others, and the MCFG that says where PCI configuration space is (PCI Firmware spec 3.2 §4.1.2).
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

}  // namespace bh::pci
