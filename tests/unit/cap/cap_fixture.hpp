// Test support for kernel/cap: fake objects, a multi-space world that checks refcounts, snapshots.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "cap/cspace.hpp"
#include "mem/kheap.hpp"

namespace bh::test {

// A fake kernel object; `holds` mirrors the kernel holds the test took, so refs can be audited.
struct FakeObj : Kobject {
    static constexpr ObjType kType = ObjType::Frame;
    explicit FakeObj(ObjType t = ObjType::Frame) : Kobject(t) {}
    uint32_t holds = 0;
};

struct FakePort : Kobject {
    static constexpr ObjType kType = ObjType::EvtChn;
    FakePort() : Kobject(ObjType::EvtChn) {}
};

struct SpaceDeleter {
    void operator()(CSpace* s) const { kdelete(s); }
};
using SpacePtr = std::unique_ptr<CSpace, SpaceDeleter>;

inline SpacePtr make_space() {
    CSpace* s = knew<CSpace>();
    REQUIRE(s != nullptr);
    return SpacePtr(s);
}

// Every field of one slot, links included, for "a failed call changed nothing" checks.
struct SlotState {
    const Kobject* obj;
    uint32_t rights;
    uint64_t badge;
    const Cap* parent;
    const Cap* first_child;
    const Cap* next;
    const Cap* prev;
    bool operator==(const SlotState&) const = default;
};

// Several spaces and objects; audits that refs == caps naming the object + test holds.
struct World {
    std::vector<SpacePtr> spaces;
    std::vector<std::unique_ptr<FakeObj>> objs;

    explicit World(size_t n_spaces = 2, size_t n_objs = 3) {
        for (size_t i = 0; i < n_spaces; ++i) spaces.push_back(make_space());
        for (size_t i = 0; i < n_objs; ++i) objs.push_back(std::make_unique<FakeObj>());
    }
    ~World() {
        for (auto& s : spaces) s->clear();  // before objs die: refs must not outlive them
    }
    CSpace& sp(size_t i) { return *spaces[i]; }
    FakeObj* obj(size_t i) { return objs[i].get(); }

    uint32_t caps_naming(const Kobject* o) const {
        uint32_t n = 0;
        for (auto& s : spaces) {
            for (bh_slot_t i = 0; i < CSpace::kSlots; ++i) {
                auto r = s->at(i);
                if (r.ok() && (*r)->obj == o) ++n;
            }
        }
        return n;
    }
    bool consistent() const {
        for (auto& s : spaces) {
            if (!s->check_invariants()) return false;
        }
        for (auto& o : objs) {
            if (o->refs != caps_naming(o.get()) + o->holds) return false;
        }
        return true;
    }
    std::vector<SlotState> snapshot() const {
        std::vector<SlotState> v;
        for (auto& s : spaces) {
            for (bh_slot_t i = 0; i < CSpace::kSlots; ++i) {
                auto r = s->at(i);
                if (!r.ok()) {
                    v.push_back({nullptr, 0, 0, nullptr, nullptr, nullptr, nullptr});
                    continue;
                }
                const Cap* c = *r;
                v.push_back({c->obj, c->rights, c->badge, c->parent(), c->first_child(),
                             c->next_sibling(), c->prev_sibling()});
            }
        }
        for (auto& o : objs) v.push_back({o.get(), o->refs, 0, nullptr, nullptr, nullptr, nullptr});
        return v;
    }
};

// Records every release-hook call; installs itself for a type and uninstalls on scope exit.
struct HookRecorder {
    static inline std::vector<Kobject*> released;
    ObjType type;
    explicit HookRecorder(ObjType t = ObjType::Frame) : type(t) {
        released.clear();
        set_release_hook(type, [](Kobject* o) { released.push_back(o); });
    }
    ~HookRecorder() { set_release_hook(type, nullptr); }
    static size_t times(const Kobject* o) {
        return static_cast<size_t>(std::count(released.begin(), released.end(), o));
    }
};

}  // namespace bh::test
