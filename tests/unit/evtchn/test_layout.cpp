// shared_info layouts against libxen's headers and the reference table; SharedInfoView bit ops.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

// Without a version, xen-compat.h selects interface 0 and hides vcpu_time_info.flags (4.7+).
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <xen/xen.h>
#include <xen/foreign/x86_32.h>

#include <catch2/catch.hpp>

#include "evtchn/shared_info.hpp"

using namespace bh;

namespace {

struct alignas(4096) Page {
    unsigned char b[4096] = {};
};

bool bit_at(const Page& p, size_t byte, unsigned bit) { return (p.b[byte] >> bit) & 1; }

size_t nonzero_bytes(const Page& p) {
    size_t n = 0;
    for (unsigned char c : p.b) n += c != 0;
    return n;
}

}  // namespace

TEST_CASE("amd64 shared_info offsets match xen/xen.h") {
    CHECK(offsetof(SharedInfo64, vcpu_info) == offsetof(shared_info, vcpu_info));
    CHECK(offsetof(SharedInfo64, evtchn_pending) == offsetof(shared_info, evtchn_pending));
    CHECK(offsetof(SharedInfo64, evtchn_mask) == offsetof(shared_info, evtchn_mask));
    CHECK(offsetof(SharedInfo64, wc_version) == offsetof(shared_info, wc_version));
    CHECK(offsetof(SharedInfo64, wc_sec) == offsetof(shared_info, wc_sec));
    CHECK(offsetof(SharedInfo64, wc_nsec) == offsetof(shared_info, wc_nsec));
    CHECK(offsetof(SharedInfo64, wc_sec_hi) == offsetof(shared_info, wc_sec_hi));
    CHECK(offsetof(SharedInfo64, arch) == offsetof(shared_info, arch));
    CHECK(offsetof(ArchSharedInfo64, max_pfn) == offsetof(arch_shared_info, max_pfn));
    CHECK(offsetof(ArchSharedInfo64, p2m_generation) == offsetof(arch_shared_info, p2m_generation));
    CHECK(sizeof(SharedInfo64::evtchn_pending) == sizeof(shared_info::evtchn_pending));
    CHECK(sizeof(SharedInfo64) == sizeof(shared_info));
}

TEST_CASE("amd64 vcpu_info and vcpu_time_info offsets match xen/xen.h") {
    CHECK(offsetof(VcpuInfo64, evtchn_upcall_pending) == offsetof(vcpu_info, evtchn_upcall_pending));
    CHECK(offsetof(VcpuInfo64, evtchn_upcall_mask) == offsetof(vcpu_info, evtchn_upcall_mask));
    CHECK(offsetof(VcpuInfo64, evtchn_pending_sel) == offsetof(vcpu_info, evtchn_pending_sel));
    CHECK(offsetof(VcpuInfo64, arch) == offsetof(vcpu_info, arch));
    CHECK(offsetof(VcpuInfo64, time) == offsetof(vcpu_info, time));
    CHECK(sizeof(VcpuInfo64) == sizeof(vcpu_info));
    CHECK(sizeof(VcpuInfo64::evtchn_pending_sel) == sizeof(xen_ulong_t));

    CHECK(offsetof(VcpuTimeInfo, version) == offsetof(vcpu_time_info, version));
    CHECK(offsetof(VcpuTimeInfo, tsc_timestamp) == offsetof(vcpu_time_info, tsc_timestamp));
    CHECK(offsetof(VcpuTimeInfo, system_time) == offsetof(vcpu_time_info, system_time));
    CHECK(offsetof(VcpuTimeInfo, tsc_to_system_mul) == offsetof(vcpu_time_info, tsc_to_system_mul));
    CHECK(offsetof(VcpuTimeInfo, tsc_shift) == offsetof(vcpu_time_info, tsc_shift));
    CHECK(offsetof(VcpuTimeInfo, flags) == offsetof(vcpu_time_info, flags));
    CHECK(sizeof(VcpuTimeInfo) == sizeof(vcpu_time_info));
}

