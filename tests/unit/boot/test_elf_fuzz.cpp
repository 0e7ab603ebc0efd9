// ElfImage::parse under 200 000 random mutations: no crash, and nothing unsafe is ever accepted.
#include <catch2/catch.hpp>

#include <elf.h>
#include <stddef.h>

#include <algorithm>
#include <random>
#include <string>

#include "boot/elf.hpp"
#include "elf_builder.hpp"

using bh::ElfImage;
using bh::test::ElfBuilder;
using bh::test::kUserHi;
using bh::test::kUserLo;

namespace {

// Checks an accepted image against the invariants ElfImage promises, computed independently.
void check_accepted(const ElfImage& img, size_t file_size) {
    REQUIRE(img.segment_count() >= 1);
    REQUIRE(img.segment_count() <= ElfImage::kMaxSegments);
    bool entry_ok = false;
    for (uint32_t i = 0; i < img.segment_count(); ++i) {
        const bh::ElfSegment& s = img.segment(i);
        REQUIRE(s.memsz > 0);
        REQUIRE(s.filesz <= s.memsz);
        REQUIRE(s.file_offset <= file_size);
        REQUIRE(s.filesz <= file_size - s.file_offset);
        REQUIRE(s.vaddr >= kUserLo);
        REQUIRE(s.vaddr < kUserHi);
        REQUIRE(s.memsz <= kUserHi - s.vaddr);
        REQUIRE(s.vaddr % 4096 == s.file_offset % 4096);
        unsigned __int128 first = s.vaddr / 4096, last = (s.vaddr + s.memsz - 1) / 4096;
        for (uint32_t j = 0; j < i; ++j) {
            const bh::ElfSegment& o = img.segment(j);
            unsigned __int128 ofirst = o.vaddr / 4096, olast = (o.vaddr + o.memsz - 1) / 4096;
            REQUIRE((last < ofirst || olast < first));
        }
        if (s.executable && img.entry() >= s.vaddr && img.entry() - s.vaddr < s.memsz)
            entry_ok = true;
    }
    REQUIRE(entry_ok);
}

// Values that sit on the edges the parser tests.
uint64_t interesting(std::mt19937_64& rng) {
    static const uint64_t values[] = {
        0, 1, 2, 0x38, 0x40, 0x7f, 0x80, 0xfff, 0x1000, 0x1001, 0x200, 0x240, 0x241,
        0x401100, 0x402200, 0x403000, kUserLo - 1, kUserLo, kUserHi - 1, kUserHi, kUserHi + 1,
        0xffff800000000000ull, UINT64_MAX, UINT64_MAX - 0xfff, UINT64_MAX - 0xdff, 1ull << 63,
        0xffffffff, 0x100000000ull,
    };
    uint64_t v = values[rng() % (sizeof values / sizeof values[0])];
    if (rng() % 4 == 0) v += (rng() % 32) - 16;
    return v;
}

// Overwrites one header field (ELF or program header) with an interesting or random value.
void mutate_field(ElfBuilder& b, std::mt19937_64& rng) {
    uint64_t v = (rng() & 1) ? interesting(rng) : rng();
    size_t i = rng() % 3;
    switch (rng() % 16) {
    case 0: b.eh().e_entry = v; break;
    case 1: b.eh().e_phoff = v; break;
    case 2: b.eh().e_phnum = static_cast<uint16_t>(v); break;
    case 3: b.eh().e_phentsize = static_cast<uint16_t>(v); break;
    case 4: b.ph(i).p_type = static_cast<uint32_t>(rng() % 2 ? PT_LOAD : v); break;
    case 5: b.ph(i).p_flags = static_cast<uint32_t>(v); break;
    case 6: b.ph(i).p_offset = v; break;
    case 7: case 8: b.ph(i).p_vaddr = v; break;
    case 9: b.ph(i).p_filesz = v; break;
    case 10: case 11: b.ph(i).p_memsz = v; break;
    case 12: b.ph(i).p_align = v; break;
    case 13: b.eh().e_type = static_cast<uint16_t>(v); break;
    case 14: b.file.resize(v % (ElfBuilder::kFileSize + 64)); break;
    default: b.ph(i) = b.ph(rng() % 3); break;  // duplicate a header
    }
}

}  // namespace

TEST_CASE("ElfImage survives 200000 mutations and never accepts an unsafe segment") {
    std::mt19937_64 rng(0xE1F64);
    int accepted = 0, refused = 0;
    for (int iter = 0; iter < 200000; ++iter) {
        ElfBuilder b;
        int edits = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < edits && b.file.size() >= 0x40 + 3 * sizeof(Elf64_Phdr); ++k) {
            if (rng() % 3 == 0)  // raw bytes, mostly in the headers
                b.file[rng() % std::min<size_t>(b.file.size(), 0x100)] =
                    static_cast<uint8_t>(rng());
            else mutate_field(b, rng);
        }
        b.file.shrink_to_fit();  // exact size, so ASan flags any read past the end
        const char* why = "untouched";
        auto r = ElfImage::parse(b.file, kUserLo, kUserHi, &why);
        if (r.ok()) {
            ++accepted;
            REQUIRE(why == nullptr);
            check_accepted(r.value(), b.file.size());
        } else {
            ++refused;
            REQUIRE(r.error() == bh::Error::BadElf);
            REQUIRE(why != nullptr);
            REQUIRE(std::string(why).size() > 0);
        }
    }
    // Both outcomes were exercised, so the invariant checks really ran.
    CHECK(accepted > 1000);
    CHECK(refused > 1000);
}
