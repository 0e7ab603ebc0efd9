// Conformance: destroy and fault — complete reclamation, grants and channels torn down, the
// controller told through VIRQ_DOM_EXC.
#include <string.h>

#include "domain/lifecycle.hpp"
#include "domain/registry.hpp"
#include "evtchn/shared_info.hpp"
#include "evtchn_helpers.hpp"
#include "gnttab_helpers.hpp"
#include "mem/machine_frames.hpp"

using namespace bhtest;
using bh::machine_frames;
namespace gtf = bh::gtf;

namespace {
constexpr uint64_t kPeer = 10;   // the supervisor's Domain cap to a second child
constexpr uint64_t kChild = 11;  // ... to the child under test
}  // namespace

TEST_CASE_METHOD(Fixture, "DomainDestroy reclaims everything: frames and the creator's quota come back") {
    Domain& peer = child(kPeer);
    REQUIRE_OK(peer, BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTableVa, 1);
    map_page(peer, kGrantVa);
    const uint64_t pp = REQUIRE_OK(peer, BH_CALL_EVTCHN_ALLOC_UNBOUND, 9, 2).r1;  // for id 2
    bh::GrantEntryV1 e{gtf::kPermitAccess, 2, static_cast<uint32_t>(kGrantVa >> 12)};
    poke(peer, kTableVa + 3 * sizeof e, &e, sizeof e);
    const uint64_t free0 = machine_frames().free_frames();
    const uint64_t used0 = sup().quota.used();
    const World peer0 = domain_world(peer);

    Domain& c = child(kChild);
    REQUIRE(c.id == 2);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, kChild, 0, 0);
    // The child uses every kind of resource, some shared with the peer.
    map_page(c, kScratch);
    map_page(c, kScratch + bh::kPageSize, false);
    REQUIRE_OK(c, BH_CALL_FRAME_ALLOC, 20);
    REQUIRE_OK(c, BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kTableVa, 2);
    REQUIRE_OK(c, BH_CALL_EVTCHN_BIND_VIRQ, 21, BH_VIRQ_TIMER);
    REQUIRE_OK(c, BH_CALL_EVTCHN_BIND_INTERDOMAIN, 22, peer.id, pp);
    REQUIRE_OK(c, BH_CALL_EVTCHN_ALLOC_UNBOUND, 23, peer.id);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_GIVE_CAP, kPeer, kChild, 24, BH_R_READ);  // peer names c
    REQUIRE_OK(c, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, peer.id, 3, kMapVa, 0);
    REQUIRE(machine_frames().free_frames() < free0);

    REQUIRE_OK(sup(), BH_CALL_DOMAIN_DESTROY, kChild);
    CHECK(c.state == BH_DOM_DEAD);
    CHECK(bh::domain_slot(2) == nullptr);
    CHECK(machine_frames().free_frames() == free0);
    CHECK(sup().quota.used() == used0);
    // Once it drops the cap it was given, the peer is exactly as it was: its port Unbound for
    // id 2 again, its grant not in use.
    REQUIRE_OK(peer, BH_CALL_CAP_DELETE, 24);
    CHECK(diff(peer0, domain_world(peer)) == "");
    CHECK(port_status(peer, 9).state == kStateUnbound);
    CHECK(machine_frames().misuse_count() == 0);
}

TEST_CASE_METHOD(Fixture, "A destroyed domain's capability stays but every call through it refuses") {
    child(kChild);
    map_page(sup(), kScratch);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_DESTROY, kChild);
    CHECK_REJECTS(Error::Dead, sup(), BH_CALL_DOMAIN_DESTROY, kChild);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_DOMAIN_START, kChild, 0, 0);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_DOMAIN_PAUSE, kChild);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_DOMAIN_UNPAUSE, kChild);
    CHECK_REJECTS(Error::Dead, sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, BH_SLOT_GNTTAB, 9, BH_R_ALL);
    CHECK_REJECTS(Error::Dead, sup(), BH_CALL_DOMAIN_SET_SCHED, kChild, 256, 0);
    CHECK_REJECTS(Error::Dead, sup(), BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, kChild, 9, 0);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_INFO, kChild, kScratch);
    CHECK(read<bh_domain_info>(sup(), kScratch).state == BH_DOM_DEAD);
    REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, kChild);  // the last reference: the object goes
}

