// Fake kernel for grant-table tests: machine memory, domains, page tables, recorded history.
#pragma once

#include <stdlib.h>
#include <string.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gnttab/grant_table.hpp"

namespace bhtest {

using namespace bh;

// Fake physical memory: a page-aligned buffer that g_physmap_base points at, frame 0 unused so
// that a paddr of 0 never names a real frame.
class FakeMachine {
public:
    static constexpr size_t kFrames = 256;
    FakeMachine() {
        mem_ = static_cast<uint8_t*>(aligned_alloc(kPageSize, kFrames * kPageSize));
        memset(mem_, 0xAA, kFrames * kPageSize);  // garbage, so zeroing is observable
        g_physmap_base = reinterpret_cast<uintptr_t>(mem_);
        used_.assign(kFrames, false);
        used_[0] = true;
    }
    ~FakeMachine() {
        g_physmap_base = 0;
        free(mem_);
    }
    paddr_t alloc() {
        for (size_t i = 1; i < kFrames; ++i) {
            if (used_[i]) continue;
            used_[i] = true;
            memset(mem_ + i * kPageSize, 0, kPageSize);
            return i * kPageSize;
        }
        FAIL("fake machine out of frames");
        return 0;
    }
    void release(paddr_t pa) {
        REQUIRE(used_[pa / kPageSize]);
        used_[pa / kPageSize] = false;
    }
    size_t in_use() const {
        size_t n = 0;
        for (bool u : used_) n += u;
        return n - 1;
    }
    uint8_t* at(paddr_t pa) { return mem_ + pa; }

private:
    uint8_t* mem_;
    std::vector<bool> used_;
};

struct ForeignMapping {
    paddr_t pa;
    bool writable;
};
struct LocalPage {
    paddr_t pa;
    bool writable;
};

struct FakeDomain {
    bh_domid_t id;
    bool live = true;
    Quota quota;
    std::unique_ptr<GrantTable> table;
    std::map<uint32_t, paddr_t> p2m;                 // gfn -> machine frame (what it may grant)
    std::map<vaddr_t, ForeignMapping> foreign;       // mappings made by map_foreign
    std::map<vaddr_t, LocalPage> local;              // own pages, for copy
};

// Records every call in `log`; counts references per frame and checks it never goes negative.
class FakeHost final : public GnttabHost {
public:
    FakeMachine machine;
    std::map<bh_domid_t, FakeDomain> domains;
    std::vector<std::string> log;
    std::map<paddr_t, int> refs;  // references from get_granted_frame
    std::vector<GrantTable*> idle;
    bool delete_on_idle = true;  // table_idle frees the table, as the kernel will
    bool fail_get_frame = false;
    bool fail_map = false;
    bool fail_alloc_frame = false;
    int table_frames = 0;

    // Tears down every table while the fake is still whole, then checks nothing leaked.
    ~FakeHost() {
        for (auto& [id, d] : domains)
            if (d.table) d.table->release_all();
        for (auto& [id, d] : domains) d.table.reset();
        CHECK(live_refs() == 0);
        CHECK(table_frames == 0);
        for (auto& [id, d] : domains) CHECK(d.quota.used() == 0);
    }

    FakeDomain& add_domain(bh_domid_t id, uint64_t quota_bytes = 1 << 20, uint32_t frames = 1) {
        FakeDomain& d = domains[id];
        d.id = id;
        d.quota = Quota(quota_bytes);
        d.table = std::make_unique<GrantTable>(id, *this, d.quota);
        REQUIRE(d.table->grow(frames).ok());
        return d;
    }
    FakeDomain& dom(bh_domid_t id) { return domains.at(id); }
    GrantTable& table(bh_domid_t id) { return *domains.at(id).table; }

    // A data frame owned by `owner` at guest frame `gfn`.
    paddr_t give_frame(bh_domid_t owner, uint32_t gfn) {
        paddr_t pa = machine.alloc();
        dom(owner).p2m[gfn] = pa;
        return pa;
    }
    // A page of `owner`'s own at `va`, for the local side of copies.
    paddr_t give_local(bh_domid_t owner, vaddr_t va, bool writable = true) {
        paddr_t pa = machine.alloc();
        dom(owner).local[va] = {pa, writable};
        return pa;
    }
    int live_refs() const {
        int n = 0;
        for (auto& [pa, r] : refs) n += r;
        return n;
    }

