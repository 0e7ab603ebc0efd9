// ElfImage::parse: a valid image, its accessors, and one test per refusal reason.
#include <catch2/catch.hpp>

#include <elf.h>
#include <stddef.h>

#include <string>

#include "boot/elf.hpp"
#include "boot/elf64.hpp"
#include "elf_builder.hpp"

using bh::ElfImage;
using bh::Error;
using bh::test::ElfBuilder;
using bh::test::kUserHi;
using bh::test::kUserLo;

// ---- Layout: Bulkhead's headers match glibc's <elf.h> ----
#define SAME_FIELD(ours, theirs, field) \
    static_assert(offsetof(bh::elf::ours, field) == offsetof(theirs, field), #field)
SAME_FIELD(Ehdr, Elf64_Ehdr, e_ident);
SAME_FIELD(Ehdr, Elf64_Ehdr, e_type);
SAME_FIELD(Ehdr, Elf64_Ehdr, e_machine);
SAME_FIELD(Ehdr, Elf64_Ehdr, e_version);
SAME_FIELD(Ehdr, Elf64_Ehdr, e_entry);
SAME_FIELD(Ehdr, Elf64_Ehdr, e_phoff);
SAME_FIELD(Ehdr, Elf64_Ehdr, e_shoff);
SAME_FIELD(Ehdr, Elf64_Ehdr, e_flags);
SAME_FIELD(Ehdr, Elf64_Ehdr, e_ehsize);
SAME_FIELD(Ehdr, Elf64_Ehdr, e_phentsize);
SAME_FIELD(Ehdr, Elf64_Ehdr, e_phnum);
SAME_FIELD(Ehdr, Elf64_Ehdr, e_shentsize);
SAME_FIELD(Ehdr, Elf64_Ehdr, e_shnum);
SAME_FIELD(Ehdr, Elf64_Ehdr, e_shstrndx);
SAME_FIELD(Phdr, Elf64_Phdr, p_type);
SAME_FIELD(Phdr, Elf64_Phdr, p_flags);
SAME_FIELD(Phdr, Elf64_Phdr, p_offset);
SAME_FIELD(Phdr, Elf64_Phdr, p_vaddr);
SAME_FIELD(Phdr, Elf64_Phdr, p_paddr);
SAME_FIELD(Phdr, Elf64_Phdr, p_filesz);
SAME_FIELD(Phdr, Elf64_Phdr, p_memsz);
SAME_FIELD(Phdr, Elf64_Phdr, p_align);
static_assert(sizeof(bh::elf::Ehdr) == sizeof(Elf64_Ehdr));
static_assert(sizeof(bh::elf::Phdr) == sizeof(Elf64_Phdr));
static_assert(bh::elf::kPtLoad == PT_LOAD && bh::elf::kPtInterp == PT_INTERP);
static_assert(bh::elf::kPfX == PF_X && bh::elf::kPfW == PF_W && bh::elf::kPfR == PF_R);
static_assert(bh::elf::kTypeExec == ET_EXEC && bh::elf::kMachineX86_64 == EM_X86_64);
static_assert(bh::elf::kClass64 == ELFCLASS64 && bh::elf::kData2Lsb == ELFDATA2LSB);

namespace {

// The reason parse gives, "" when it accepts. Also checks the error kind goes with it.
std::string refusal(const ElfBuilder& b, uint64_t lo = kUserLo, uint64_t hi = kUserHi) {
    const char* why = "untouched";
    auto r = ElfImage::parse(b.file, lo, hi, &why);
    if (r.ok()) {
        CHECK(why == nullptr);
        return "";
    }
    CHECK(r.error() == Error::BadElf);
    REQUIRE(why != nullptr);
    return why;
}

template <class F>
std::string refusal_after(F edit) {
    ElfBuilder b;
    edit(b);
    return refusal(b);
}

}  // namespace

TEST_CASE("ElfImage accepts a static x86-64 executable and reports its segments") {
    ElfBuilder b;
    auto r = ElfImage::parse(b.file, kUserLo, kUserHi);  // the reason out-param is optional
    REQUIRE(r.ok());
    const ElfImage& img = r.value();
    CHECK(img.entry() == ElfBuilder::kEntry);
    REQUIRE(img.segment_count() == 2);  // GNU_STACK maps nothing
    const bh::ElfSegment& text = img.segment(0);
    CHECK(text.vaddr == 0x401100);
    CHECK(text.memsz == 0x80);
    CHECK(text.filesz == 0x80);
    CHECK(text.file_offset == 0x100);
    CHECK(text.executable);
    CHECK_FALSE(text.writable);
    const bh::ElfSegment& data = img.segment(1);
    CHECK(data.vaddr == 0x402200);
    CHECK(data.memsz == 0x3000);
    CHECK(data.filesz == 0x40);
    CHECK(data.file_offset == 0x200);
    CHECK(data.writable);
    CHECK_FALSE(data.executable);
    CHECK(refusal(b).empty());
}

TEST_CASE("ElfImage accepts a file starting at an odd address") {
    ElfBuilder b;
    std::vector<uint8_t> shifted(b.file.size() + 1);
    memcpy(shifted.data() + 1, b.file.data(), b.file.size());
    auto r = ElfImage::parse(std::span<const uint8_t>(shifted).subspan(1), kUserLo, kUserHi);
    CHECK(r.ok());  // headers are copied out, never read in place (UBSan would object)
}

TEST_CASE("ElfImage accepts segments touching the user range's edges exactly") {
    ElfBuilder b;
    b.ph(0).p_vaddr = kUserLo + 0x100;  // text in the first user page
    b.eh().e_entry = kUserLo + 0x100;
    b.ph(1).p_vaddr = kUserHi - 0x3000 + 0x200;  // data ending exactly at the top
    b.ph(1).p_memsz = 0x3000 - 0x200;
    CHECK(refusal(b).empty());
    b.eh().e_entry = kUserLo + 0x100 + 0x7f;  // the last byte of text is a valid entry
    CHECK(refusal(b).empty());
}

TEST_CASE("ElfImage refuses unusable bounds with BadArg") {
    ElfBuilder b;
    const char* why = nullptr;
    CHECK(ElfImage::parse(b.file, 0x1001, kUserHi, &why).error() == Error::BadArg);
    CHECK(std::string(why) == "bad user address bounds");
    CHECK(ElfImage::parse(b.file, kUserLo, kUserHi - 1).error() == Error::BadArg);
    CHECK(ElfImage::parse(b.file, kUserHi, kUserHi).error() == Error::BadArg);
    CHECK(ElfImage::parse(b.file, kUserHi, kUserLo).error() == Error::BadArg);
}

TEST_CASE("ElfImage refuses files that are not ELF64 little-endian x86-64 executables") {
    ElfBuilder b;
    CHECK(refusal(ElfBuilder{}) == "");
    b.file.resize(63);
    CHECK(refusal(b) == "shorter than an ELF header");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_ident[0] = 0x7e; }) == "bad ELF magic");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_ident[3] = 'f'; }) == "bad ELF magic");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_ident[EI_CLASS] = ELFCLASS32; }) ==
          "not ELF64");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_ident[EI_DATA] = ELFDATA2MSB; }) ==
          "not little-endian");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_ident[EI_VERSION] = 0; }) ==
          "not EV_CURRENT");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_version = 2; }) == "not EV_CURRENT");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_type = ET_DYN; }) == "not ET_EXEC");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_type = ET_REL; }) == "not ET_EXEC");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_machine = EM_386; }) == "not EM_X86_64");
}

