// Boot archives written once by GNU cpio 2.13 (/usr/bin/cpio), embedded so the tests stay hermetic.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vector>

namespace bh::test {

// Archives, in the tests' words: A has directories, two files, an empty file and a symlink;
// B has names given with "./" (cpio strips them) and a 36-byte file; Empty is the trailer alone.
// Each literal holds the archive up to the end of its trailer entry; GNU cpio then zero-pads
// the file to a whole 512-byte block, which gnu_archive() restores. Byte-checked against the
// files cpio wrote. Regenerate with:
//   touch -d 2024-01-01 <files>; printf '%s\n' <names> | cpio -o -H newc --reproducible --owner=0:0

// A: printf "%s\n" . svc svc/hello.txt manifest empty link | cpio -o -H newc --reproducible
//   ("hello\n" in svc/hello.txt, "abcde" in manifest, empty file, link -> manifest)
inline constexpr char kGnuArchiveA[] =
    "07070100000000000041ED00000000000000000000000365920080"
    "00000000000000000000000000000000000000000000000200000000"
    ".\000"
    "07070100000001000041ED00000000000000000000000265920080"
    "00000000000000000000000000000000000000000000000400000000"
    "svc\000\000\000"
    "07070100000002000081A400000000000000000000000165920080"
    "00000006000000000000000000000000000000000000000E00000000"
    "svc/hello.txt\000"
    "hello\012\000\000"
    "07070100000003000081A400000000000000000000000165920080"
    "00000005000000000000000000000000000000000000000900000000"
    "manifest\000\000"
    "abcde\000\000\000"
    "07070100000004000081A400000000000000000000000165920080"
    "00000000000000000000000000000000000000000000000600000000"
    "empty\000"
    "070701000000050000A1FF00000000000000000000000165920080"
    "00000008000000000000000000000000000000000000000500000000"
    "link\000\000"
    "manifest"
    "070701000000000000000000000000000000000000000100000000"
    "00000000000000000000000000000000000000000000000B00000000"
    "TRAILER!!!\000\000\000\000"
    ;
inline constexpr size_t kGnuArchiveAFileSize = 1024;  // GNU cpio zero-pads to 512-byte blocks

// B: printf "%s\n" ./bin ./bin/init ./README | cpio -o -H newc --reproducible (cpio drops "./")
inline constexpr char kGnuArchiveB[] =
    "07070100000000000041ED00000000000000000000000265920080"
    "00000000000000000000000000000000000000000000000400000000"
    "bin\000\000\000"
    "07070100000001000081A400000000000000000000000165920080"
    "00000024000000000000000000000000000000000000000900000000"
    "bin/init\000\000"
    "#!/bin/init: service image stand-in\012"
    "07070100000002000081A400000000000000000000000165920080"
    "00000004000000000000000000000000000000000000000700000000"
    "README\000\000\000\000"
    "abcd"
    "070701000000000000000000000000000000000000000100000000"
    "00000000000000000000000000000000000000000000000B00000000"
    "TRAILER!!!\000\000\000\000"
    ;
inline constexpr size_t kGnuArchiveBFileSize = 1024;  // GNU cpio zero-pads to 512-byte blocks

// Empty: printf "" | cpio -o -H newc --reproducible: the trailer alone
inline constexpr char kGnuArchiveEmpty[] =
    "070701000000000000000000000000000000000000000100000000"
    "00000000000000000000000000000000000000000000000B00000000"
    "TRAILER!!!\000\000\000\000"
    ;
inline constexpr size_t kGnuArchiveEmptyFileSize = 512;  // GNU cpio zero-pads to 512-byte blocks

template <size_t N>
std::vector<uint8_t> gnu_archive(const char (&lit)[N], size_t file_size) {
    std::vector<uint8_t> v(lit, lit + N - 1);  // without the literal's own NUL
    v.resize(file_size, 0);
    return v;
}

}  // namespace bh::test
