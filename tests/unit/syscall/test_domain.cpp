// Conformance: domain calls (50-57) — create from a boot module, start, pause, info, give, sched.
#include <string.h>

#include <vector>

#include "cap/cspace.hpp"
#include "domain/registry.hpp"
#include "fixture.hpp"
#include "mem/machine_frames.hpp"

using namespace bhtest;
using bh::machine_frames;

namespace {
constexpr uint64_t kChild = 8;
constexpr uint64_t kCost = Fixture::kChildQuotaPages * bh::kPageSize + sizeof(Domain);
}  // namespace

TEST_CASE_METHOD(Fixture, "DomainCreate builds a child from a boot module and charges the creator") {
    uint64_t used0 = sup().quota.used();
    uint64_t free0 = machine_frames().free_frames();
    auto out = REQUIRE_OK(sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, kModGood, kChild,
                          kChildQuotaPages);
    Domain* c = bh::domain_slot(static_cast<bh_domid_t>(out.r1));
    REQUIRE(c);
    CHECK(c->id == 1);
    CHECK(c->state == BH_DOM_BUILT);
    CHECK(c->controller == sup().id);
    CHECK(std::string(c->name) == "good");
    CHECK(c->quota.limit() == kChildQuotaPages * bh::kPageSize);
    CHECK(sup().quota.used() == used0 + kCost);
    CHECK(machine_frames().free_frames() < free0);
    CHECK(REQUIRE_OK(sup(), BH_CALL_CAP_INFO, kChild).r1 == (BH_OBJ_DOMAIN | BH_R_ALL << 8));
    CHECK(c->cspace->count() == 2);  // self (read) and its grant table
    CHECK(REQUIRE_OK(*c, BH_CALL_CAP_INFO, BH_SLOT_SELF).r1 == (BH_OBJ_DOMAIN | BH_R_READ << 8));
    // The image is loaded: the text page holds the ELF's code bytes (a nop sled).
    CHECK(read<uint8_t>(*c, 0x401100) == 0x90);
    CHECK(c->vcpu.ctx.rip == 0x401100);
}

TEST_CASE_METHOD(Fixture, "DomainCreate rejects unknown modules, bad quotas and bad slots") {
    CHECK_REJECTS(Error::NotFound, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, 2, kChild, 64);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, kTooWide, kChild, 64);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, 0, kChild, 0);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, 0, kChild,
                  (1u << 20) + 1);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, 0, kTooWide, 64);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_CREATE, kTooWide, 0, kChild, 64);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, 0, 64, 64);
    CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, 0, BH_SLOT_SELF, 64);
}

TEST_CASE_METHOD(Fixture, "DomainCreate needs a Machine capability with the control right") {
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, BH_SLOT_MACHINE, 20, BH_R_READ | BH_R_GRANT);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_DOMAIN_CREATE, 20, 0, kChild, 64);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_SELF, 0, kChild, 64);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_DOMAIN_CREATE, 21, 0, kChild, 64);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_DOMAIN_CREATE, 64, 0, kChild, 64);
    Domain& c = child(kChild);
    CHECK_REJECTS(Error::EmptySlot, c, BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, 0, 9, 64);
}

TEST_CASE_METHOD(Fixture, "DomainCreate under a chosen id: taken ids are Busy until destroyed") {
    auto out = REQUIRE_OK(sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, kModGood, kChild,
                          kChildQuotaPages, 7);
    CHECK(out.r1 == 7);
    Domain& c = *bh::domain_slot(7);
    CHECK_REJECTS(Error::Busy, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, kModGood, kChild + 1,
                  kChildQuotaPages, 7);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, kModGood, kChild + 1,
                  kChildQuotaPages, 256);
    CHECK(sup().cspace->at(kChild + 1).error() == Error::EmptySlot);
    // A faulted domain still holds its id: the restart must destroy it first.
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, kChild, 0, 0);
    fault(c);
    CHECK_REJECTS(Error::Busy, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, kModGood, kChild + 1,
                  kChildQuotaPages, 7);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_DESTROY, kChild);
    out = REQUIRE_OK(sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, kModGood, kChild + 1,
                     kChildQuotaPages, 7);
    CHECK(out.r1 == 7);
    CHECK(bh::domain_slot(7)->state == BH_DOM_BUILT);
    // Without a wanted id the lowest free one is taken, never one chosen before.
    CHECK(REQUIRE_OK(sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, kModGood, kChild + 2,
                     kChildQuotaPages).r1 == 1);
}

