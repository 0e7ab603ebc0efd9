// VtdContextTables on the host: the root and context entries a VT-d unit walks (VT-d spec §9.1,
// §9.3), written bit for bit.
#include <catch2/catch.hpp>

#include "arch/x86_64/vtd_context.hpp"
#include "fake_memory.hpp"

using bhtest::FakeMem;
using bhtest::FakeMemory;
using bh::Error;
using bh::paddr_t;
using bh::x86::VtdEntry;

namespace {

struct Fixture {
    FakeMemory mem{16};
    bh::x86::VtdContextTables<FakeMem> t{FakeMem{&mem}};
    Fixture() { REQUIRE(t.init().ok()); }
    VtdEntry root_entry(uint8_t bus) { return bh::phys_as<VtdEntry>(t.root())[bus]; }
    VtdEntry context_entry(uint16_t bdf) {
        return bh::phys_as<VtdEntry>(root_entry(bdf >> 8).lo & ~0xfffull)[bdf & 0xff];
    }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "A fresh root table blocks every function") {
    for (uint32_t bus = 0; bus < 256; ++bus) CHECK(root_entry(static_cast<uint8_t>(bus)).lo == 0);
    CHECK_FALSE(t.context(0x0008).present);
    CHECK(mem.live() == 1);
}

TEST_CASE_METHOD(Fixture, "Attach writes a present context entry: the table, width 48 bits, the domain id") {
    paddr_t sl = mem.alloc().value();
    REQUIRE(t.attach(0x0008, sl, 7).ok());  // 00:01.0
    VtdEntry re = root_entry(0);
    CHECK((re.lo & 1) == 1);
    CHECK((re.lo & 0xffe) == 0);
    CHECK(re.hi == 0);
    VtdEntry ce = context_entry(0x0008);
    CHECK(ce.lo == (sl | 1));  // present, faults reported (FPD 0), translation type 0
    CHECK(ce.hi == (2 | 7u << 8));
    CHECK(context_entry(0x0009).lo == 0);  // 00:01.1 stays blocked
    auto c = t.context(0x0008);
    CHECK(c.present);
    CHECK(c.sl_root == sl);
    CHECK(c.did == 7);

    // Another function on the same bus shares its context table; another bus gets its own.
    size_t live = mem.live();
    REQUIRE(t.attach(0x0010, sl, 7).ok());
    CHECK(mem.live() == live);
    REQUIRE(t.attach(0x0308, sl, 0xffff).ok());  // 03:01.0
    CHECK(mem.live() == live + 1);
    CHECK(context_entry(0x0308).hi == (2 | 0xffffull << 8));

    t.detach(0x0008);
    CHECK(context_entry(0x0008).lo == 0);
    CHECK(context_entry(0x0008).hi == 0);
    CHECK_FALSE(t.context(0x0008).present);
    CHECK(t.context(0x0010).present);
    t.detach(0x0508);  // a bus never used: nothing to do
    CHECK(root_entry(5).lo == 0);
}

TEST_CASE_METHOD(Fixture, "Attach refuses a table address the entry cannot hold, and survives allocation failure") {
    CHECK(t.attach(0x0008, 0x1234, 1).error() == Error::BadAddress);
    CHECK(t.attach(0x0008, 0, 1).error() == Error::BadAddress);
    CHECK(t.attach(0x0008, 1ull << 52, 1).error() == Error::BadAddress);
    mem.fail_in(0, Error::NoMemory);
    CHECK(t.attach(0x0008, 0x40001000, 1).error() == Error::NoMemory);
    CHECK(root_entry(0).lo == 0);
    CHECK(mem.violations.empty());
}
