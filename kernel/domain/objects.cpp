// Release hooks: what happens when the last capability to an object goes.
#include "domain/objects.hpp"

#include "cap/release.hpp"
#include "domain/domain.hpp"
#include "domain/irq_routing.hpp"
#include "evtchn/evtchn_table.hpp"
#include "mem/kheap.hpp"
#include "mem/machine_frames.hpp"

namespace bh {
namespace {

void release_frame(Kobject* o) {
    auto* f = kobject_cast<FrameObj>(o);
    for (uint32_t i = 0; i < f->pages; ++i) machine_frames().unref(f->frame(i));
    if (f->table) kfree(f->table, f->pages * sizeof(paddr_t));
    if (f->charged) {
        f->charged->quota.release(FrameObj::charge_for(f->pages));
        kobject_drop(f->charged);
    }
    kdelete(f);
}

void release_evtchn(Kobject* o) {
    auto* e = kobject_cast<EvtchnObj>(o);
    if (EvtchnTable* t = e->dom->evtchn) {
        auto st = t->status(e->port);
        if (st.ok() && st.value().state == EvtchnState::Irq) irq_unbind(st.value().irq, e->dom->id);
        (void)t->close(e->port);
    }
    e->dom->quota.release(sizeof(EvtchnObj));
    kobject_drop(e->dom);
    kdelete(e);
}

void release_gnttab(Kobject* o) {
    auto* g = kobject_cast<GnttabObj>(o);
    kobject_drop(g->dom);
    kdelete(g);
}

void release_domain(Kobject* o) { kdelete(kobject_cast<Domain>(o)); }
// Returns a small object's charge to whoever paid for it, then frees it.
template <class T>
void release_charged(Kobject* o) {
    T* obj = kobject_cast<T>(o);
    if (obj->charged) {
        obj->charged->quota.release(sizeof(T));
        kobject_drop(obj->charged);
    }
    kdelete(obj);
}
// The machine object is static: the last cap going (supervisor death) frees nothing.
void release_machine(Kobject*) {}

}  // namespace

void register_release_hooks() {
    set_release_hook(ObjType::Frame, release_frame);
    set_release_hook(ObjType::EvtChn, release_evtchn);
    set_release_hook(ObjType::GntTab, release_gnttab);
    set_release_hook(ObjType::Domain, release_domain);
    set_release_hook(ObjType::Device, release_charged<DeviceObj>);
    set_release_hook(ObjType::Irq, release_charged<IrqObj>);
    set_release_hook(ObjType::Machine, release_machine);
}

}  // namespace bh
