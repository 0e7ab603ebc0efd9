// Table formatting: widths from the widest cell, alignment, no trailing spaces.
#include <catch2/catch.hpp>

#include "table.hpp"

using namespace bh::cli;

TEST_CASE("Columns are as wide as their widest cell, two spaces apart, without trailing spaces") {
    CHECK(format_table({"A", "BB", "C"}, {{"long", "1", ""}, {"x", "22222", "z"}}) ==
          "A     BB     C\n"
          "long  1\n"
          "x     22222  z\n");
}

TEST_CASE("Right-aligned columns pad on the left; short rows are padded") {
    CHECK(format_table({"N", "V"}, {{"a", "1"}, {"b"}, {"c", "100"}}, {Align::Left, Align::Right}) ==
          "N    V\n"
          "a    1\n"
          "b\n"
          "c  100\n");
}

TEST_CASE("An empty table is just its header") {
    CHECK(format_table({"NAME", "ID"}, {}) == "NAME  ID\n");
}

TEST_CASE("The domain table shows name, id, state, memory and quota") {
    SerialLog log = parse_serial_log("BH-DOMAIN name=supervisor id=0 state=running mem=512 quota=1024\n"
                                     "BH-DOMAIN name=xenstore id=12 state=running mem=16384 quota=65536\n");
    CHECK(format_domain_table(log.domains) ==
          "NAME        ID  STATE       MEMORY      QUOTA\n"
          "supervisor   0  running    512 KiB   1024 KiB\n"
          "xenstore    12  running  16384 KiB  65536 KiB\n");
}
