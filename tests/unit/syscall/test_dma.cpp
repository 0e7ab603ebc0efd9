// Conformance: the IOMMU calls (74-75) — naming the remapping unit, assigning a PCI function's
// DMA to a domain, and the device table that follows the domain's mappings.
#include "arch/x86_64/page_table.hpp"
#include "domain/dma_assign.hpp"
#include "gnttab_helpers.hpp"
#include "mem/machine_frames.hpp"

using namespace bhtest;

namespace {

constexpr bh::paddr_t kUnit = 0xFED90000;  // where QEMU's intel-iommu puts its registers
constexpr uint64_t kBdf = 0x0008;          // 00:01.0
constexpr uint64_t kDom = 8, kDom2 = 9;    // supervisor slots of the children's Domain caps

struct NoTables {
    bh::Result<bh::paddr_t> alloc_table() { return Error::NoMemory; }
    void free_table(bh::paddr_t) {}
};

// What the device may do at va: 0 nothing, 1 read, 3 read and write; the frame it reaches.
struct DeviceView {
    int access;
    bh::paddr_t pa;
};
DeviceView device_view(Domain& d, vaddr_t va) {
    REQUIRE(d.as.dma_root() != 0);
    auto t = bh::PageTable<NoTables>(d.as.dma_root()).translate(va);
    if (!t.ok()) return {0, 0};
    return {(t->flags & bh::Pte::kWrite) ? 3 : 1, t->pa};
}
bh::paddr_t cpu_frame(Domain& d, vaddr_t va) { return d.as.lookup(va).value().pa; }

}  // namespace

TEST_CASE_METHOD(Fixture, "MachineIommu turns the unit on once, from device space, with the machine cap") {
    Domain& c = child(kDom);
    CHECK_REJECTS(Error::EmptySlot, c, BH_CALL_MACHINE_IOMMU, BH_SLOT_MACHINE, kUnit);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_MACHINE_IOMMU, BH_SLOT_SELF, kUnit);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_IOMMU, BH_SLOT_MACHINE, ram_base());
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_IOMMU, BH_SLOT_MACHINE, kUnit + 8);
    CHECK(platform_log().iommu.regs == 0);
    REQUIRE_OK(sup(), BH_CALL_MACHINE_IOMMU, BH_SLOT_MACHINE, kUnit);
    CHECK(platform_log().iommu.regs == kUnit);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_MACHINE_IOMMU, BH_SLOT_MACHINE, kUnit);
    // Its registers are the kernel's from now on: nobody gets them as MMIO.
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, kUnit, 1, 20);
    REQUIRE_OK(sup(), BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, kUnit + 0x1000, 1, 20);
}

TEST_CASE_METHOD(Fixture, "DmaAssign needs the IOMMU, the machine cap and a live domain's control right") {
    Domain& c = child(kDom);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kDom, kBdf);
    REQUIRE_OK(sup(), BH_CALL_MACHINE_IOMMU, BH_SLOT_MACHINE, kUnit);
    CHECK_REJECTS(Error::EmptySlot, c, BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, BH_SLOT_SELF, kBdf);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, BH_SLOT_GNTTAB, kBdf);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kDom, 0x10000);
    REQUIRE_OK(sup(), BH_CALL_CAP_MINT, kDom, 12, BH_R_READ, 0);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, 12, kBdf);
    fault(c);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kDom, kBdf);
    CHECK(platform_log().iommu.attaches.empty());
}

TEST_CASE_METHOD(Fixture, "An assigned function reaches exactly the domain's RAM mappings, as the domain maps them") {
    Domain& c = child(kDom);
    map_page(c, kScratch);
    map_page(c, kScratch + 0x1000, false);
    REQUIRE_OK(sup(), BH_CALL_MACHINE_IOMMU, BH_SLOT_MACHINE, kUnit);
    REQUIRE_OK(sup(), BH_CALL_MACHINE_MMIO_CAP, BH_SLOT_MACHINE, 0xFEB00000, 1, 20);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_GIVE_CAP, kDom, 20, 20, BH_R_ALL);
    REQUIRE_OK(c, BH_CALL_DEVICE_MAP, 20, 0, kScratch + 0x2000);

    uint64_t used = c.quota.used();
    REQUIRE_OK(sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kDom, kBdf);
    CHECK(c.quota.used() > used);  // the device tables are the domain's
    auto& log = platform_log().iommu;
    REQUIRE(log.attaches.size() == 1);
    CHECK(log.attaches[0].bdf == kBdf);
    CHECK(log.attaches[0].table_root == c.as.dma_root());
    CHECK(log.attaches[0].did == c.id);
    CHECK(device_view(c, kScratch).access == 3);
    CHECK(device_view(c, kScratch).pa == cpu_frame(c, kScratch));
    CHECK(device_view(c, kScratch + 0x1000).access == 1);  // read-only stays read-only
    CHECK(device_view(c, kScratch + 0x2000).access == 0);  // MMIO: no peer-to-peer
    CHECK(device_view(c, kUnmapped).access == 0);
    // Every RAM page the domain has (its image and stack too) is there, nothing else.
    int cpu_ram = 0, dev = 0;
    bh::PageTable<NoTables>(c.as.root()).for_each_leaf(0, 256, [&](vaddr_t va, const bh::Translation& t) {
        if (va == kScratch + 0x2000) return;
        ++cpu_ram;
        CHECK(device_view(c, va).pa == t.pa);
    });
    bh::PageTable<NoTables>(c.as.dma_root()).for_each_leaf(0, 256, [&](vaddr_t, const bh::Translation&) { ++dev; });
    CHECK(dev == cpu_ram);

    // Assigning it again to the same domain changes nothing; to another is Busy.
    REQUIRE_OK(sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kDom, kBdf);
    CHECK(log.attaches.size() == 1);
    child(kDom2);
    CHECK_REJECTS(Error::Busy, sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kDom2, kBdf);
    REQUIRE_OK(sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kDom2, kBdf + 1);
}