TEST_CASE("ElfImage refuses bad program-header tables") {
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_phentsize = 32; }) ==
          "e_phentsize is not 56");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_phentsize = 64; }) ==
          "e_phentsize is not 56");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_phnum = 0; }) == "no program headers");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_phnum = 17; }) ==
          "more than 16 program headers");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_phnum = PN_XNUM; }) ==
          "more than 16 program headers");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_phoff = ElfBuilder::kFileSize; }) ==
          "program headers outside the file");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_phoff = UINT64_MAX - 8; }) ==
          "program headers outside the file");
    CHECK(refusal_after([](ElfBuilder& e) {  // the last header one byte past the end
              e.eh().e_phoff = ElfBuilder::kFileSize - 3 * sizeof(Elf64_Phdr) + 1;
          }) == "program headers outside the file");
    // 16 headers are allowed (13 PT_NULL padding after ours, tables moved to fit).
    ElfBuilder b;
    b.file.resize(0x240 + 16 * sizeof(Elf64_Phdr));
    Elf64_Phdr copy[3] = {b.ph(0), b.ph(1), b.ph(2)};
    b.eh().e_phoff = 0x240;
    b.eh().e_phnum = 16;
    memcpy(b.file.data() + 0x240, copy, sizeof copy);
    CHECK(refusal(b) == "");
}

TEST_CASE("ElfImage refuses a dynamically linked image") {
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(2).p_type = PT_INTERP; }) ==
          "needs a program interpreter (dynamically linked)");
}

