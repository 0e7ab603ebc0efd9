// CpioReader: GNU-made archives, hand-built malformed ones, truncation and mutation sweeps.
#include <catch2/catch.hpp>

#include <stdio.h>
#include <string.h>

#include <random>
#include <string>
#include <vector>

#include "boot/cpio.hpp"
#include "cpio_fixtures.hpp"

using bh::CpioEntry;
using bh::CpioReader;
using bh::Error;
using bh::test::gnu_archive;

namespace {

using Bytes = std::vector<uint8_t>;

// One newc entry built by hand: header, name + NUL, padding, data, padding.
std::string newc_entry(const std::string& name, const std::string& data, uint32_t mode,
                       size_t at = 0) {
    char h[111];
    snprintf(h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1u,
             mode, 0u, 0u, 1u, 0u, static_cast<uint32_t>(data.size()), 0u, 0u, 0u, 0u,
             static_cast<uint32_t>(name.size() + 1), 0u);
    std::string s(h, 110);
    s += name;
    s += '\0';
    while ((at + s.size()) % 4) s += '\0';
    s += data;
    while ((at + s.size()) % 4) s += '\0';
    return s;
}

std::string newc_archive(const std::vector<std::pair<std::string, std::string>>& files) {
    std::string a;
    for (auto& [name, data] : files) a += newc_entry(name, data, 0100644, a.size());
    a += newc_entry("TRAILER!!!", "", 0, a.size());
    return a;
}

Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string text(std::span<const uint8_t> d) { return std::string(d.begin(), d.end()); }

// Reads to the end; returns the names seen and the final status (false = trailer reached).
struct Walk {
    std::vector<std::string> names;
    bool ended_ok = false;
    Error error = Error::None;
};
Walk walk(std::span<const uint8_t> archive) {
    Walk w;
    CpioReader r(archive);
    CpioEntry e{};
    for (int guard = 0; guard < 10000; ++guard) {
        auto res = r.next(e);
        if (!res.ok()) {
            w.error = res.error();
            return w;
        }
        if (!res.value()) {
            w.ended_ok = true;
            return w;
        }
        // Whatever was accepted lies inside the archive and has its NUL where it says.
        const uint8_t* lo = archive.data();
        const uint8_t* hi = archive.data() + archive.size();
        auto* name = reinterpret_cast<const uint8_t*>(e.name);
        REQUIRE(name >= lo);
        REQUIRE(name + e.name_len < hi);
        REQUIRE(e.name[e.name_len] == '\0');
        REQUIRE(strlen(e.name) == e.name_len);
        REQUIRE((e.data.empty() || (e.data.data() >= lo && e.data.data() + e.data.size() <= hi)));
        w.names.emplace_back(e.name, e.name_len);
    }
    FAIL("reader never ended");
    return w;
}

}  // namespace

TEST_CASE("Cpio reads every entry of a GNU newc archive in order, with its data and mode") {
    Bytes a = gnu_archive(bh::test::kGnuArchiveA, bh::test::kGnuArchiveAFileSize);
    REQUIRE(a.size() == 1024);
    CpioReader r(a);
    CpioEntry e{};
    struct Want {
        const char* name;
        const char* data;
        uint32_t type;
    } want[] = {
        {".", "", bh::kCpioTypeDir},          {"svc", "", bh::kCpioTypeDir},
        {"svc/hello.txt", "hello\n", bh::kCpioTypeFile}, {"manifest", "abcde", bh::kCpioTypeFile},
        {"empty", "", bh::kCpioTypeFile},     {"link", "manifest", 0120000},
    };
    for (const Want& w : want) {
        auto res = r.next(e);
        REQUIRE(res.ok());
        REQUIRE(res.value());
        CHECK(std::string(e.name) == w.name);
        CHECK(e.name_len == strlen(w.name));
        CHECK(text(e.data) == w.data);
        CHECK((e.mode & bh::kCpioTypeMask) == w.type);
    }
    CHECK((e.mode & 0777) == 0777);  // the symlink's permissions
    auto end = r.next(e);
    REQUIRE(end.ok());
    CHECK_FALSE(end.value());
    auto again = r.next(e);  // the trailer is sticky: nothing after it is ever read
    REQUIRE(again.ok());
    CHECK_FALSE(again.value());
}