TEST_CASE_METHOD(Fixture, "DomainCreate of a malformed image fails with BadElf and leaks nothing") {
    CHECK_REJECTS(Error::BadElf, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, kModBad, kChild, 64);
    CHECK(platform_log().klog.find("refused ELF image 'truncated'") != std::string::npos);
    CHECK(bh::domain_slot(1) == nullptr);
}

TEST_CASE_METHOD(Fixture, "DomainCreate beyond the creator's quota fails with Quota") {
    uint64_t room = (sup().quota.limit() - sup().quota.used()) / bh::kPageSize + 1;
    CHECK_REJECTS(Error::Quota, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, 0, kChild, room);
    CHECK_REJECTS(Error::Quota, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, 0, kChild, 1u << 20);
}

TEST_CASE_METHOD(Fixture, "DomainCreate with a quota too small for the image fails with Quota, leaks nothing") {
    for (uint64_t pages : {1, 2, 8, 16, 20}) {
        INFO("quota pages " << pages);
        CHECK_REJECTS(Error::Quota, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, 0, kChild, pages);
    }
}

TEST_CASE_METHOD(Fixture, "DomainCreate with the machine out of frames fails with NoMemory") {
    std::vector<bh::paddr_t> hoard;
    for (auto f = machine_frames().alloc(); f.ok(); f = machine_frames().alloc())
        hoard.push_back(f.value());
    // Leave a few frames: the build gets part way before running out.
    for (int i = 0; i < 5; ++i) {
        machine_frames().unref(hoard.back());
        hoard.pop_back();
    }
    CHECK_REJECTS(Error::NoMemory, sup(), BH_CALL_DOMAIN_CREATE, BH_SLOT_MACHINE, 0, kChild, 64);
    for (bh::paddr_t pa : hoard) machine_frames().unref(pa);
}

TEST_CASE_METHOD(Fixture, "DomainStart runs a built domain with its two arguments, once") {
    Domain& c = child(kChild);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, kChild, 11, 22);
    CHECK(c.state == BH_DOM_RUNNING);
    CHECK(c.vcpu.ctx.rdi == 11);
    CHECK(c.vcpu.ctx.rsi == 22);
    CHECK(c.vcpu.sched.state() == bh::SchedState::Runnable);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_DOMAIN_START, kChild, 1, 2);
}

TEST_CASE_METHOD(Fixture, "DomainPause and DomainUnpause move between running and paused only") {
    Domain& c = child(kChild);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_DOMAIN_PAUSE, kChild);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_DOMAIN_UNPAUSE, kChild);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, kChild, 0, 0);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_DOMAIN_UNPAUSE, kChild);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_PAUSE, kChild);
    CHECK(c.state == BH_DOM_PAUSED);
    CHECK(c.vcpu.sched.state() == bh::SchedState::Paused);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_DOMAIN_PAUSE, kChild);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_DOMAIN_START, kChild, 0, 0);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_UNPAUSE, kChild);
    CHECK(c.state == BH_DOM_RUNNING);
    CHECK(c.vcpu.sched.state() == bh::SchedState::Runnable);
}

TEST_CASE_METHOD(Fixture, "Domain calls need a Domain capability with the right each call needs") {
    child(kChild);
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kChild, 20, BH_R_CONTROL);
    map_page(sup(), kScratch);
    const uint64_t control_calls[] = {BH_CALL_DOMAIN_START, BH_CALL_DOMAIN_PAUSE,
                                      BH_CALL_DOMAIN_UNPAUSE, BH_CALL_DOMAIN_DESTROY,
                                      BH_CALL_DOMAIN_GIVE_CAP, BH_CALL_DOMAIN_SET_SCHED};
    for (uint64_t nr : control_calls) {
        INFO("call " << nr);
        CHECK_REJECTS(Error::NoRights, sup(), nr, BH_SLOT_SELF, 1, 2, 3);  // read-only self cap
        CHECK_REJECTS(Error::WrongType, sup(), nr, BH_SLOT_GNTTAB, 1, 2, 3);
        CHECK_REJECTS(Error::EmptySlot, sup(), nr, 21, 1, 2, 3);
        CHECK_REJECTS(Error::BadSlot, sup(), nr, 64, 1, 2, 3);
        CHECK_REJECTS(Error::BadArg, sup(), nr, kTooWide + kChild, 1, 2, 3);
    }
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_DOMAIN_INFO, 20, kScratch);  // control only
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_DOMAIN_INFO, BH_SLOT_MACHINE, kScratch);
}

