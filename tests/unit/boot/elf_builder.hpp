// A tiny hand-built ELF64 executable for the ElfImage tests, written with glibc's <elf.h> types.
#pragma once

#include <elf.h>
#include <string.h>

#include <vector>

namespace bh::test {

// User range the tests hand to ElfImage::parse.
inline constexpr uint64_t kUserLo = 0x1000;
inline constexpr uint64_t kUserHi = 0x0000800000000000ull;

// Layout (file offset -> vaddr), page-congruent and small so mutation sweeps are cheap:
//   ehdr 0x000, 3 phdrs 0x040 (text, data, GNU_STACK)
//   text  R-X  off 0x100 -> 0x401100, filesz = memsz = 0x80, entry 0x401100
//   data  RW-  off 0x200 -> 0x402200, filesz 0x40, memsz 0x3000 (bss)
// File size 0x240.
struct ElfBuilder {
    static constexpr size_t kFileSize = 0x240;
    static constexpr uint64_t kEntry = 0x401100;
    std::vector<uint8_t> file = std::vector<uint8_t>(kFileSize);

    Elf64_Ehdr& eh() { return *reinterpret_cast<Elf64_Ehdr*>(file.data()); }
    Elf64_Phdr& ph(size_t i) { return reinterpret_cast<Elf64_Phdr*>(file.data() + 0x40)[i]; }

    ElfBuilder() {
        Elf64_Ehdr& e = eh();
        memcpy(e.e_ident, ELFMAG, SELFMAG);
        e.e_ident[EI_CLASS] = ELFCLASS64;
        e.e_ident[EI_DATA] = ELFDATA2LSB;
        e.e_ident[EI_VERSION] = EV_CURRENT;
        e.e_ident[EI_OSABI] = ELFOSABI_SYSV;
        e.e_type = ET_EXEC;
        e.e_machine = EM_X86_64;
        e.e_version = EV_CURRENT;
        e.e_entry = kEntry;
        e.e_phoff = 0x40;
        e.e_ehsize = sizeof(Elf64_Ehdr);
        e.e_phentsize = sizeof(Elf64_Phdr);
        e.e_phnum = 3;
        ph(0) = {PT_LOAD, PF_R | PF_X, 0x100, 0x401100, 0x401100, 0x80, 0x80, 0x1000};
        ph(1) = {PT_LOAD, PF_R | PF_W, 0x200, 0x402200, 0x402200, 0x40, 0x3000, 0x1000};
        ph(2) = {PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 0x10};
        for (size_t i = 0x100; i < 0x180; ++i) file[i] = 0x90;  // nop sled for the looks
        file[0x17f] = 0xf4;                                        // hlt
    }
};

}  // namespace bh::test