TEST_CASE("i386 offsets match the reference table and xen/foreign/x86_32.h") {
    // The numbers of shared/reference/xen-pvh-guest-abi.md §4.4.
    CHECK(offsetof(VcpuInfo32, evtchn_upcall_pending) == 0);
    CHECK(offsetof(VcpuInfo32, evtchn_upcall_mask) == 1);
    CHECK(offsetof(VcpuInfo32, evtchn_pending_sel) == 4);
    CHECK(offsetof(VcpuInfo32, arch) == 8);
    CHECK(sizeof(ArchVcpuInfo32) == 24);
    CHECK(offsetof(VcpuInfo32, time) == 32);
    CHECK(offsetof(SharedInfo32, evtchn_pending) == 2048);
    CHECK(sizeof(SharedInfo32::evtchn_pending) == 128);
    CHECK(offsetof(SharedInfo32, evtchn_mask) == 2176);
    CHECK(sizeof(SharedInfo32::evtchn_mask) == 128);
    CHECK(offsetof(SharedInfo32, wc_version) == 2304);
    CHECK(offsetof(SharedInfo32, wc_sec) == 2308);
    CHECK(offsetof(SharedInfo32, wc_nsec) == 2312);
    CHECK(offsetof(SharedInfo32, arch) + offsetof(ArchSharedInfo32, wc_sec_hi) == 2340);
    CHECK(offsetof(SharedInfo32, arch) == 2316);
    CHECK(sizeof(ArchSharedInfo32) == 28);
    CHECK(sizeof(SharedInfo32) == 2344);

    // libxen's generated i386 view of the same structures.
    CHECK(offsetof(VcpuInfo32, evtchn_pending_sel) == offsetof(vcpu_info_x86_32, evtchn_pending_sel));
    CHECK(offsetof(VcpuInfo32, arch) == offsetof(vcpu_info_x86_32, arch));
    CHECK(offsetof(VcpuInfo32, time) == offsetof(vcpu_info_x86_32, time));
    CHECK(sizeof(VcpuInfo32) == sizeof(vcpu_info_x86_32));
    CHECK(offsetof(SharedInfo32, evtchn_pending) == offsetof(shared_info_x86_32, evtchn_pending));
    CHECK(offsetof(SharedInfo32, evtchn_mask) == offsetof(shared_info_x86_32, evtchn_mask));
    CHECK(offsetof(SharedInfo32, wc_version) == offsetof(shared_info_x86_32, wc_version));
    CHECK(offsetof(SharedInfo32, arch) == offsetof(shared_info_x86_32, arch));
    CHECK(offsetof(ArchSharedInfo32, wc_sec_hi) == offsetof(arch_shared_info_x86_32, wc_sec_hi));
    CHECK(sizeof(SharedInfo32) == sizeof(shared_info_x86_32));
}

TEST_CASE("SharedInfoView sets amd64 bits at the amd64 offsets") {
    Page pg;
    SharedInfoView v(pg.b, false);
    REQUIRE(v.max_ports() == 4096);
    REQUIRE(v.word_bits() == 64);

    CHECK_FALSE(v.test_and_set_pending(70));
    CHECK(v.test_and_set_pending(70));
    CHECK(bit_at(pg, 2048 + 70 / 8, 70 % 8));

    v.set_mask(70);
    CHECK(bit_at(pg, 2560 + 70 / 8, 70 % 8));
    CHECK(v.test_mask(70));
    CHECK(v.deliverable_word(1) == 0);
    CHECK(v.test_and_clear_mask(70));
    CHECK_FALSE(v.test_and_clear_mask(70));
    CHECK(v.deliverable_word(1) == (uint64_t{1} << 6));

    CHECK_FALSE(v.test_and_set_sel(70 / 64));  // selector bit 1 of a 64-bit word at +8
    CHECK(bit_at(pg, 8, 1));
    CHECK_FALSE(v.test_and_set_upcall());
    CHECK(v.test_and_set_upcall());
    CHECK(pg.b[0] == 1);
    CHECK(v.upcall_pending());

    // Port 4095 is the last bit of the last pending word.
    v.test_and_set_pending(4095);
    CHECK(bit_at(pg, 2048 + 511, 7));
    CHECK_FALSE(v.test_and_set_pending(4096));  // out of range: ignored
    CHECK(nonzero_bytes(pg) == 4);  // pending 70, pending 4095, selector, upcall
}

