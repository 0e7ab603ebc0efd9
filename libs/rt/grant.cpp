// The granting side of the domain's grant table (see bh/grant.hpp).
#include "bh/grant.hpp"

#include "bh/rt.hpp"

namespace bh::rt {

namespace {
uint32_t g_frames = 0;  // mapped at kGrantTableVaddr, one after another
}

volatile GrantEntryV1* grant_table() {
    static bool tried = false;
    if (!tried && g_frames == 0) {
        tried = true;
        Ret r = call(BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kGrantTableVaddr, 1);
        if (r.ok()) g_frames = 1;
        else print("rt: grant table setup failed: %s", error_name(r.err));
    }
    return g_frames ? reinterpret_cast<volatile GrantEntryV1*>(kGrantTableVaddr) : nullptr;
}

bool grant_table_reserve(uint32_t entries) {
    uint32_t frames = (entries + kGrantEntriesPerFrame - 1) / kGrantEntriesPerFrame;
    if (frames <= g_frames) return true;
    // The kernel keeps the frames it has and maps the new ones after them.
    Ret r = call(BH_CALL_GNTTAB_SETUP, BH_SLOT_GNTTAB, kGrantTableVaddr, frames);
    if (!r.ok()) return false;
    g_frames = frames;
    return true;
}

bool grant_access(bh_grant_ref_t ref, bh_domid_t domid, uint64_t vaddr, bool readonly) {
    volatile GrantEntryV1* t = grant_table();
    if (!t || ref >= g_frames * kGrantEntriesPerFrame || (vaddr >> 12) > 0xffffffffu) return false;
    t[ref].domid = domid;
    t[ref].frame = static_cast<uint32_t>(vaddr >> 12);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    t[ref].flags = static_cast<uint16_t>(gtf::kPermitAccess | (readonly ? gtf::kReadonly : 0));
    return true;
}

bool end_access(bh_grant_ref_t ref, bool readonly) {
    volatile GrantEntryV1* t = grant_table();
    if (!t || ref >= g_frames * kGrantEntriesPerFrame) return false;
    auto expect = static_cast<uint16_t>(gtf::kPermitAccess | (readonly ? gtf::kReadonly : 0));
    auto* flags = const_cast<uint16_t*>(&t[ref].flags);
    return __atomic_compare_exchange_n(flags, &expect, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

}  // namespace bh::rt
