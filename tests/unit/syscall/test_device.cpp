// Conformance: device authority (63-65, 70-73) — I/O-port, MMIO and IRQ caps minted from the
// Machine cap, port I/O, MMIO mapping and interrupt acknowledgement.
#include "domain/irq_routing.hpp"
#include "domain/objects.hpp"
#include "evtchn_helpers.hpp"
#include "mem/machine_frames.hpp"

using namespace bhtest;

namespace {
constexpr uint64_t kDev = 9;              // I/O ports 0x70..0x71
constexpr uint64_t kMmio = 10;            // 2 pages at kHpet
constexpr uint64_t kIrq = 11;             // line 8
constexpr bh::paddr_t kHpet = 0xFED00000;  // device memory, not fake RAM

struct DeviceFixture : Fixture {
    DeviceFixture() {
        REQUIRE_OK(sup(), BH_CALL_MACHINE_DEVICE_CAP, BH_SLOT_MACHINE, 0x70, 2, kDev);
        REQUIRE_OK(sup(), BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, kHpet, 2, kMmio);
        REQUIRE_OK(sup(), BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, 8, kIrq);
    }
};
}  // namespace

TEST_CASE_METHOD(Fixture, "Machine device calls mint caps with every right, charged to the caller") {
    uint64_t used0 = sup().quota.used();
    REQUIRE_OK(sup(), BH_CALL_MACHINE_DEVICE_CAP, BH_SLOT_MACHINE, 0x70, 2, kDev);
    REQUIRE_OK(sup(), BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, 23, kIrq);
    REQUIRE_OK(sup(), BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, kHpet, 1, kMmio);
    CHECK(REQUIRE_OK(sup(), BH_CALL_CAP_INFO, kDev).r1 == (BH_OBJ_DEVICE | BH_R_ALL << 8));
    CHECK(REQUIRE_OK(sup(), BH_CALL_CAP_INFO, kMmio).r1 == (BH_OBJ_DEVICE | BH_R_ALL << 8));
    CHECK(REQUIRE_OK(sup(), BH_CALL_CAP_INFO, kIrq).r1 == (BH_OBJ_IRQ | BH_R_ALL << 8));
    CHECK(sup().quota.used() == used0 + 2 * sizeof(bh::DeviceObj) + sizeof(bh::IrqObj));
    REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, kDev);
    REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, kMmio);
    REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, kIrq);
    CHECK(sup().quota.used() == used0);
    // The edges of the port space.
    REQUIRE_OK(sup(), BH_CALL_MACHINE_DEVICE_CAP, BH_SLOT_MACHINE, 0xffff, 1, kDev);
    REQUIRE_OK(sup(), BH_CALL_MACHINE_DEVICE_CAP, BH_SLOT_MACHINE, 0, 0x10000, 12);
}

TEST_CASE_METHOD(Fixture, "Machine device calls reject ranges out of bounds with BadArg") {
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_DEVICE_CAP, BH_SLOT_MACHINE, 0x70, 0, kDev);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_DEVICE_CAP, BH_SLOT_MACHINE, 0x10000, 1, kDev);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_DEVICE_CAP, BH_SLOT_MACHINE, 0xffff, 2, kDev);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_DEVICE_CAP, BH_SLOT_MACHINE, 1, ~0ull, kDev);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, 56, kIrq);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, ~0ull, kIrq);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, kHpet + 8, 1, kMmio);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, kHpet, 0, kMmio);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, kHpet, 257, kMmio);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE,
                  (1ull << 52) - bh::kPageSize, 2, kMmio);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, ~0xfffull, 1, kMmio);
}

TEST_CASE_METHOD(Fixture, "MachineMmioCap refuses RAM and the interrupt controllers with NoRights") {
    for (bh::paddr_t pa : {bh::paddr_t{0x200000} /* fake RAM */, bh::paddr_t{0xFEE00000},
                           bh::paddr_t{0xFEC00000}}) {
        INFO("paddr " << std::hex << pa);
        CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, pa, 1, kMmio);
    }
    // A range that only ends in the local APIC page.
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE,
                  0xFEE00000 - bh::kPageSize, 2, kMmio);
}

