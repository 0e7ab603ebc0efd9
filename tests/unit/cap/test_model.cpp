// kernel/cap: random operation sequences checked against a naive reference model.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>

#include "cap_fixture.hpp"

using namespace bh;
using namespace bh::test;

namespace {

using Key = std::pair<size_t, bh_slot_t>;  // (space, slot)

struct ModelCap {
    Kobject* obj;
    uint32_t rights;
    uint64_t badge;
    bool has_parent;
    Key parent;
};

// The specification, written the obvious (recursive, quadratic) way.
struct Model {
    std::map<Key, ModelCap> caps;

    std::vector<Key> children(Key k) const {
        std::vector<Key> v;
        for (auto& [ck, c] : caps) {
            if (c.has_parent && c.parent == k) v.push_back(ck);
        }
        return v;
    }
    Error derive(Key s, Key d, uint32_t mask, uint64_t badge, bool mint) {
        if (!caps.count(s)) return Error::EmptySlot;
        const ModelCap& c = caps[s];
        if (s.first != d.first && !(c.rights & BH_R_GRANT)) return Error::NoRights;
        if (!mint) badge = c.badge;
        if (c.badge != 0 && badge != c.badge) return Error::BadState;
        if (caps.count(d)) return Error::SlotFull;
        caps[d] = {c.obj, c.rights & mask, badge, true, s};
        return Error::None;
    }
    Error move(Key s, Key d) {
        if (!caps.count(s)) return Error::EmptySlot;
        if (caps.count(d)) return Error::SlotFull;
        caps[d] = caps[s];
        caps.erase(s);
        for (auto& [ck, c] : caps) {
            if (c.has_parent && c.parent == s) c.parent = d;
        }
        return Error::None;
    }
    Error remove(Key k) {
        if (!caps.count(k)) return Error::EmptySlot;
        ModelCap gone = caps[k];
        for (Key ck : children(k)) {
            caps[ck].has_parent = gone.has_parent;
            caps[ck].parent = gone.parent;
        }
        caps.erase(k);
        return Error::None;
    }
    void revoke_below(Key k) {
        for (Key ck : children(k)) {
            revoke_below(ck);
            caps.erase(ck);
        }
    }
    Error revoke(Key k) {
        if (!caps.count(k)) return Error::EmptySlot;
        revoke_below(k);
        return Error::None;
    }
};

void compare(World& w, const Model& m) {
    for (size_t s = 0; s < w.spaces.size(); ++s) {
        for (bh_slot_t i = 0; i < CSpace::kSlots; ++i) {
            auto r = w.sp(s).at(i);
            auto it = m.caps.find({s, i});
            REQUIRE(r.ok() == (it != m.caps.end()));
            if (!r.ok()) continue;
            const Cap* c = *r;
            const ModelCap& mc = it->second;
            REQUIRE(c->obj == mc.obj);
            REQUIRE(c->rights == mc.rights);
            REQUIRE(c->badge == mc.badge);
            const Cap* want = mc.has_parent ? *w.sp(mc.parent.first).at(mc.parent.second) : nullptr;
            REQUIRE(c->parent() == want);
        }
    }
    REQUIRE(w.consistent());
}

}  // namespace

TEST_CASE("random sequences of cap operations match the reference model", "[cap]") {
    constexpr size_t spaces = 4;
    World w(spaces, 3);
    Model m;
    std::mt19937 rng(0xb01c4eadu);
    auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
    // Slots include one out of range, so BadSlot paths are exercised too.
    auto key = [&] { return Key{pick(spaces), pick(CSpace::kSlots / 4 + 1)}; };
    auto fix = [](bh_slot_t s) { return s == CSpace::kSlots / 4 ? CSpace::kSlots : s; };
    HookRecorder rec;

    for (int step = 0; step < 20000; ++step) {
        Key a = key();
        Key b = key();
        bool bad = fix(a.second) >= CSpace::kSlots || fix(b.second) >= CSpace::kSlots;
        uint32_t op = pick(10);
        auto before = w.snapshot();
        Error got = Error::None;
        Error want = Error::None;
        CSpace& sa = w.sp(a.first);
        CSpace& sb = w.sp(b.first);
        bh_slot_t xa = fix(a.second);
        bh_slot_t xb = fix(b.second);
        switch (op) {
        case 0:
        case 1: {
            Kobject* o = w.obj(pick(3));
            uint32_t rights = pick(BH_R_ALL + 1);
            uint64_t badge = pick(3);
            got = sa.insert(xa, o, rights, badge).error();
            want = xa >= CSpace::kSlots ? Error::BadSlot
                   : m.caps.count(a)    ? Error::SlotFull
                                        : Error::None;
            if (want == Error::None) m.caps[a] = {o, rights, badge, false, {}};
            break;
        }
        case 2:
        case 3:
        case 4: {
            uint32_t mask = pick(BH_R_ALL + 1) | (pick(2) ? BH_R_GRANT : 0);
            got = sa.copy(xa, sb, xb, mask).error();
            want = bad ? Error::BadSlot : m.derive(a, b, mask, 0, false);
            break;
        }
        case 5: {
            uint32_t mask = pick(BH_R_ALL + 1);
            uint64_t badge = pick(4);
            got = sa.mint(xa, sb, xb, mask, badge).error();
            want = bad ? Error::BadSlot : m.derive(a, b, mask, badge, true);
            break;
        }
        case 6:
            got = sa.move(xa, sb, xb).error();
            want = bad ? Error::BadSlot : m.move(a, b);
            break;
        case 7:
        case 8:
            got = sa.remove(xa).error();
            want = xa >= CSpace::kSlots ? Error::BadSlot : m.remove(a);
            break;
        default:
            got = sa.revoke(xa).error();
            want = xa >= CSpace::kSlots ? Error::BadSlot : m.revoke(a);
            break;
        }
        INFO("step " << step << " op " << op);
        REQUIRE(got == want);
        if (got != Error::None) REQUIRE(w.snapshot() == before);
        if (step % 50 == 0 || got != Error::None) compare(w, m);
    }
    compare(w, m);
    // refs agree with the caps that remain (no test holds were taken)
    for (size_t i = 0; i < 3; ++i) CHECK(w.obj(i)->refs == w.caps_naming(w.obj(i)));
}
