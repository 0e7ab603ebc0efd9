// Test fixtures for event channels: a fake EvtchnHost, a test domain and a guest-side consumer.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include "evtchn/evtchn_table.hpp"

namespace evt_test {

using bh::EvtchnState;
using bh::EvtchnTable;
using bh::Error;

// Holds the live tables by domid and records every notify. Checks on each notify that it came
// on the 0 -> 1 edge of the domain's upcall flag (so the flag must be set by now).
struct FakeHost final : bh::EvtchnHost {
    std::map<bh_domid_t, EvtchnTable*> tables;
    std::vector<bh_domid_t> notifies;

    EvtchnTable* table_of(bh_domid_t dom) override {
        auto it = tables.find(dom);
        return it == tables.end() ? nullptr : it->second;
    }
    void notify(bh_domid_t dom) override {
        notifies.push_back(dom);
        EvtchnTable* t = table_of(dom);
        REQUIRE(t != nullptr);
        CHECK(t->upcall_pending());
    }
    size_t notify_count(bh_domid_t dom) const {
        return static_cast<size_t>(std::count(notifies.begin(), notifies.end(), dom));
    }
};

// A domain as the event-channel code sees it: its shared_info page, its quota, its table.
// Registered with the host for its lifetime.
struct TestDomain {
    alignas(4096) unsigned char page[4096] = {};
    FakeHost& host;
    bh_domid_t id;
    bool compat32;
    bh::Quota quota;
    EvtchnTable table;

    TestDomain(FakeHost& h, bh_domid_t dom, bool compat = false, uint64_t quota_bytes = 1 << 20)
        : host(h), id(dom), compat32(compat), quota(quota_bytes),
          table(dom, page, compat, h, quota) {
        host.tables[dom] = &table;
    }
    ~TestDomain() { host.tables.erase(id); }
    TestDomain(const TestDomain&) = delete;
    TestDomain& operator=(const TestDomain&) = delete;

    // The guest's own view of its page.
    bh::SharedInfoView guest() { return bh::SharedInfoView(page, compat32); }
    bool pending(bh_port_t p) { return guest().test_pending(p); }

    // Linux's xen_evtchn_do_upcall + evtchn_2l_handle_events: clear the upcall flag, take the
    // selector, then take every pending-and-unmasked bit of the selected words. Sorted ports.
    std::vector<bh_port_t> consume() {
        bh::SharedInfoView v = guest();
        v.clear_upcall();
        uint64_t sel = v.take_sel();
        std::vector<bh_port_t> out;
        for (uint32_t w = 0; w < v.nr_words(); ++w) {
            if (!(sel & (uint64_t{1} << w))) continue;
            uint64_t bits = v.take_deliverable_word(w);
            for (uint32_t b = 0; b < v.word_bits(); ++b) {
                if (bits & (uint64_t{1} << b)) out.push_back(w * v.word_bits() + b);
            }
        }
        return out;
    }

    EvtchnState state(bh_port_t p) {
        auto st = table.status(p);
        REQUIRE(st.ok());
        return st->state;
    }
};

// Every interdomain link is symmetric, and each VIRQ / IRQ is bound at most once per table.
inline void check_links(FakeHost& host) {
    for (auto& [dom, table] : host.tables) {
        std::vector<uint32_t> virqs, irqs;
        for (bh_port_t p = 1; p < table->max_ports(); ++p) {
            auto st = table->status(p);
            if (!st.ok()) break;  // past the last bucket
            if (st->state == EvtchnState::Interdomain) {
                EvtchnTable* peer = host.table_of(st->remote_dom);
                REQUIRE(peer != nullptr);
                auto back = peer->status(st->remote_port);
                REQUIRE(back.ok());
                CHECK(back->state == EvtchnState::Interdomain);
                CHECK(back->remote_dom == dom);
                CHECK(back->remote_port == p);
            } else if (st->state == EvtchnState::Virq) {
                virqs.push_back(st->virq);
            } else if (st->state == EvtchnState::Irq) {
                irqs.push_back(st->irq);
            }
        }
        std::sort(virqs.begin(), virqs.end());
        std::sort(irqs.begin(), irqs.end());
        CHECK(std::adjacent_find(virqs.begin(), virqs.end()) == virqs.end());
        CHECK(std::adjacent_find(irqs.begin(), irqs.end()) == irqs.end());
    }
}

// Connects a fresh Unbound port of `a` (for b) with a new port of `b`. Returns {port_a, port_b}.
inline std::pair<bh_port_t, bh_port_t> connect(TestDomain& a, TestDomain& b) {
    auto pa = a.table.alloc_unbound(b.id);
    REQUIRE(pa.ok());
    auto pb = b.table.bind_interdomain(a.id, *pa);
    REQUIRE(pb.ok());
    return {*pa, *pb};
}

}  // namespace evt_test
