// The service heap: first fit, splitting, coalescing, alignment, exhaustion, invariants under churn.
#include <bh/heap.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

using bh::rt::Heap;

namespace {
alignas(16) uint8_t g_arena[1 << 16];
}

TEST_CASE("Heap hands out 16-aligned, disjoint blocks and takes them back") {
    Heap h;
    h.init(g_arena, sizeof g_arena);
    REQUIRE(h.check());
    size_t total = h.bytes_free();
    void* a = h.alloc(1);
    void* b = h.alloc(100);
    void* c = h.alloc(4000);
    REQUIRE((a && b && c));
    for (void* p : {a, b, c}) CHECK(reinterpret_cast<uintptr_t>(p) % 16 == 0);
    std::memset(a, 0xa1, 1);
    std::memset(b, 0xb2, 100);
    std::memset(c, 0xc3, 4000);
    CHECK(static_cast<uint8_t*>(b)[99] == 0xb2);
    CHECK(h.check());
    h.free(b);
    h.free(a);
    h.free(c);
    CHECK(h.check());
    CHECK(h.bytes_free() == total);  // everything coalesced back into one block
    CHECK(h.alloc(total - 64) != nullptr);
}

TEST_CASE("Heap returns nullptr when exhausted or asked for absurd sizes, and stays intact") {
    Heap h;
    h.init(g_arena, 4096);
    CHECK(h.alloc(SIZE_MAX) == nullptr);
    CHECK(h.alloc(SIZE_MAX - 8) == nullptr);
    CHECK(h.alloc(5000) == nullptr);
    std::vector<void*> got;
    while (void* p = h.alloc(64)) got.push_back(p);
    CHECK(got.size() > 10);
    CHECK(h.check());
    for (void* p : got) h.free(p);
    CHECK(h.check());
    h.free(nullptr);
    CHECK(h.bytes_free() == h.bytes_total());
}

TEST_CASE("Heap with an arena too small or misaligned still behaves") {
    Heap h;
    h.init(g_arena + 3, 20);
    CHECK(h.alloc(1) == nullptr);
    CHECK(h.check());
    h.init(g_arena + 3, 1000);
    void* p = h.alloc(10);
    REQUIRE(p);
    CHECK(reinterpret_cast<uintptr_t>(p) % 16 == 0);
    CHECK(static_cast<uint8_t*>(p) + 10 <= g_arena + 3 + 1000);
    CHECK(h.check());
}

TEST_CASE("Heap keeps its invariants and contents through random churn") {
    Heap h;
    h.init(g_arena, sizeof g_arena);
    std::mt19937 rng(42);
    struct Live { uint8_t* p; size_t n; uint8_t fill; };
    std::vector<Live> live;
    for (int step = 0; step < 20000; ++step) {
        if (live.empty() || rng() % 3 != 0) {
            size_t n = 1 + rng() % (rng() % 8 == 0 ? 3000 : 200);
            auto* p = static_cast<uint8_t*>(h.alloc(n));
            if (!p) continue;
            auto fill = static_cast<uint8_t>(rng());
            std::memset(p, fill, n);
            live.push_back({p, n, fill});
        } else {
            size_t i = rng() % live.size();
            for (size_t k = 0; k < live[i].n; ++k) REQUIRE(live[i].p[k] == live[i].fill);
            h.free(live[i].p);
            live[i] = live.back();
            live.pop_back();
        }
        if (step % 500 == 0) REQUIRE(h.check());
    }
    for (Live& l : live) h.free(l.p);
    CHECK(h.check());
    CHECK(h.bytes_free() == h.bytes_total());
}
