// Bytes: appending, embedded NULs, numbers and assignment.
#include <catch2/catch.hpp>

#include "bh/ds/bytes.hpp"

using bh::ds::Bytes;

TEST_CASE("Bytes.AppendKeepsEmbeddedNuls") {
    Bytes b;
    REQUIRE(b.append("ab"));
    REQUIRE(b.push_back('\0'));
    REQUIRE(b.append("cd"));
    REQUIRE(b.size() == 5);
    CHECK(b.view() == std::string_view("ab\0cd", 5));
}

TEST_CASE("Bytes.AppendUintWritesDecimal") {
    Bytes b;
    REQUIRE(b.append_uint(0));
    REQUIRE(b.push_back(' '));
    REQUIRE(b.append_uint(18446744073709551615ull));
    CHECK(b == "0 18446744073709551615");
}

TEST_CASE("Bytes.AssignReplacesAndEraseRemovesRange") {
    Bytes b;
    REQUIRE(b.assign("hello world"));
    b.erase(5, 6);
    CHECK(b == "hello");
    Bytes c;
    REQUIRE(c.copy_from(b));
    b.truncate(2);
    CHECK(b == "he");
    CHECK(c == "hello");
    c.clear();
    CHECK(c.empty());
}