TEST_CASE_METHOD(Fixture, "DomainInfo describes the domain into the caller's memory") {
    Domain& c = child(kChild);
    map_page(sup(), kScratch);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_SET_SCHED, kChild, 300, 0);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_INFO, kChild, kScratch + 8);
    auto info = read<bh_domain_info>(sup(), kScratch + 8);
    CHECK(info.domid == c.id);
    CHECK(info.state == BH_DOM_BUILT);
    CHECK(info.fault == BH_FAULT_NONE);
    CHECK(info.weight == 300);
    CHECK(info.quota_pages == kChildQuotaPages);
    CHECK(info.mem_pages == bh::page_round_up(c.quota.used()) / bh::kPageSize);
    CHECK(std::string(info.name) == "good");
    // Its own, through the read-only self cap.
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_INFO, BH_SLOT_SELF, kScratch);
    CHECK(std::string(read<bh_domain_info>(sup(), kScratch).name) == "supervisor");
}

TEST_CASE_METHOD(Fixture, "DomainInfo to an unusable buffer fails with BadAddress and writes nothing") {
    child(kChild);
    map_page(sup(), kScratch);
    map_page(sup(), kScratch + 0x10000, false);
    for (vaddr_t p : std::initializer_list<vaddr_t>{
             kScratch + 0x10000,                           // read-only
             kScratch + bh::kPageSize - 16,                // runs into an unmapped page
             kUnmapped, kKernelPtr, kNonCanonical, kUserTop - 8}) {
        INFO("buffer " << std::hex << p);
        CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_DOMAIN_INFO, kChild, p);
    }
}

TEST_CASE_METHOD(Fixture, "DomainGiveCap derives a capability into the target's space") {
    Domain& c = child(kChild);
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, 10);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, 10, 12, BH_R_READ);
    CHECK(REQUIRE_OK(c, BH_CALL_CAP_INFO, 12).r1 == (BH_OBJ_FRAME | BH_R_READ << 8));
    REQUIRE_OK(c, BH_CALL_FRAME_MAP, 12, kScratch, 0);
    // Derived from the giver's cap: revoking that reaches it.
    REQUIRE_OK(sup(), BH_CALL_CAP_REVOKE, 10);
    CHECK(c.cspace->at(12).error() == Error::EmptySlot);
}

TEST_CASE_METHOD(Fixture, "DomainGiveCap rejects caps without grant, bad slots and dead targets") {
    Domain& c = child(kChild);
    REQUIRE_OK(sup(), BH_CALL_FRAME_ALLOC, 10);
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, 10, 11, BH_R_READ | BH_R_WRITE);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, 11, 12, BH_R_ALL);
    CHECK_REJECTS(Error::SlotFull, sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, 10, BH_SLOT_SELF, BH_R_ALL);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, 10, 64, BH_R_ALL);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, 64, 12, BH_R_ALL);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, 13, 12, BH_R_ALL);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, kTooWide, 12, BH_R_ALL);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, 10, kTooWide, BH_R_ALL);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, 10, 12, kTooWide);
    fault(c);
    CHECK_REJECTS(Error::Dead, sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, 10, 12, BH_R_ALL);
}

TEST_CASE_METHOD(Fixture, "DomainSetSched sets weight and cap within their ranges") {
    Domain& c = child(kChild);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_SET_SCHED, kChild, 512, 50);
    CHECK(c.vcpu.sched.weight() == 512);
    CHECK(c.vcpu.sched.cap() == 50);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_SET_SCHED, kChild, 65535, 100);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_SET_SCHED, kChild, 1, 0);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_SET_SCHED, kChild, 0, 0);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_SET_SCHED, kChild, 65536, 0);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_SET_SCHED, kChild, 256, 101);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_SET_SCHED, kChild, kTooWide + 256, 0);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_SET_SCHED, kChild, 256, kTooWide);
    fault(c);
    CHECK_REJECTS(Error::Dead, sup(), BH_CALL_DOMAIN_SET_SCHED, kChild, 256, 0);
}
