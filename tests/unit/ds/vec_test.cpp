// Vec<T>: growth, insertion order, erase, copy and element lifetimes.
#include <catch2/catch.hpp>

#include "bh/ds/alloc.hpp"
#include "bh/ds/vec.hpp"

using bh::ds::Vec;

namespace {

// Counts live instances so leaks and double destruction show up as a wrong count.
struct Tracked {
    static inline int live = 0;
    int v;
    explicit Tracked(int x = 0) : v(x) { live++; }
    Tracked(const Tracked& o) : v(o.v) { live++; }
    Tracked(Tracked&& o) noexcept : v(o.v) { live++; }
    Tracked& operator=(const Tracked&) = default;
    Tracked& operator=(Tracked&&) noexcept = default;
    ~Tracked() { live--; }
};

}  // namespace

TEST_CASE("Vec.PushBackGrowsAndKeepsOrder") {
    Vec<int> v;
    for (int i = 0; i < 1000; i++) REQUIRE(v.push_back(i));
    REQUIRE(v.size() == 1000);
    for (int i = 0; i < 1000; i++) CHECK(v[static_cast<size_t>(i)] == i);
    CHECK(v.back() == 999);
}

TEST_CASE("Vec.InsertShiftsTailAndErasePreservesOrder") {
    Vec<int> v;
    REQUIRE(v.push_back(1));
    REQUIRE(v.push_back(3));
    REQUIRE(v.insert(1, 2));
    REQUIRE(v.insert(0, 0));
    REQUIRE(v.insert(4, 4));
    REQUIRE(v.size() == 5);
    for (size_t i = 0; i < 5; i++) CHECK(v[i] == static_cast<int>(i));
    v.erase(1, 3);
    REQUIRE(v.size() == 3);
    CHECK(v[0] == 0);
    CHECK(v[1] == 3);
    CHECK(v[2] == 4);
    CHECK_FALSE(v.insert(9, 1));
}

TEST_CASE("Vec.DestroysEveryElementExactlyOnce") {
    Tracked::live = 0;
    {
        Vec<Tracked> v;
        for (int i = 0; i < 50; i++) REQUIRE(v.emplace_back(i));
        REQUIRE(v.insert(10, Tracked(99)));
        v.erase(0, 5);
        v.pop_back();
        CHECK(Tracked::live == 45);
        Vec<Tracked> w;
        REQUIRE(w.copy_from(v));
        CHECK(Tracked::live == 90);
        Vec<Tracked> moved(std::move(w));
        CHECK(w.size() == 0);
        CHECK(moved.size() == 45);
        REQUIRE(moved.resize(10));
        CHECK(Tracked::live == 55);
    }
    CHECK(Tracked::live == 0);
}

TEST_CASE("Vec.ReserveRefusesImpossibleSizes") {
    Vec<uint64_t> v;
    CHECK_FALSE(v.reserve(SIZE_MAX / 4));
    CHECK(v.capacity() == 0);
    REQUIRE(v.reserve(16));
    CHECK(v.capacity() == 16);
}

TEST_CASE("Alloc.MakeAndDestroyPairUp") {
    Tracked::live = 0;
    Tracked* t = bh::ds::make<Tracked>(7);
    REQUIRE(t != nullptr);
    CHECK(t->v == 7);
    CHECK(Tracked::live == 1);
    bh::ds::destroy(t);
    bh::ds::destroy<Tracked>(nullptr);
    CHECK(Tracked::live == 0);
}
