// ELF64 file-header and program-header layouts (System V gABI, x86-64 psABI), little-endian.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace bh::elf {

// e_ident indices and the values Bulkhead accepts.
inline constexpr size_t kIdentMag0 = 0;   // 0x7f 'E' 'L' 'F' at 0..3
inline constexpr size_t kIdentClass = 4;
inline constexpr size_t kIdentData = 5;
inline constexpr size_t kIdentVersion = 6;
inline constexpr size_t kIdentSize = 16;
inline constexpr uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
inline constexpr uint8_t kClass64 = 2;      // ELFCLASS64
inline constexpr uint8_t kData2Lsb = 1;     // ELFDATA2LSB
inline constexpr uint32_t kVersionCurrent = 1;  // EV_CURRENT, in e_ident and e_version
inline constexpr uint16_t kTypeExec = 2;    // ET_EXEC
inline constexpr uint16_t kMachineX86_64 = 62;  // EM_X86_64

// Program-header types and flags.
inline constexpr uint32_t kPtLoad = 1;
inline constexpr uint32_t kPtInterp = 3;
inline constexpr uint32_t kPfX = 1;
inline constexpr uint32_t kPfW = 2;
inline constexpr uint32_t kPfR = 4;

struct Ehdr {
    uint8_t e_ident[kIdentSize];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};
static_assert(offsetof(Ehdr, e_ident) == 0);
static_assert(offsetof(Ehdr, e_type) == 16);
static_assert(offsetof(Ehdr, e_machine) == 18);
static_assert(offsetof(Ehdr, e_version) == 20);
static_assert(offsetof(Ehdr, e_entry) == 24);
static_assert(offsetof(Ehdr, e_phoff) == 32);
static_assert(offsetof(Ehdr, e_shoff) == 40);
static_assert(offsetof(Ehdr, e_flags) == 48);
static_assert(offsetof(Ehdr, e_ehsize) == 52);
static_assert(offsetof(Ehdr, e_phentsize) == 54);
static_assert(offsetof(Ehdr, e_phnum) == 56);
static_assert(offsetof(Ehdr, e_shentsize) == 58);
static_assert(offsetof(Ehdr, e_shnum) == 60);
static_assert(offsetof(Ehdr, e_shstrndx) == 62);
static_assert(sizeof(Ehdr) == 64);

struct Phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};
static_assert(offsetof(Phdr, p_type) == 0);
static_assert(offsetof(Phdr, p_flags) == 4);
static_assert(offsetof(Phdr, p_offset) == 8);
static_assert(offsetof(Phdr, p_vaddr) == 16);
static_assert(offsetof(Phdr, p_paddr) == 24);
static_assert(offsetof(Phdr, p_filesz) == 32);
static_assert(offsetof(Phdr, p_memsz) == 40);
static_assert(offsetof(Phdr, p_align) == 48);
static_assert(sizeof(Phdr) == 56);

}  // namespace bh::elf