TEST_CASE_METHOD(Fixture, "DomainDestroy of a live domain raises the controller's DOM_EXC") {
    child(kChild);
    uint64_t port = REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_VIRQ, 9, BH_VIRQ_DOM_EXC).r1;
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_DESTROY, kChild);
    CHECK(pending(sup(), port));
}

TEST_CASE_METHOD(Fixture, "A domain may destroy itself through a control capability to itself") {
    const uint64_t used0 = sup().quota.used();
    Domain& c = child(kChild);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_GIVE_CAP, kChild, kChild, 9, BH_R_ALL);
    REQUIRE_OK(c, BH_CALL_DOMAIN_DESTROY, 9);
    CHECK(c.state == BH_DOM_DEAD);
    CHECK(c.cspace == nullptr);
    CHECK(sup().quota.used() == used0);
    CHECK(bh::domain_slot(1) == nullptr);
}

TEST_CASE_METHOD(Fixture, "A fault raises the controller's DOM_EXC and DomainInfo reports it") {
    Domain& c = child(kChild);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, kChild, 0, 0);
    uint64_t port = REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_VIRQ, 9, BH_VIRQ_DOM_EXC).r1;
    fault(c);
    CHECK(pending(sup(), port));
    CHECK(sup().evtchn->upcall_pending());
    CHECK(platform_log().klog.find("BH-FAULT dom=1 name=good kind=page-fault") != std::string::npos);
    map_page(sup(), kScratch);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_INFO, kChild, kScratch);
    auto info = read<bh_domain_info>(sup(), kScratch);
    CHECK(info.state == BH_DOM_FAULTED);
    CHECK(info.fault == BH_FAULT_PAGE);
    CHECK(info.fault_rip == 0x401120);
    CHECK(info.fault_addr == 0xdead000);
    // Faulted, not yet destroyed: the id stays taken, the domain is no longer live.
    CHECK(bh::domain_slot(c.id) == &c);
    CHECK(bh::domain_by_id(c.id) == nullptr);
    CHECK(c.vcpu.sched.state() == bh::SchedState::Detached);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_DOMAIN_START, kChild, 0, 0);
    CHECK_REJECTS(Error::BadState, sup(), BH_CALL_DOMAIN_PAUSE, kChild);
    // Destroying it later is what frees the id; no second DOM_EXC for a domain already stopped.
    const vaddr_t byte = BH_USER_SHARED_INFO + offsetof(bh::SharedInfo64, evtchn_pending) + port / 8;
    uint8_t bits = read<uint8_t>(sup(), byte) & static_cast<uint8_t>(~(1u << (port % 8)));
    poke(sup(), byte, &bits, 1);  // the supervisor handles the event
    REQUIRE_FALSE(pending(sup(), port));
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_DESTROY, kChild);
    CHECK_FALSE(pending(sup(), port));
    CHECK(bh::domain_slot(c.id) == nullptr);
}

TEST_CASE_METHOD(GntFixture, "A faulting mapper's grant mappings go: the granter's in-use flags clear") {
    grant(3, b.id);
    grant(4, b.id);
    map_page(b, kMapVa + 0x10000);
    REQUIRE_OK(b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 3, kMapVa, 0);
    REQUIRE_OK(b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 4, kMapVa + bh::kPageSize, 1);
    REQUIRE(flags(3) == (gtf::kPermitAccess | gtf::kReading | gtf::kWriting));
    REQUIRE(flags(4) == (gtf::kPermitAccess | gtf::kReading));
    fault(b);
    CHECK(flags(3) == gtf::kPermitAccess);
    CHECK(flags(4) == gtf::kPermitAccess);
    CHECK(a.gnttab->pins(3).writers == 0);
    CHECK(a.gnttab->pins(4).readers == 0);
    CHECK(a.gnttab->active_maps() == 0);
    // The granter can revoke now and map the page elsewhere; nothing else still sees it.
    CHECK(bh::machine_frames().refcount(a.as.lookup(kGrantVa).value().pa) == 2);  // map + cap
}

