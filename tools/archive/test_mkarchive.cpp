// Host tests of the cpio newc writer and bulkhead-mkarchive, cross-checked against GNU cpio.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cpio_newc.hpp"
#include "mkarchive.hpp"

namespace fs = std::filesystem;
using bh::tools::CpioMember;
using Bytes = std::vector<unsigned char>;

namespace {

// An independent newc reader, strict about everything the writer promises.
struct Entry {
    std::string name;
    Bytes data;
    uint32_t ino, mode, uid, gid, nlink, mtime, check;
};

uint32_t hex8(const Bytes& b, size_t at) {
    REQUIRE(at + 8 <= b.size());
    uint32_t v = 0;
    for (size_t i = 0; i < 8; ++i) {
        char c = static_cast<char>(b[at + i]);
        REQUIRE(((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')));
        v = v * 16 + static_cast<uint32_t>(c <= '9' ? c - '0' : c - 'A' + 10);
    }
    return v;
}

std::vector<Entry> parse(const Bytes& b) {
    std::vector<Entry> out;
    size_t at = 0;
    for (;;) {
        REQUIRE(at % 4 == 0);
        REQUIRE(at + 110 <= b.size());
        REQUIRE(std::string(b.begin() + at, b.begin() + at + 6) == "070701");
        Entry e{};
        e.ino = hex8(b, at + 6);
        e.mode = hex8(b, at + 14);
        e.uid = hex8(b, at + 22);
        e.gid = hex8(b, at + 30);
        e.nlink = hex8(b, at + 38);
        e.mtime = hex8(b, at + 46);
        uint32_t size = hex8(b, at + 54);
        for (size_t f = 62; f < 94; f += 8) CHECK(hex8(b, at + f) == 0);  // dev/rdev
        uint32_t namesize = hex8(b, at + 94);
        e.check = hex8(b, at + 102);
        at += 110;
        REQUIRE(namesize >= 1);
        REQUIRE(at + namesize <= b.size());
        REQUIRE(b[at + namesize - 1] == 0);
        e.name.assign(b.begin() + at, b.begin() + at + namesize - 1);
        at += namesize;
        while (at % 4) REQUIRE(b.at(at++) == 0);
        REQUIRE(at + size <= b.size());
        e.data.assign(b.begin() + at, b.begin() + at + size);
        at += size;
        while (at % 4) REQUIRE(b.at(at++) == 0);
        if (e.name == "TRAILER!!!") {
            CHECK(size == 0);
            CHECK(at == b.size());
            return out;
        }
        out.push_back(e);
    }
}

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& p, const std::string& s) {
    std::ofstream out(p, std::ios::binary);
    out << s;
}

// A fresh directory per test, removed afterwards.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "bh-mkarchive-XXXXXX").string();
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() { fs::remove_all(path); }
};

int run(const std::vector<std::string>& args, std::string* err_text = nullptr) {
    std::ostringstream err;
    int rc = bh::tools::mkarchive_run(args, err);
    if (err_text) *err_text = err.str();
    return rc;
}

// Runs a shell command, returning its exit status and stdout.
int shell(const std::string& cmd, std::string& out) {
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

bool have_cpio() {
    std::string ignored;
    return shell("command -v cpio >/dev/null 2>&1", ignored) == 0;
}

}  // namespace

TEST_CASE("An archive with no members is just the trailer") {
    Bytes b = bh::tools::cpio_newc_encode({});
    CHECK(b.size() == 124);  // 110 header + 11 name bytes, padded to 124
    CHECK(parse(b).empty());
}

TEST_CASE("Members keep their order, names and bytes, with deterministic metadata") {
    std::vector<CpioMember> ms = {{"supervisor", bytes_of("SUPER")},
                                  {"xenstore", bytes_of("")},
                                  {"a", bytes_of("0123456789")}};
    Bytes b = bh::tools::cpio_newc_encode(ms);
    std::vector<Entry> es = parse(b);
    REQUIRE(es.size() == 3);
    for (size_t i = 0; i < es.size(); ++i) {
        CHECK(es[i].name == ms[i].name);
        CHECK(es[i].data == ms[i].data);
        CHECK(es[i].ino == i + 1);
        CHECK(es[i].mode == 0100644);
        CHECK(es[i].uid == 0);
        CHECK(es[i].gid == 0);
        CHECK(es[i].nlink == 1);
        CHECK(es[i].mtime == 0);
        CHECK(es[i].check == 0);
    }
    CHECK(bh::tools::cpio_newc_encode(ms) == b);
}

TEST_CASE("Names and data of every length modulo 4 are padded to 4-byte boundaries") {
    for (size_t name_len = 1; name_len <= 8; ++name_len) {
        for (size_t data_len = 0; data_len <= 8; ++data_len) {
            std::vector<CpioMember> ms = {{std::string(name_len, 'n'), Bytes(data_len, 0xab)},
                                          {"next", bytes_of("x")}};
            Bytes b = bh::tools::cpio_newc_encode(ms);
            CHECK(b.size() % 4 == 0);
            std::vector<Entry> es = parse(b);  // parse() requires every entry to start 4-aligned
            REQUIRE(es.size() == 2);
            CHECK(es[0].data == ms[0].data);
            CHECK(es[1].name == "next");
        }
    }
}

TEST_CASE("Members that newc cannot represent are named as problems") {
    CHECK(bh::tools::cpio_member_problem({"ok", {}}).empty());
    CHECK_FALSE(bh::tools::cpio_member_problem({"", {}}).empty());
    CHECK_FALSE(bh::tools::cpio_member_problem({"TRAILER!!!", {}}).empty());
    CHECK_FALSE(bh::tools::cpio_member_problem({std::string("a\0b", 3), {}}).empty());
}

TEST_CASE("mkarchive stores each file under its basename in argument order") {
    TempDir t;
    fs::create_directories(t.path / "sub");
    write_file(t.path / "sub" / "supervisor.elf", "ELF-supervisor");
    write_file(t.path / "manifest.bin", std::string("\0\1\2", 3));
    fs::path out = t.path / "boot.cpio";
    REQUIRE(run({out.string(), (t.path / "sub" / "supervisor.elf").string(),
                 (t.path / "manifest.bin").string()}) == 0);
    std::vector<Entry> es = parse(read_file(out));
    REQUIRE(es.size() == 2);
    CHECK(es[0].name == "supervisor.elf");
    CHECK(es[0].data == bytes_of("ELF-supervisor"));
    CHECK(es[1].name == "manifest.bin");
    CHECK(es[1].data == bytes_of(std::string("\0\1\2", 3)));
    CHECK_FALSE(fs::exists(t.path / "boot.cpio.tmp"));

    SECTION("rebuilding from unchanged inputs gives identical bytes") {
        Bytes first = read_file(out);
        fs::last_write_time(t.path / "manifest.bin", fs::file_time_type::clock::now());
        REQUIRE(run({out.string(), (t.path / "sub" / "supervisor.elf").string(),
                     (t.path / "manifest.bin").string()}) == 0);
        CHECK(read_file(out) == first);
    }
}

TEST_CASE("mkarchive rejects bad usage with status 2") {
    std::string err;
    CHECK(run({}, &err) == 2);
    CHECK(err.find("usage:") != std::string::npos);
    CHECK(run({"out.cpio"}, &err) == 2);
    CHECK(run({"out.cpio", "--frob", "x"}, &err) == 2);
    CHECK(err.find("unknown option '--frob'") != std::string::npos);
    CHECK(run({"--help"}, &err) == 0);
    CHECK(err.find("usage:") != std::string::npos);
}

TEST_CASE("mkarchive rejects bad input files and leaves the output untouched") {
    TempDir t;
    write_file(t.path / "a", "A");
    fs::create_directories(t.path / "d");
    write_file(t.path / "d" / "a", "other A");
    fs::path out = t.path / "out.cpio";
    write_file(out, "previous archive");
    std::string err;

    SECTION("a missing file") {
        CHECK(run({out.string(), (t.path / "a").string(), (t.path / "nope").string()}, &err) == 1);
        CHECK(err.find("nope: no such file") != std::string::npos);
    }
    SECTION("a directory") {
        CHECK(run({out.string(), (t.path / "d").string()}, &err) == 1);
        CHECK(err.find("not a regular file") != std::string::npos);
    }
    SECTION("two files with the same basename") {
        CHECK(run({out.string(), (t.path / "a").string(), (t.path / "d" / "a").string()}, &err) == 1);
        CHECK(err.find("a second member named 'a'") != std::string::npos);
    }
    SECTION("the output file among the inputs") {
        CHECK(run({out.string(), (t.path / "a").string(), out.string()}, &err) == 1);
        CHECK(err.find("is also the output file") != std::string::npos);
    }
    SECTION("an output directory that does not exist") {
        fs::path bad = t.path / "missing-dir" / "out.cpio";
        CHECK(run({bad.string(), (t.path / "a").string()}, &err) == 1);
        CHECK(err.find("cannot open for writing") != std::string::npos);
        CHECK_FALSE(fs::exists(bad));
    }
    CHECK(read_file(out) == bytes_of("previous archive"));
}

TEST_CASE("GNU cpio lists and extracts what mkarchive wrote") {
    if (!have_cpio()) {
        WARN("cpio not installed: cross-check skipped");
        return;
    }
    TempDir t;
    write_file(t.path / "supervisor", "first module");
    write_file(t.path / "x1", "12345");
    write_file(t.path / "longer-name.bin", std::string(1000, 'z'));
    fs::path out = t.path / "boot.cpio";
    REQUIRE(run({out.string(), (t.path / "supervisor").string(), (t.path / "x1").string(),
                 (t.path / "longer-name.bin").string()}) == 0);
    std::string listing;
    REQUIRE(shell("cpio -t --quiet < '" + out.string() + "'", listing) == 0);
    CHECK(listing == "supervisor\nx1\nlonger-name.bin\n");
    std::string content;
    REQUIRE(shell("cpio -i --quiet --to-stdout x1 < '" + out.string() + "'", content) == 0);
    CHECK(content == "12345");
}