TEST_CASE_METHOD(Fixture, "Machine device calls need the Machine cap with control and a free slot") {
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, BH_SLOT_MACHINE, 20, BH_R_READ | BH_R_GRANT);
    const uint64_t args[][4] = {{BH_CALL_MACHINE_DEVICE_CAP, 0x70, 2, kDev},
                                {BH_CALL_MACHINE_IRQ_CAP, 4, kDev, 0},
                                {BH_CALL_MACHINE_MMIO_CAP, kHpet, 1, kDev}};
    for (const auto& a : args) {
        INFO("call " << a[0]);
        const bool irq = a[0] == BH_CALL_MACHINE_IRQ_CAP;
        CHECK_REJECTS(Error::NoRights, sup(), a[0], 20, a[1], a[2], a[3]);
        CHECK_REJECTS(Error::WrongType, sup(), a[0], BH_SLOT_SELF, a[1], a[2], a[3]);
        CHECK_REJECTS(Error::EmptySlot, sup(), a[0], 21, a[1], a[2], a[3]);
        CHECK_REJECTS(Error::BadSlot, sup(), a[0], 64, a[1], a[2], a[3]);
        CHECK_REJECTS(Error::SlotFull, sup(), a[0], BH_SLOT_MACHINE, a[1], irq ? 0 : a[2], irq ? 0 : 0);
        CHECK_REJECTS(Error::BadSlot, sup(), a[0], BH_SLOT_MACHINE, a[1], irq ? 64 : a[2], irq ? 0 : 64);
        CHECK_REJECTS(Error::BadArg, sup(), a[0], BH_SLOT_MACHINE, a[1], irq ? kTooWide : a[2],
                      irq ? 0 : kTooWide);
    }
    fill_quota(sup(), sizeof(bh::IrqObj) - 1);
    CHECK_REJECTS(Error::Quota, sup(), BH_CALL_MACHINE_IRQ_CAP, BH_SLOT_MACHINE, 4, kDev);
}

TEST_CASE_METHOD(DeviceFixture, "IoOut and IoIn reach exactly the ports of the region") {
    platform_log().port_in_value = 0x5a;
    REQUIRE_OK(sup(), BH_CALL_IO_OUT, kDev, 0x70, 1, 0x8f);
    CHECK(REQUIRE_OK(sup(), BH_CALL_IO_IN, kDev, 0x71, 1).r1 == 0x5a);
    REQUIRE_OK(sup(), BH_CALL_IO_OUT, kDev, 0x70, 2, 0x1234);
    REQUIRE(platform_log().io.size() == 3);
    const PortIo& w = platform_log().io[0];
    CHECK((w.out && w.port == 0x70 && w.width == 1 && w.value == 0x8f));
    const PortIo& r = platform_log().io[1];
    CHECK((!r.out && r.port == 0x71 && r.width == 1));
    CHECK(platform_log().io[2].width == 2);
}

TEST_CASE_METHOD(DeviceFixture, "IoOut and IoIn refuse ports outside the region with NoRights") {
    for (uint64_t nr : {BH_CALL_IO_OUT, BH_CALL_IO_IN}) {
        for (uint64_t port : std::initializer_list<uint64_t>{0x6f, 0x72, 0x10070, kTooWide + 0x70,
                                                             ~0ull, ~0ull - 1, ~0ull - 3}) {
            INFO("call " << nr << " port " << std::hex << port);
            CHECK_REJECTS(Error::NoRights, sup(), nr, kDev, port, 1, 0);
        }
        // Ports near 2^64 whose end wraps around to 0.
        CHECK_REJECTS(Error::NoRights, sup(), nr, kDev, ~0ull - 1, 2, 0);
        CHECK_REJECTS(Error::NoRights, sup(), nr, kDev, ~0ull - 3, 4, 0);
        CHECK_REJECTS(Error::NoRights, sup(), nr, kDev, 0x71, 2, 0);  // straddles the end
        CHECK_REJECTS(Error::NoRights, sup(), nr, kDev, 0x70, 4, 0);
        CHECK_REJECTS(Error::NoRights, sup(), nr, kMmio, 0, 1, 0);  // an MMIO region has no ports
    }
}