TEST_CASE("SharedInfoView sets i386 bits at the i386 offsets") {
    Page pg;
    SharedInfoView v(pg.b, true);
    REQUIRE(v.max_ports() == 1024);
    REQUIRE(v.word_bits() == 32);

    v.test_and_set_pending(70);
    CHECK(bit_at(pg, 2048 + 70 / 8, 70 % 8));
    v.set_mask(70);
    CHECK(bit_at(pg, 2176 + 70 / 8, 70 % 8));
    CHECK(v.deliverable_word(2) == 0);
    v.clear_mask(70);
    CHECK(v.deliverable_word(2) == (uint64_t{1} << 6));

    v.test_and_set_sel(70 / 32);  // selector bit 2 of a 32-bit word at +4
    CHECK(bit_at(pg, 4, 2));
    v.test_and_set_upcall();
    CHECK(pg.b[0] == 1);

    v.test_and_set_pending(1023);
    CHECK(bit_at(pg, 2048 + 127, 7));
    CHECK_FALSE(v.test_and_set_pending(1024));  // beyond i386's 1024 ports: ignored
    CHECK_FALSE(v.test_and_set_sel(32));
    CHECK(nonzero_bytes(pg) == 4);
}

TEST_CASE("SharedInfoView delivers selector and upcall to a registered vcpu_info") {
    Page pg;
    VcpuInfo64 registered{};
    SharedInfoView v(pg.b, false, &registered);
    v.test_and_set_sel(3);
    v.test_and_set_upcall();
    CHECK(registered.evtchn_pending_sel == (uint64_t{1} << 3));
    CHECK(registered.evtchn_upcall_pending == 1);
    CHECK(nonzero_bytes(pg) == 0);
}

TEST_CASE("SharedInfoView without a page ignores writes and reads clear") {
    SharedInfoView v;
    CHECK_FALSE(v.has_page());
    CHECK_FALSE(v.test_and_set_pending(5));
    CHECK_FALSE(v.test_pending(5));
    CHECK_FALSE(v.test_and_set_upcall());
    CHECK_FALSE(v.upcall_pending());
    CHECK(v.take_sel() == 0);
    CHECK(v.deliverable_word(0) == 0);
}

TEST_CASE("take_deliverable_word clears only unmasked pending bits") {
    Page pg;
    SharedInfoView v(pg.b, false);
    v.test_and_set_pending(1);
    v.test_and_set_pending(2);
    v.set_mask(2);
    CHECK(v.take_deliverable_word(0) == (uint64_t{1} << 1));
    CHECK_FALSE(v.test_pending(1));
    CHECK(v.test_pending(2));  // masked: stays pending for the guest to find after unmasking
}

TEST_CASE("take_sel returns and clears the whole selector word in both layouts") {
    Page pg;
    SharedInfoView v64(pg.b, false);
    v64.test_and_set_sel(63);
    CHECK(v64.take_sel() == (uint64_t{1} << 63));
    CHECK(v64.take_sel() == 0);

    Page pg32;
    SharedInfoView v32(pg32.b, true);
    v32.test_and_set_sel(31);
    CHECK(pg32.b[7] == 0x80);
    CHECK(v32.take_sel() == (uint64_t{1} << 31));
    CHECK(nonzero_bytes(pg32) == 0);
}
