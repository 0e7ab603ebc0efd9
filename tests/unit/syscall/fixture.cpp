// Fixture: per-test reset of every piece of global kernel state the hypercall layer touches.
#include "fixture.hpp"

#include <string.h>

#include <algorithm>

#include "../boot/elf_builder.hpp"
#include "cap/cspace.hpp"
#include "domain/console.hpp"
#include "domain/cpu.hpp"
#include "domain/lifecycle.hpp"
#include "domain/registry.hpp"
#include "mem/machine_frames.hpp"

namespace bhtest {

using namespace bh;

CallResult call(Domain& d, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                uint64_t a4, uint64_t a5) {
    SysArgs args{nr, a0, a1, a2, a3, a4, a5};
    SysOut out;
    Result<void> r = syscall_dispatch(d, args, out);
    return {r.error(), out};
}

namespace {

// Destroys every registered domain, highest id first, so children go before their creator
// (the order the supervisor would use; either order must reclaim everything).
void destroy_all_domains() {
    std::vector<Domain*> all;
    for_each_domain([&](Domain& d) { all.push_back(&d); });
    std::reverse(all.begin(), all.end());
    for (Domain* d : all)
        if (domain_slot(d->id) == d) domain_destroy(*d);
}

}  // namespace

Fixture::Fixture() {
    // Global state the previous test may have left: the registry and the scheduler are only
    // emptied by destroying domains, which every fixture does on the way out.
    destroy_all_domains();
    reset_machine(kMachineFrames);
    // Console input waits in a kernel-global ring: empty it so no test sees another's bytes.
    uint8_t sink[256];
    while (console_read(sink, sizeof sink) != 0) {
    }
    register_release_hooks();
    Cpu& cpu = this_cpu();
    REQUIRE(cpu.sched.unit_count() == 0);
    cpu.current = nullptr;
    cpu.need_resched = false;
    cpu.ticks = 0;

    test::ElfBuilder b;
    good_elf = b.file;
    // Cut inside the data segment's file bytes: the image promises bytes it does not have.
    bad_elf.assign(b.file.begin(), b.file.begin() + 0x220);
    machine.modules[kModGood] = {good_elf.data(), good_elf.size(), "good"};
    machine.modules[kModBad] = {bad_elf.data(), bad_elf.size(), "truncated"};
    machine.nr_modules = 2;
    machine.cmdline = "scenario=conformance loglevel=3";
    machine.rsdp = 0xf5a40;

    auto s = domain_create(nullptr, {good_elf.data(), good_elf.size()}, "supervisor",
                           kSupQuotaPages * kPageSize);
    REQUIRE(s.ok());
    sup_ = s.value();
    REQUIRE(sup_->id == 0);
    REQUIRE(sup_->cspace->insert(BH_SLOT_MACHINE, &machine, BH_R_ALL).ok());
    REQUIRE(domain_start(*sup_, 0, 0).ok());
}

Fixture::~Fixture() {
    destroy_all_domains();
    CHECK(machine_frames().misuse_count() == 0);
    // Complete reclamation: every frame a test caused to exist is back.
    CHECK(machine_frames().free_frames() == boot_free_frames());
    CHECK(machine.refs == 0);
    CHECK(this_cpu().sched.unit_count() == 0);
    release_machine();
}

Domain& Fixture::child(bh_slot_t sup_slot, uint64_t quota_pages, uint32_t module) {
    auto r = call(sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, module, sup_slot, quota_pages);
    REQUIRE(r.err == Error::None);
    Domain* d = domain_slot(static_cast<bh_domid_t>(r.out.r1));
    REQUIRE(d);
    return *d;
}

bh_slot_t Fixture::free_slot(Domain& d) {
    auto s = d.cspace->find_free();
    REQUIRE(s.ok());
    return s.value();
}

bh_slot_t Fixture::map_page(Domain& d, vaddr_t va, bool writable) {
    bh_slot_t slot = free_slot(d);
    REQUIRE(call(d, BH_CALL_FRAME_ALLOC, slot).err == Error::None);
    REQUIRE(call(d, BH_CALL_FRAME_MAP, slot, va, writable ? 1 : 0).err == Error::None);
    return slot;
}

void Fixture::fill_quota(Domain& d, uint64_t leave) {
    REQUIRE(d.quota.limit() - d.quota.used() >= leave);
    REQUIRE(d.quota.charge(d.quota.limit() - d.quota.used() - leave).ok());
}

void Fixture::fault(Domain& d) { domain_fault(d, BH_FAULT_PAGE, 0x401120, 0xdead000, 14); }

void Fixture::poke(Domain& d, vaddr_t va, const void* src, size_t n) {
    REQUIRE(d.as.copy_out(va, src, n).ok());
}

void Fixture::peek(Domain& d, vaddr_t va, void* dst, size_t n) {
    REQUIRE(d.as.copy_in(dst, va, n).ok());
}

}  // namespace bhtest
