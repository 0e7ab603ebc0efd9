// LogRing on its own: windows at old, current and future offsets, wrap of the ring and of the
// 32-bit offset, and a model check against a plain string of everything written.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "lib/log_ring.hpp"

using bh::LogRing;

namespace {

std::string bytes_of(const LogRing& r, const LogRing::Window& w) {
    std::string s;
    for (unsigned i = 0; i < 2; ++i) {
        auto p = r.piece(w, i);
        s.append(reinterpret_cast<const char*>(p.data()), p.size());
    }
    return s;
}

void put(LogRing& r, const std::string& s) { r.write(s.data(), s.size()); }

}  // namespace

TEST_CASE("LogRing reads back what was written from any offset it holds", "[log_ring]") {
    uint8_t mem[16];
    LogRing r(mem, sizeof mem);
    put(r, "hello ");
    put(r, "world");
    CHECK(r.end() == 11);
    CHECK(r.held() == 11);
    auto w = r.window(0, 100);
    CHECK(w.start == 0);
    CHECK(w.count == 11);
    CHECK(w.next() == 11);
    CHECK(bytes_of(r, w) == "hello world");
    w = r.window(6, 3);
    CHECK(bytes_of(r, w) == "wor");
    CHECK(w.next() == 9);
    CHECK(r.window(11, 100).count == 0);
    CHECK(r.window(11, 100).start == 11);
}

TEST_CASE("LogRing keeps the last size bytes; an older offset starts at the oldest held", "[log_ring]") {
    uint8_t mem[8];
    LogRing r(mem, sizeof mem);
    put(r, "abcdefgh");
    put(r, "ijk");
    CHECK(r.held() == 8);
    CHECK(r.oldest() == 3);
    auto w = r.window(0, 100);
    CHECK(w.start == 3);
    CHECK(bytes_of(r, w) == "defghijk");
    // The window crosses the ring's end: two pieces, in order.
    CHECK(r.piece(w, 0).size() == 5);
    CHECK(r.piece(w, 1).size() == 3);
    CHECK(bytes_of(r, r.window(9, 2)) == "jk");
}

TEST_CASE("LogRing keeps only the tail of a write longer than the ring", "[log_ring]") {
    uint8_t mem[8];
    LogRing r(mem, sizeof mem);
    put(r, "xy");
    put(r, "0123456789abc");
    CHECK(r.end() == 15);
    CHECK(r.held() == 8);
    CHECK(bytes_of(r, r.window(0, 100)) == "56789abc");
}

TEST_CASE("LogRing offsets in the future find nothing and point at the end", "[log_ring]") {
    uint8_t mem[8];
    LogRing r(mem, sizeof mem);
    put(r, "abc");
    for (uint32_t off : {4u, 100u, 0x7fffffffu, 0x80000002u}) {
        INFO("offset " << off);
        auto w = r.window(off, 10);
        CHECK(w.count == 0);
        CHECK(w.start == 3);
    }
    // More than 2^31 ahead counts as behind: an old offset, read from the oldest.
    CHECK(r.window(0x80000004u, 10).start == 0);
}

TEST_CASE("LogRing offsets keep working across the 32-bit wrap", "[log_ring]") {
    uint8_t mem[16];
    LogRing r(mem, sizeof mem, 0xfffffff8u);
    put(r, "0123456789");  // bytes at 0xfffffff8 .. 0x00000001
    CHECK(r.end() == 2);
    CHECK(r.oldest() == 0xfffffff8u);
    CHECK(bytes_of(r, r.window(0xfffffffeu, 100)) == "6789");
    CHECK(r.window(0xfffffffeu, 100).next() == 2);
    put(r, "abcdefghij");  // 20 bytes in a 16-byte ring
    CHECK(r.oldest() == 0xfffffffcu);
    CHECK(bytes_of(r, r.window(0xfffffff8u, 100)) == "456789abcdefghij");
    CHECK(bytes_of(r, r.window(3, 1)) == "b");  // offset 3 is byte 11 of everything written
}

TEST_CASE("LogRing without storage, or with a size not a power of two, keeps nothing", "[log_ring]") {
    uint8_t mem[12];
    LogRing none;
    LogRing odd(mem, sizeof mem);
    for (LogRing* r : {&none, &odd}) {
        put(*r, "abc");
        CHECK(r->size() == 0);
        CHECK(r->end() == 3);
        CHECK(r->held() == 0);
        auto w = r->window(0, 10);
        CHECK(w.count == 0);
        CHECK(w.start == 3);
    }
    CHECK(LogRing::size_ok(4096));
    CHECK_FALSE(LogRing::size_ok(4095));
}

TEST_CASE("LogRing matches a model of every byte written, for random writes and reads", "[log_ring]") {
    const uint32_t first = GENERATE(0u, 0xffffff00u, 12345u);
    uint8_t mem[64];
    LogRing r(mem, sizeof mem, first);
    std::string all;  // byte i is at offset first + i
    std::mt19937 rng(first + 1);
    auto pick = [&](uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng); };
    for (int step = 0; step < 5000; ++step) {
        std::string s(pick(3) ? pick(20) : pick(200), '\0');
        for (auto& c : s) c = static_cast<char>('a' + pick(26));
        put(r, s);
        all += s;
        REQUIRE(r.end() == static_cast<uint32_t>(first + all.size()));
        const uint64_t held = all.size() < 64 ? all.size() : 64;
        REQUIRE(r.held() == held);
        // A read at some offset behind, at, or ahead of the end.
        int64_t rel = static_cast<int64_t>(pick(200)) - 150;  // relative to the end
        uint32_t off = r.end() + static_cast<uint32_t>(rel);
        uint32_t len = pick(80);
        auto w = r.window(off, len);
        // Ahead: nothing, at the end. Further behind than held: from the oldest.
        const auto h = static_cast<int64_t>(held);
        int64_t want_rel = rel > 0 ? 0 : (-rel > h ? -h : rel);
        INFO("step " << step << " rel " << rel << " len " << len);
        REQUIRE(w.start == r.end() + static_cast<uint32_t>(want_rel));
        uint64_t avail = static_cast<uint64_t>(-want_rel);
        REQUIRE(w.count == (len < avail ? len : avail));
        REQUIRE(bytes_of(r, w) == all.substr(all.size() - avail, w.count));
    }
}