TEST_CASE_METHOD(GntFixture, "A granter destroyed while mapped keeps the page until the mapper unmaps") {
    grant(3, b.id);
    map_page(b, kMapVa + 0x10000);  // b's page tables for kMapVa exist before the count
    const uint64_t h = REQUIRE_OK(b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 3, kMapVa, 0).r1;
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_DESTROY, kSlotA);
    REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, kSlotA);  // nobody names a any more
    // b still sees (and may write) the page; the frame lives on.
    char text[sizeof kGrantText];
    peek(b, kMapVa, text, sizeof text);
    CHECK(std::string(text) == kGrantText);
    poke(b, kMapVa, "still", 5);
    // No new maps of a dead domain's grants.
    CHECK_REJECTS(Error::BadDomain, b, BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, a.id, 3,
                  kMapVa + bh::kPageSize, 0);
    const uint64_t free_mapped = bh::machine_frames().free_frames();
    REQUIRE_OK(b, BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, h);
    // The page and a's retired table (one frame) are freed at the last unmap.
    CHECK(bh::machine_frames().free_frames() == free_mapped + 2);
}

TEST_CASE_METHOD(Fixture, "A faulting domain's channels become Unbound for it and its successor can bind them") {
    Domain& c = child(kChild);
    const uint64_t pc = REQUIRE_OK(c, BH_CALL_EVTCHN_ALLOC_UNBOUND, 9, sup().id).r1;
    const uint64_t ps = REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_INTERDOMAIN, 9, c.id, pc).r1;
    const bh_domid_t id = c.id;
    fault(c);
    PortStatus s = port_status(sup(), 9);
    CHECK(s.state == kStateUnbound);
    CHECK(s.remote_dom == id);
    // Sending into the void is dropped.
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_SEND, 9);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_DESTROY, kChild);
    REQUIRE_OK(sup(), BH_CALL_CAP_DELETE, kChild);
    Domain& again = child(kChild);
    REQUIRE(again.id == id);  // lowest free id: the same one
    const uint64_t pn = REQUIRE_OK(again, BH_CALL_EVTCHN_BIND_INTERDOMAIN, 9, sup().id, ps).r1;
    s = port_status(sup(), 9);
    CHECK(s.state == kStateInterdomain);
    CHECK(s.remote_port == pn);
    REQUIRE_OK(sup(), BH_CALL_EVTCHN_SEND, 9);
    CHECK(pending(again, pn));
}

TEST_CASE_METHOD(Fixture, "Teardown of the address space the CPU runs on switches to the kernel's tables") {
    Domain& c = child(kChild);
    platform_log().mmu_root = c.as.root();
    fault(c);
    REQUIRE(platform_log().mmu_loads.size() == 1);
    CHECK(platform_log().mmu_loads[0] == bh::kernel_root());
    CHECK(c.as.root() == 0);
}

TEST_CASE_METHOD(Fixture, "Destroying a creator leaves its children running; their destroy still reclaims") {
    Domain& c = child(kChild);
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, kChild, 0, 0);
    const uint64_t free0 = machine_frames().free_frames();
    map_page(c, kScratch);
    CHECK(machine_frames().free_frames() < free0);
    domain_destroy(sup());
    CHECK(c.state == BH_DOM_RUNNING);
    REQUIRE_OK(c, BH_CALL_NULL);
    bh::domain_destroy(c);
    CHECK(machine_frames().free_frames() == boot_free_frames());
}
