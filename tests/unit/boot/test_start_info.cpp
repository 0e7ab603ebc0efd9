// StartInfoView: Xen layout agreement and every refusal, over a buffer standing in for RAM.
#include <catch2/catch.hpp>

#include <string.h>

#include <string>
#include <vector>

// Xen's own definitions, as the layout reference (kernel code never includes them).
#include <xen/xen.h>
#include <xen/arch-x86/hvm/start_info.h>

#include "boot/start_info.hpp"

using bh::Error;
using bh::paddr_t;
using bh::StartInfoView;

// ---- Layout: Bulkhead's structs match Xen's field by field ----
#define SAME_FIELD(type, field) \
    static_assert(offsetof(bh::type, field) == offsetof(::type, field), #type "." #field)
SAME_FIELD(hvm_start_info, magic);
SAME_FIELD(hvm_start_info, version);
SAME_FIELD(hvm_start_info, flags);
SAME_FIELD(hvm_start_info, nr_modules);
SAME_FIELD(hvm_start_info, modlist_paddr);
SAME_FIELD(hvm_start_info, cmdline_paddr);
SAME_FIELD(hvm_start_info, rsdp_paddr);
SAME_FIELD(hvm_start_info, memmap_paddr);
SAME_FIELD(hvm_start_info, memmap_entries);
SAME_FIELD(hvm_start_info, reserved);
SAME_FIELD(hvm_modlist_entry, paddr);
SAME_FIELD(hvm_modlist_entry, size);
SAME_FIELD(hvm_modlist_entry, cmdline_paddr);
SAME_FIELD(hvm_modlist_entry, reserved);
SAME_FIELD(hvm_memmap_table_entry, addr);
SAME_FIELD(hvm_memmap_table_entry, size);
SAME_FIELD(hvm_memmap_table_entry, type);
SAME_FIELD(hvm_memmap_table_entry, reserved);
static_assert(sizeof(bh::hvm_start_info) == sizeof(::hvm_start_info));
static_assert(sizeof(bh::hvm_modlist_entry) == sizeof(::hvm_modlist_entry));
static_assert(sizeof(bh::hvm_memmap_table_entry) == sizeof(::hvm_memmap_table_entry));
static_assert(bh::kHvmStartMagic == XEN_HVM_START_MAGIC_VALUE);
static_assert(uint32_t(bh::MemmapType::Ram) == XEN_HVM_MEMMAP_TYPE_RAM);
static_assert(uint32_t(bh::MemmapType::Reserved) == XEN_HVM_MEMMAP_TYPE_RESERVED);
static_assert(uint32_t(bh::MemmapType::Acpi) == XEN_HVM_MEMMAP_TYPE_ACPI);
static_assert(uint32_t(bh::MemmapType::Nvs) == XEN_HVM_MEMMAP_TYPE_NVS);
static_assert(uint32_t(bh::MemmapType::Unusable) == XEN_HVM_MEMMAP_TYPE_UNUSABLE);
static_assert(uint32_t(bh::MemmapType::Disabled) == XEN_HVM_MEMMAP_TYPE_DISABLED);
static_assert(uint32_t(bh::MemmapType::Pmem) == XEN_HVM_MEMMAP_TYPE_PMEM);

namespace {

// 64 KiB of "physical memory" at physical address 0, laid out as QEMU's PVH loader would:
// start_info at 0x1000, module list 0x2000, memory map 0x3000, command lines 0x4000/0x4100,
// module bytes 0x5000. The limit is the end of the buffer.
struct FakeBoot {
    static constexpr paddr_t kSi = 0x1000, kMods = 0x2000, kMap = 0x3000, kCmd = 0x4000,
                             kModCmd = 0x4100, kModData = 0x5000, kLimit = 0x10000;
    std::vector<uint8_t> ram = std::vector<uint8_t>(kLimit);
    uintptr_t saved_base = bh::g_physmap_base;

    FakeBoot() {
        bh::g_physmap_base = reinterpret_cast<uintptr_t>(ram.data());
        si() = {};
        si().magic = bh::kHvmStartMagic;
        si().version = 1;
        si().nr_modules = 2;
        si().modlist_paddr = kMods;
        si().cmdline_paddr = kCmd;
        si().memmap_paddr = kMap;
        si().memmap_entries = 3;
        strcpy(at<char>(kCmd), "console=com1 bulkhead.test=1");
        strcpy(at<char>(kModCmd), "boot.cpio");
        mods()[0] = {kModData, 5, kModCmd, 0};
        mods()[1] = {kModData + 0x100, 0x200, 0, 0};
        memcpy(at<char>(kModData), "hello", 5);
        map()[0] = {0, 0x9fc00, 1, 0};
        map()[1] = {0x100000, 0x7ff00000, 1, 0};
        map()[2] = {0xfeff8000, 0x8000, 2, 0};
    }
    ~FakeBoot() { bh::g_physmap_base = saved_base; }

    template <class T>
    T* at(paddr_t p) { return reinterpret_cast<T*>(ram.data() + p); }
    bh::hvm_start_info& si() { return *at<bh::hvm_start_info>(kSi); }
    bh::hvm_modlist_entry* mods() { return at<bh::hvm_modlist_entry>(kMods); }
    bh::hvm_memmap_table_entry* map() { return at<bh::hvm_memmap_table_entry>(kMap); }
    Error check(paddr_t limit = kLimit) {
        auto r = StartInfoView::from(&si(), limit);
        return r.ok() ? Error::None : r.error();
    }
};

}  // namespace

TEST_CASE("StartInfoView exposes the command line, modules and memory map") {
    FakeBoot b;
    auto r = StartInfoView::from(&b.si(), FakeBoot::kLimit);
    REQUIRE(r.ok());
    StartInfoView v = r.value();
    CHECK(std::string(v.cmdline()) == "console=com1 bulkhead.test=1");
    CHECK(v.raw().magic == bh::kHvmStartMagic);
    REQUIRE(v.module_count() == 2);

    auto m0 = v.module(0);
    REQUIRE(m0.ok());
    CHECK(m0->paddr == FakeBoot::kModData);
    CHECK(std::string(m0->bytes.begin(), m0->bytes.end()) == "hello");
    CHECK(std::string(m0->cmdline) == "boot.cpio");
    auto m1 = v.module(1);
    REQUIRE(m1.ok());
    CHECK(m1->bytes.size() == 0x200);
    CHECK(std::string(m1->cmdline).empty());  // none given: "" rather than null
    CHECK(v.module(2).error() == Error::NotFound);
    CHECK(v.module(UINT32_MAX).error() == Error::NotFound);

    std::vector<paddr_t> seen;
    for (bh::BootModule m : v.modules()) seen.push_back(m.paddr);
    CHECK(seen == std::vector<paddr_t>{FakeBoot::kModData, FakeBoot::kModData + 0x100});
    CHECK(v.module_entries().size() == 2);

    auto map = v.memmap();
    REQUIRE(map.size() == 3);
    CHECK(map[1].addr == 0x100000);
    CHECK(map[2].type == uint32_t(bh::MemmapType::Reserved));
}

TEST_CASE("StartInfoView with no modules, memory map or command line is empty, not invalid") {
    FakeBoot b;
    b.si().nr_modules = 0;
    b.si().modlist_paddr = 0;
    b.si().memmap_entries = 0;
    b.si().memmap_paddr = 0;
    b.si().cmdline_paddr = 0;
    auto r = StartInfoView::from(&b.si(), FakeBoot::kLimit);
    REQUIRE(r.ok());
    CHECK(std::string(r->cmdline()).empty());
    CHECK(r->module_count() == 0);
    CHECK(r->memmap().empty());
    CHECK(r->module_entries().empty());
    int n = 0;
    for (bh::BootModule m : r->modules()) n += int(m.bytes.size()) + 1;
    CHECK(n == 0);
}

TEST_CASE("StartInfoView refuses a wrong magic or version 0, accepts later versions") {
    FakeBoot b;
    b.si().magic = 0x336ec579;
    CHECK(b.check() == Error::BadArg);
    b.si().magic = bh::kHvmStartMagic;
    b.si().version = 0;
    CHECK(b.check() == Error::BadArg);
    b.si().version = 2;
    CHECK(b.check() == Error::None);
}

TEST_CASE("StartInfoView refuses a start_info that is null or not wholly below the limit") {
    FakeBoot b;
    CHECK(StartInfoView::from(nullptr, FakeBoot::kLimit).error() == Error::BadAddress);
    CHECK(b.check(FakeBoot::kSi + sizeof(bh::hvm_start_info) - 1) == Error::BadAddress);
    CHECK(b.check(0) == Error::BadAddress);
}

TEST_CASE("StartInfoView refuses a module list that is missing or crosses the limit") {
    FakeBoot b;
    b.si().modlist_paddr = 0;
    CHECK(b.check() == Error::BadArg);
    b.si().modlist_paddr = FakeBoot::kLimit - 32;  // room for one entry, not two
    CHECK(b.check() == Error::BadAddress);
    b.si().modlist_paddr = FakeBoot::kMods;
    b.si().nr_modules = UINT32_MAX;  // 128 GiB of entries: refused without overflow
    CHECK(b.check() == Error::BadAddress);
    b.si().modlist_paddr = UINT64_MAX - 16;
    b.si().nr_modules = 1;
    CHECK(b.check() == Error::BadAddress);
}

TEST_CASE("StartInfoView refuses a module at 0, past the limit or wrapping") {
    FakeBoot b;
    b.mods()[1].paddr = 0;
    CHECK(b.check() == Error::BadArg);
    b.mods()[1].paddr = FakeBoot::kLimit - 0x1ff;  // one byte too far
    CHECK(b.check() == Error::BadAddress);
    b.mods()[1].paddr = FakeBoot::kLimit - 0x200;  // ends exactly at the limit
    CHECK(b.check() == Error::None);
    b.mods()[1].paddr = FakeBoot::kModData;
    b.mods()[1].size = UINT64_MAX;
    CHECK(b.check() == Error::BadAddress);
    b.mods()[1].paddr = UINT64_MAX;
    b.mods()[1].size = 2;
    CHECK(b.check() == Error::BadAddress);
}

TEST_CASE("StartInfoView refuses command lines without a NUL in range") {
    FakeBoot b;
    // Right at the limit, and running up to it without a NUL.
    b.si().cmdline_paddr = FakeBoot::kLimit;
    CHECK(b.check() == Error::BadAddress);
    memset(b.at<char>(FakeBoot::kLimit - 8), 'x', 8);
    b.si().cmdline_paddr = FakeBoot::kLimit - 8;
    CHECK(b.check() == Error::BadAddress);
    // The NUL as the very last byte below the limit is fine.
    b.at<char>(FakeBoot::kLimit - 1)[0] = '\0';
    CHECK(b.check() == Error::None);
    // Longer than kMaxCmdline with plenty of room: a bad argument, not an address.
    memset(b.at<char>(0x6000), 'y', StartInfoView::kMaxCmdline);
    b.si().cmdline_paddr = 0x6000;
    CHECK(b.check() == Error::BadArg);
    b.at<char>(0x6000)[StartInfoView::kMaxCmdline - 1] = '\0';  // exactly the maximum
    CHECK(b.check() == Error::None);
    // A module's command line is held to the same rules.
    b.si().cmdline_paddr = FakeBoot::kCmd;
    b.mods()[0].cmdline_paddr = FakeBoot::kLimit + 1;
    CHECK(b.check() == Error::BadAddress);
}

TEST_CASE("StartInfoView refuses a memory map that is missing, crosses the limit or wraps") {
    FakeBoot b;
    b.si().memmap_paddr = 0;
    CHECK(b.check() == Error::BadArg);
    b.si().memmap_paddr = FakeBoot::kLimit - 2 * 24;  // room for two of three entries
    CHECK(b.check() == Error::BadAddress);
    b.si().memmap_paddr = FakeBoot::kMap;
    b.si().memmap_entries = UINT32_MAX;
    CHECK(b.check() == Error::BadAddress);
    b.si().memmap_entries = 3;
    b.map()[2].addr = UINT64_MAX - 0x7fff;  // addr + size == 2^64
    CHECK(b.check() == Error::BadArg);
    b.map()[2].size = 0x7fff;  // ends at the last byte: fine
    CHECK(b.check() == Error::None);
    b.map()[2] = {0x100000000ull, 0x40000000ull, 1, 0};  // RAM above the limit is legal
    CHECK(b.check() == Error::None);
}