TEST_CASE("Cpio archive holding only the trailer reports the end at once") {
    Bytes a = gnu_archive(bh::test::kGnuArchiveEmpty, bh::test::kGnuArchiveEmptyFileSize);
    Walk w = walk(a);
    CHECK(w.ended_ok);
    CHECK(w.names.empty());
}

TEST_CASE("Cpio find returns regular files and skips directories and symlinks") {
    Bytes a = gnu_archive(bh::test::kGnuArchiveA, bh::test::kGnuArchiveAFileSize);
    CpioReader r(a);
    auto hello = r.find("svc/hello.txt");
    REQUIRE(hello.ok());
    CHECK(text(hello->data) == "hello\n");
    auto empty = r.find("empty");
    REQUIRE(empty.ok());
    CHECK(empty->data.empty());
    CHECK(r.find("svc").error() == Error::NotFound);       // a directory
    CHECK(r.find(".").error() == Error::NotFound);         // a directory
    CHECK(r.find("link").error() == Error::NotFound);      // a symlink, not a file
    CHECK(r.find("manifes").error() == Error::NotFound);   // a prefix is not a match
    CHECK(r.find("manifestX").error() == Error::NotFound); // nor is a longer name
    CHECK(r.find("").error() == Error::NotFound);
    CHECK(r.find("TRAILER!!!").error() == Error::NotFound);
    CHECK(r.find(nullptr).error() == Error::BadArg);
}

TEST_CASE("Cpio find ignores ./ prefixes on either side") {
    Bytes b = gnu_archive(bh::test::kGnuArchiveB, bh::test::kGnuArchiveBFileSize);
    CpioReader gnu(b);
    auto init = gnu.find("./bin/init");
    REQUIRE(init.ok());
    CHECK(text(init->data) == "#!/bin/init: service image stand-in\n");
    CHECK(text(gnu.find("README")->data) == "abcd");

    Bytes h = bytes(newc_archive({{"./x", "1"}, {"y", "22"}}));
    CpioReader hand(h);
    CHECK(text(hand.find("x")->data) == "1");
    CHECK(text(hand.find("./y")->data) == "22");
    CHECK(hand.find("./").error() == Error::NotFound);
}

TEST_CASE("Cpio find leaves the reader's own position alone") {
    Bytes h = bytes(newc_archive({{"a", "1"}, {"b", "2"}}));
    CpioReader r(h);
    CpioEntry e{};
    REQUIRE(r.next(e).value());
    CHECK(std::string(e.name) == "a");
    REQUIRE(r.find("a").ok());
    REQUIRE(r.next(e).value());
    CHECK(std::string(e.name) == "b");
}

TEST_CASE("Cpio accepts lowercase hex and data sizes that need no padding") {
    std::string a = newc_archive({{"four", "abcd"}, {"x", ""}});
    for (char& c : a)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    Bytes b = bytes(a);
    CHECK(text(CpioReader(b).find("four")->data) == "abcd");
}

TEST_CASE("Cpio trailer without its padding still ends the archive") {
    std::string a = newc_archive({{"f", "z"}});
    a.resize(a.find("TRAILER!!!") + 11);  // cut right after the name's NUL
    Bytes b = bytes(a);
    Walk w = walk(b);
    CHECK(w.ended_ok);
    CHECK(w.names == std::vector<std::string>{"f"});
}

namespace {
// Status of the first next() on a one-file archive whose bytes `edit` changed.
template <class F>
Error first_error(F edit) {
    std::string a = newc_archive({{"file", "data"}});
    edit(a);
    Bytes b = bytes(a);
    CpioReader r(b);
    CpioEntry e{};
    e.name_len = 777;  // a sentinel: a refused entry must not touch `out`
    auto res = r.next(e);
    if (!res.ok()) {
        CHECK(e.name_len == 777);
        auto again = r.next(e);  // a broken reader stays broken
        CHECK(again.error() == res.error());
    }
    return res.ok() ? Error::None : res.error();
}
void put_field(std::string& a, int field, const char* eight) {
    memcpy(&a[6 + field * 8], eight, 8);
}
}  // namespace

TEST_CASE("Cpio refuses a header with bad magic") {
    CHECK(first_error([](std::string& a) { a[5] = '2'; }) == Error::BadArg);  // 070702 (crc)
    CHECK(first_error([](std::string& a) { a[0] = 'x'; }) == Error::BadArg);
    CHECK(first_error([](std::string&) {}) == Error::None);
}