TEST_CASE_METHOD(Fixture, "The device table follows maps and unmaps, and a frame leaves the IOMMU before it is freed") {
    Domain& c = child(kDom);
    REQUIRE_OK(sup(), BH_CALL_MACHINE_IOMMU, BH_SLOT_MACHINE, kUnit);
    REQUIRE_OK(sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kDom, kBdf);
    bh_slot_t s = map_page(c, kScratch);
    CHECK(device_view(c, kScratch).access == 3);
    CHECK(device_view(c, kScratch).pa == cpu_frame(c, kScratch));

    auto& log = platform_log().iommu;
    log.flushes.clear();
    log.free_frames_at_flush.clear();
    uint64_t free_before = bh::machine_frames().free_frames();
    REQUIRE_OK(c, BH_CALL_FRAME_UNMAP, kScratch);
    REQUIRE_OK(c, BH_CALL_CAP_DELETE, s);  // the last reference: the frame is free now
    CHECK(bh::machine_frames().free_frames() == free_before + 1);
    REQUIRE(log.flushes.size() == 1);
    CHECK(log.flushes[0] == c.id);
    CHECK(log.free_frames_at_flush[0] == free_before);  // flushed while the frame was still held
    CHECK(device_view(c, kScratch).access == 0);
}

TEST_CASE_METHOD(GntFixture, "Grant mappings reach the mapper's devices with the grant's access, and leave with the unmap") {
    REQUIRE_OK(sup(), BH_CALL_MACHINE_IOMMU, BH_SLOT_MACHINE, kUnit);
    REQUIRE_OK(sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kSlotB, kBdf);
    grant(3, b.id);
    grant(4, b.id, bh::gtf::kReadonly, kGrantVa);
    uint64_t h = REQUIRE_OK(b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 3, kMapVa, 0).r1;
    REQUIRE_OK(b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 4, kMapVa + 0x1000, 1);
    CHECK(device_view(b, kMapVa).access == 3);
    CHECK(device_view(b, kMapVa).pa == cpu_frame(a, kGrantVa));
    CHECK(device_view(b, kMapVa + 0x1000).access == 1);
    // The granter's own pages are not the mapper's device's to reach.
    CHECK(device_view(b, kGrantVa).access == 0);
    REQUIRE_OK(b, BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, h);
    CHECK(device_view(b, kMapVa).access == 0);
    CHECK(platform_log().iommu.flushes.size() == 1);
}

TEST_CASE_METHOD(Fixture, "Destroying the owner blocks its functions first; they can go to a new domain") {
    child(kDom);
    REQUIRE_OK(sup(), BH_CALL_MACHINE_IOMMU, BH_SLOT_MACHINE, kUnit);
    REQUIRE_OK(sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kDom, kBdf);
    REQUIRE_OK(sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kDom, kBdf + 2);
    bh::dma_fault_report(kBdf, 0x5000, true, 6);
    map_page(sup(), kScratch);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_INFO, kDom, kScratch);
    CHECK(read<bh_domain_info>(sup(), kScratch).dma_faults == 1);
    CHECK(platform_log().klog.find("iommu: blocked DMA write at 0x5000 by 00:01.0 (domain") !=
          std::string::npos);
    bh::dma_fault_report(0x0100, 0x6000, false, 2);  // nobody's function: still reported
    CHECK(platform_log().klog.find("by 01:00.0 (no domain): function not assigned") != std::string::npos);

    REQUIRE_OK(sup(), BH_CALL_DOMAIN_DESTROY, kDom);
    auto& log = platform_log().iommu;
    REQUIRE(log.detaches.size() == 2);
    CHECK(log.detaches[0] == kBdf);
    CHECK(log.detaches[1] == kBdf + 2);
    child(kDom2);
    REQUIRE_OK(sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kDom2, kBdf);
}

TEST_CASE_METHOD(Fixture, "A domain without quota for its device tables gets no device and keeps its mappings") {
    Domain& c = child(kDom);
    map_page(c, kScratch);
    REQUIRE_OK(sup(), BH_CALL_MACHINE_IOMMU, BH_SLOT_MACHINE, kUnit);
    fill_quota(c, bh::kPageSize);  // room for the root, not for the tables below it
    CHECK_REJECTS(Error::Quota, sup(), BH_CALL_DMA_ASSIGN, BH_SLOT_MACHINE, kDom, kBdf);
    CHECK(c.as.dma_root() == 0);
    CHECK(platform_log().iommu.attaches.empty());
}