    GrantTable* table_of(bh_domid_t id) override {
        auto it = domains.find(id);
        if (it == domains.end() || !it->second.live) return nullptr;
        return it->second.table.get();
    }
    Result<paddr_t> get_granted_frame(bh_domid_t granter, uint32_t frame, bool) override {
        log.push_back("get " + std::to_string(granter) + " " + std::to_string(frame));
        if (fail_get_frame) return Error::BadGrant;
        auto& p2m = dom(granter).p2m;
        auto it = p2m.find(frame);
        if (it == p2m.end()) return Error::BadGrant;
        ++refs[it->second];
        return it->second;
    }
    void put_frame(paddr_t pa) override {
        log.push_back("put " + std::to_string(pa));
        REQUIRE(refs[pa] > 0);
        --refs[pa];
    }
    Result<void> map_foreign(bh_domid_t mapper, vaddr_t va, paddr_t pa, bool writable) override {
        log.push_back("map " + std::to_string(mapper) + " " + std::to_string(va) +
                      (writable ? " w" : " r"));
        if (fail_map) return Error::BadAddress;
        REQUIRE(refs[pa] > 0);  // the frame is referenced before it is mapped
        auto& f = dom(mapper).foreign;
        if (f.count(va)) return Error::Busy;
        f[va] = {pa, writable};
        return success();
    }
    void unmap_foreign(bh_domid_t mapper, vaddr_t va) override {
        log.push_back("unmap " + std::to_string(mapper) + " " + std::to_string(va));
        REQUIRE(dom(mapper).foreign.erase(va) == 1);
    }
    Result<paddr_t> local_frame(bh_domid_t self, vaddr_t va, bool write) override {
        auto& l = dom(self).local;
        auto it = l.find(va);
        if (it == l.end()) return Error::BadAddress;
        if (write && !it->second.writable) return Error::BadAddress;
        return it->second.pa;
    }
    Result<paddr_t> alloc_table_frame() override {
        if (fail_alloc_frame) return Error::NoMemory;
        ++table_frames;
        return machine.alloc();
    }
    void free_table_frame(paddr_t pa) override {
        --table_frames;
        machine.release(pa);
    }
    void table_idle(GrantTable& t) override {
        log.push_back("idle " + std::to_string(t.owner()));
        idle.push_back(&t);
        if (!delete_on_idle) return;
        for (auto& [id, d] : domains)
            if (d.table.get() == &t) d.table.reset();
    }
};

// ---- The guest's side of the protocol, as Linux does it ----

inline GrantEntryV1& guest_entry(GrantTable& t, bh_grant_ref_t ref) {
    return t.entries(ref / kGrantEntriesPerFrame)[ref % kGrantEntriesPerFrame];
}

// gnttab_grant_foreign_access: domid and frame first, then flags.
inline void guest_grant(GrantTable& t, bh_grant_ref_t ref, bh_domid_t to, uint32_t gfn,
                        bool readonly = false) {
    GrantEntryV1& e = guest_entry(t, ref);
    e.domid = to;
    e.frame = gfn;
    __atomic_store_n(&e.flags, static_cast<uint16_t>(gtf::kPermitAccess |
                                                     (readonly ? gtf::kReadonly : 0)),
                     __ATOMIC_RELEASE);
}

// gnttab_end_foreign_access_ref_v1: cmpxchg flags -> 0 unless reading/writing is set.
inline bool guest_revoke(GrantTable& t, bh_grant_ref_t ref) {
    uint16_t* flags = &guest_entry(t, ref).flags;
    uint16_t f = __atomic_load_n(flags, __ATOMIC_ACQUIRE);
    do {
        if (f & (gtf::kReading | gtf::kWriting)) return false;
    } while (!__atomic_compare_exchange_n(flags, &f, uint16_t{0}, false, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE));
    return true;
}

inline uint16_t flags_of(GrantTable& t, bh_grant_ref_t ref) { return guest_entry(t, ref).flags; }

}  // namespace bhtest