TEST_CASE_METHOD(DeviceFixture, "IoOut and IoIn reject other widths and weak or wrong caps") {
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kDev, 20, BH_R_READ | BH_R_WRITE | BH_R_GRANT);
    for (uint64_t nr : {BH_CALL_IO_OUT, BH_CALL_IO_IN}) {
        INFO("call " << nr);
        for (uint64_t width : {0, 3, 8, 16}) CHECK_REJECTS(Error::BadArg, sup(), nr, kDev, 0x70, width, 0);
        CHECK_REJECTS(Error::NoRights, sup(), nr, 20, 0x70, 1, 0);
        CHECK_REJECTS(Error::WrongType, sup(), nr, kIrq, 0x70, 1, 0);
        CHECK_REJECTS(Error::EmptySlot, sup(), nr, 21, 0x70, 1, 0);
        CHECK_REJECTS(Error::BadSlot, sup(), nr, 64, 0x70, 1, 0);
        CHECK_REJECTS(Error::BadArg, sup(), nr, kTooWide + kDev, 0x70, 1, 0);
    }
}

TEST_CASE_METHOD(DeviceFixture, "DeviceMap maps an MMIO page uncached that hypercalls cannot use") {
    REQUIRE_OK(sup(), BH_CALL_DEVICE_MAP, kMmio, 1, kScratch);
    auto leaf = sup().as.lookup(kScratch);
    REQUIRE(leaf.ok());
    CHECK(leaf.value().pa == kHpet + bh::kPageSize);
    CHECK(leaf.value().device);
    CHECK(leaf.value().writable);
    // Hypercall buffers are RAM: the kernel neither reads nor writes MMIO for a caller.
    CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_CONSOLE_WRITE, kScratch, 8);
    CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_DOMAIN_INFO, BH_SLOT_SELF, kScratch);
    CHECK_REJECTS(Error::Busy, sup(), BH_CALL_DEVICE_MAP, kMmio, 0, kScratch);
    // Unmapped like a frame, dropping no frame reference.
    REQUIRE_OK(sup(), BH_CALL_FRAME_UNMAP, kScratch);
    CHECK(bh::machine_frames().misuse_count() == 0);
}

TEST_CASE_METHOD(DeviceFixture, "DeviceMap rejects pages beyond the region, bad addresses and weak caps") {
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DEVICE_MAP, kMmio, 2, kScratch);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DEVICE_MAP, kMmio, ~0ull, kScratch);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DEVICE_MAP, kDev, 0, kScratch);  // ports only
    for (vaddr_t va : std::initializer_list<vaddr_t>{kScratch + 8, kKernelPtr, kNonCanonical, kUserTop}) {
        INFO("va " << std::hex << va);
        CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_DEVICE_MAP, kMmio, 0, va);
    }
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kMmio, 20, BH_R_READ | BH_R_WRITE);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_DEVICE_MAP, 20, 0, kScratch);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_DEVICE_MAP, kIrq, 0, kScratch);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_DEVICE_MAP, 21, 0, kScratch);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_DEVICE_MAP, 64, 0, kScratch);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DEVICE_MAP, kTooWide + kMmio, 0, kScratch);
    fill_quota(sup());
    CHECK_REJECTS(Error::Quota, sup(), BH_CALL_DEVICE_MAP, kMmio, 0, 0x0000500000000000ull);
}

TEST_CASE_METHOD(DeviceFixture, "IrqAck unmasks the line the caller's port is bound to") {
    uint64_t port = REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_IRQ, kIrq, 12).r1;
    bh::irq_fired(8);
    CHECK(pending(sup(), port));
    IrqLineCall masked = platform_log().irq_lines.back();
    CHECK((masked.line == 8 && masked.routed && masked.masked));
    REQUIRE_OK(sup(), BH_CALL_IRQ_ACK, kIrq);
    IrqLineCall acked = platform_log().irq_lines.back();
    CHECK((acked.line == 8 && acked.routed && !acked.masked));
}

TEST_CASE_METHOD(DeviceFixture, "IrqAck of a line the caller does not own fails with BadState") {
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_IRQ_ACK, kIrq);
    Domain& c = child(8);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_GIVE_CAP, 8, kIrq, kIrq, BH_R_ALL);
    REQUIRE_OK(c, BH_CALL_EVTCHN_BIND_IRQ, kIrq, 12);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_IRQ_ACK, kIrq);
    REQUIRE_OK(c, BH_CALL_IRQ_ACK, kIrq);
}

TEST_CASE_METHOD(DeviceFixture, "IrqAck needs an Irq cap with the control right") {
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_IRQ, kIrq, 12);
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kIrq, 20, BH_R_READ);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_IRQ_ACK, 20);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_IRQ_ACK, kDev);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_IRQ_ACK, 21);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_IRQ_ACK, 64);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_IRQ_ACK, kTooWide + kIrq);
}