TEST_CASE("Cpio refuses a non-hex digit in any position of any header field") {
    for (int field = 0; field < 13; ++field)
        for (int digit = 0; digit < 8; ++digit)
            for (char bad : {'g', 'G', ' ', '\0', '-', 'x'}) {
                INFO("field " << field << " digit " << digit << " char " << int(bad));
                CHECK(first_error([&](std::string& a) { a[6 + field * 8 + digit] = bad; }) ==
                      Error::BadArg);
            }
}

TEST_CASE("Cpio refuses malformed names") {
    // namesize 0: not even the NUL.
    CHECK(first_error([](std::string& a) { put_field(a, 11, "00000000"); }) == Error::BadArg);
    // NUL missing: namesize one short, so its last byte is 'e'.
    CHECK(first_error([](std::string& a) { put_field(a, 11, "00000004"); }) == Error::BadArg);
    // A NUL inside the name.
    CHECK(first_error([](std::string& a) { a[110 + 1] = '\0'; }) == Error::BadArg);
    // Name running past the end of the archive, and the largest possible namesize.
    CHECK(first_error([](std::string& a) { put_field(a, 11, "00001000"); }) == Error::BadArg);
    CHECK(first_error([](std::string& a) { put_field(a, 11, "FFFFFFFF"); }) == Error::BadArg);
}

TEST_CASE("Cpio refuses data running past the end of the archive") {
    Bytes exact = bytes(newc_entry("f", "data", 0100644));  // no trailer after it
    CHECK(first_error([](std::string& a) { put_field(a, 6, "FFFFFFFF"); }) == Error::BadArg);
    CHECK(first_error([](std::string& a) { put_field(a, 6, "80000000"); }) == Error::BadArg);
    CHECK(first_error([](std::string& a) { put_field(a, 6, "00000400"); }) == Error::BadArg);
    // Data exactly to the end is fine for this entry; the missing trailer is the next error.
    Walk w = walk(exact);
    CHECK(w.names == std::vector<std::string>{"f"});
    CHECK(w.error == Error::BadArg);
}

TEST_CASE("Cpio refuses an empty buffer and an archive without a trailer") {
    CHECK(walk({}).error == Error::BadArg);
    Bytes b = bytes(newc_entry("a", "1", 0100644));
    Walk w = walk(b);
    CHECK(w.names.size() == 1);
    CHECK(w.error == Error::BadArg);
}

TEST_CASE("Cpio truncated at every byte offset fails cleanly until the trailer is whole") {
    Bytes full = gnu_archive(bh::test::kGnuArchiveA, bh::test::kGnuArchiveAFileSize);
    const size_t trailer_end = sizeof(bh::test::kGnuArchiveA) - 1 - 4 + 1;  // through its NUL
    REQUIRE(memcmp(&full[trailer_end - 11], "TRAILER!!!", 11) == 0);
    for (size_t n = 0; n <= full.size(); ++n) {
        Bytes cut(full.begin(), full.begin() + static_cast<ptrdiff_t>(n));  // exact size: ASan
        INFO("length " << n);
        Walk w = walk(cut);
        if (n >= trailer_end) {
            CHECK(w.ended_ok);
            CHECK(w.names.size() == 6);
        } else {
            CHECK(w.error == Error::BadArg);
        }
    }
}

TEST_CASE("Cpio survives random byte mutations without reading out of bounds") {
    Bytes base = gnu_archive(bh::test::kGnuArchiveA, bh::test::kGnuArchiveAFileSize);
    base.resize(sizeof(bh::test::kGnuArchiveA) - 1);  // no zero tail: mutations hit headers
    std::mt19937_64 rng(0xC910);
    const char alphabet[] = "0123456789abcdefABCDEFxX\0\377";
    int ended = 0, failed = 0;
    for (int iter = 0; iter < 30000; ++iter) {
        Bytes m = base;
        int edits = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < edits; ++k) {
            size_t at = rng() % m.size();
            m[at] = (rng() & 1) ? static_cast<uint8_t>(rng())
                                : static_cast<uint8_t>(alphabet[rng() % (sizeof alphabet - 1)]);
        }
        if (rng() % 8 == 0) m.resize(rng() % m.size());
        Walk w = walk(m);
        (w.ended_ok ? ended : failed)++;
    }
    CHECK(ended > 0);  // the sweep exercised both outcomes
    CHECK(failed > 0);
}