TEST_CASE("ElfImage refuses PT_LOAD segments with inconsistent sizes or file ranges") {
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(1).p_memsz = 0, e.ph(1).p_filesz = 0; }) ==
          "PT_LOAD segment with p_memsz 0");
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(1).p_filesz = 0x3001; }) ==
          "PT_LOAD p_filesz larger than p_memsz");
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(1).p_filesz = 0x41; }) ==
          "PT_LOAD file bytes outside the file");
    CHECK(refusal_after([](ElfBuilder& e) {
              e.ph(1).p_offset = 0x1200;  // congruent, but past the end
              e.ph(1).p_filesz = 0;
          }) == "PT_LOAD file bytes outside the file");
    CHECK(refusal_after([](ElfBuilder& e) {
              e.ph(1).p_offset = UINT64_MAX - 0xdff;  // congruent, offset + filesz wraps
          }) == "PT_LOAD file bytes outside the file");
    // A bss-only segment whose offset sits exactly at the end of the file is fine.
    CHECK(refusal_after([](ElfBuilder& e) {
              e.ph(1).p_offset = 0x240, e.ph(1).p_vaddr = 0x402240, e.ph(1).p_filesz = 0;
          }) == "");
}

TEST_CASE("ElfImage refuses PT_LOAD segments outside the user range") {
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(1).p_vaddr = UINT64_MAX - 0xdff; }) ==
          "PT_LOAD vaddr + memsz overflows");
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(0).p_vaddr = 0x100, e.eh().e_entry = 0x100; }) ==
          "PT_LOAD outside the user address range");
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(1).p_vaddr = kUserHi + 0x200; }) ==
          "PT_LOAD outside the user address range");
    CHECK(refusal_after([](ElfBuilder& e) {  // one byte over the top
              e.ph(1).p_vaddr = kUserHi - 0x3000 + 0x200;
              e.ph(1).p_memsz = 0x3000 - 0x200 + 1;
          }) == "PT_LOAD outside the user address range");
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(1).p_vaddr = 0xffff800000000200ull; }) ==
          "PT_LOAD outside the user address range");  // the kernel half
}

TEST_CASE("ElfImage refuses misaligned PT_LOAD segments") {
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(1).p_align = 0x3000; }) ==
          "PT_LOAD p_align not a power of two");
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(1).p_vaddr = 0x402208; }) ==
          "PT_LOAD vaddr and offset not congruent modulo the page size");
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(1).p_align = 0; }) == "");  // 0 and 1: none
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(1).p_align = 1; }) == "");
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(1).p_align = 0x200000; }) == "");
}

TEST_CASE("ElfImage refuses PT_LOAD segments that share a page") {
    // Data moved into text's page (different bytes, same page).
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(1).p_vaddr = 0x401200; }) ==
          "two PT_LOAD segments share a page");
    // Text grown so its last byte lands in data's first page.
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(0).p_memsz = 0x1000; }) ==
          "two PT_LOAD segments share a page");
    // Overlap outright, and a duplicate of the first segment.
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(1).p_vaddr = 0x400200; }) ==
          "two PT_LOAD segments share a page");
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(2) = e.ph(0); }) ==
          "two PT_LOAD segments share a page");
    // Text ending on the last byte before data's page is fine.
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(0).p_memsz = 0xf00; }) == "");
}

TEST_CASE("ElfImage refuses an image with no PT_LOAD or a bad entry point") {
    CHECK(refusal_after([](ElfBuilder& e) {
              e.ph(0).p_type = PT_NOTE;
              e.ph(1).p_type = PT_NULL;
          }) == "no PT_LOAD segment");
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_entry = 0x402200; }) ==
          "entry point not inside an executable PT_LOAD");  // in data, not executable
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_entry = 0x401180; }) ==
          "entry point not inside an executable PT_LOAD");  // one past text's end
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_entry = 0x4010ff; }) ==
          "entry point not inside an executable PT_LOAD");  // one before its start
    CHECK(refusal_after([](ElfBuilder& e) { e.eh().e_entry = 0; }) ==
          "entry point not inside an executable PT_LOAD");
    CHECK(refusal_after([](ElfBuilder& e) { e.ph(0).p_flags = PF_R; }) ==
          "entry point not inside an executable PT_LOAD");
    // Entry in the bss part of an executable segment is still inside it.
    CHECK(refusal_after([](ElfBuilder& e) {
              e.ph(1).p_flags |= PF_X;
              e.eh().e_entry = 0x403000;
          }) == "");
}
