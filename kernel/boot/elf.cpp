// ELF64 validation: decode every header into aligned copies, check each rule, then build the image.
#include "boot/elf.hpp"

#include "boot/elf64.hpp"

namespace bh {

namespace {

constexpr uint64_t page_down(uint64_t a) { return a & ~(kPageSize - 1); }

// The page range a segment occupies, [first, last] inclusive so that an end at 2^64 cannot wrap.
struct PageSpan {
    uint64_t first, last;
};
PageSpan pages_of(const ElfSegment& s) {
    return {page_down(s.vaddr), page_down(s.vaddr + s.memsz - 1)};
}

// The first rule a program header breaks, or nullptr. Only PT_LOAD and PT_INTERP matter: other
// types (GNU_STACK, NOTE, TLS...) carry no mapping the kernel must make.
const char* check_phdr(const elf::Phdr& ph, uint64_t file_size, vaddr_t lo, vaddr_t hi) {
    if (ph.p_type == elf::kPtInterp) return "needs a program interpreter (dynamically linked)";
    if (ph.p_type != elf::kPtLoad) return nullptr;
    if (ph.p_memsz == 0) return "PT_LOAD segment with p_memsz 0";
    if (ph.p_filesz > ph.p_memsz) return "PT_LOAD p_filesz larger than p_memsz";
    if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
        return "PT_LOAD file bytes outside the file";
    if (ph.p_memsz > UINT64_MAX - ph.p_vaddr) return "PT_LOAD vaddr + memsz overflows";
    if (ph.p_vaddr < lo || ph.p_vaddr + ph.p_memsz > hi)
        return "PT_LOAD outside the user address range";
    if (ph.p_align > 1 && (ph.p_align & (ph.p_align - 1)) != 0)
        return "PT_LOAD p_align not a power of two";
    if (ph.p_vaddr % kPageSize != ph.p_offset % kPageSize)
        return "PT_LOAD vaddr and offset not congruent modulo the page size";
    return nullptr;
}

// The first rule the file breaks, or nullptr. Writes only its out-parameters.
const char* decode(std::span<const uint8_t> file, vaddr_t lo, vaddr_t hi, vaddr_t& entry,
                   ElfSegment* segs, uint32_t& count) {
    elf::Ehdr eh;
    if (file.size() < sizeof(eh)) return "shorter than an ELF header";
    __builtin_memcpy(&eh, file.data(), sizeof(eh));  // the module may sit at any alignment

    for (size_t i = 0; i < 4; ++i)
        if (eh.e_ident[elf::kIdentMag0 + i] != elf::kMagic[i]) return "bad ELF magic";
    if (eh.e_ident[elf::kIdentClass] != elf::kClass64) return "not ELF64";
    if (eh.e_ident[elf::kIdentData] != elf::kData2Lsb) return "not little-endian";
    if (eh.e_ident[elf::kIdentVersion] != elf::kVersionCurrent ||
        eh.e_version != elf::kVersionCurrent)
        return "not EV_CURRENT";
    if (eh.e_type != elf::kTypeExec) return "not ET_EXEC";
    if (eh.e_machine != elf::kMachineX86_64) return "not EM_X86_64";
    if (eh.e_phentsize != sizeof(elf::Phdr)) return "e_phentsize is not 56";
    if (eh.e_phnum == 0) return "no program headers";
    if (eh.e_phnum > ElfImage::kMaxSegments) return "more than 16 program headers";
    uint64_t ph_bytes = uint64_t{eh.e_phnum} * sizeof(elf::Phdr);
    if (eh.e_phoff > file.size() || ph_bytes > file.size() - eh.e_phoff)
        return "program headers outside the file";

    count = 0;
    for (uint32_t i = 0; i < eh.e_phnum; ++i) {
        elf::Phdr ph;
        __builtin_memcpy(&ph, file.data() + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        if (const char* why = check_phdr(ph, file.size(), lo, hi)) return why;
        if (ph.p_type != elf::kPtLoad) continue;
        ElfSegment s{ph.p_vaddr, ph.p_memsz, ph.p_filesz, ph.p_offset,
                     (ph.p_flags & elf::kPfW) != 0, (ph.p_flags & elf::kPfX) != 0};
        PageSpan ps = pages_of(s);
        // Shared pages would need one mapping with two sets of rights and two sources.
        for (uint32_t j = 0; j < count; ++j) {
            PageSpan o = pages_of(segs[j]);
            if (ps.first <= o.last && o.first <= ps.last)
                return "two PT_LOAD segments share a page";
        }
        segs[count++] = s;
    }
    if (count == 0) return "no PT_LOAD segment";

    for (uint32_t j = 0; j < count; ++j) {
        const ElfSegment& s = segs[j];
        if (s.executable && eh.e_entry >= s.vaddr && eh.e_entry - s.vaddr < s.memsz) {
            entry = eh.e_entry;
            return nullptr;
        }
    }
    return "entry point not inside an executable PT_LOAD";
}

}  // namespace

Result<ElfImage> ElfImage::parse(std::span<const uint8_t> file, vaddr_t user_lo, vaddr_t user_hi,
                                 const char** reason) {
    if (!page_aligned(user_lo) || !page_aligned(user_hi) || user_lo >= user_hi) {
        if (reason) *reason = "bad user address bounds";
        return Error::BadArg;
    }
    ElfImage img;
    if (const char* why = decode(file, user_lo, user_hi, img.entry_, img.segments_, img.count_)) {
        if (reason) *reason = why;
        return Error::BadElf;
    }
    if (reason) *reason = nullptr;
    return img;
}

}  // namespace bh
