// GrantTable, granter side: frames, entry validation, pins and GTF_reading / GTF_writing.
#include "gnttab/grant_table.hpp"

#include "mem/kheap.hpp"

namespace bh {

static_assert(sizeof(GrantTable) <= 2048, "a GrantTable must fit one kalloc");

namespace {

// Xen gives up after a few failed cmpxchg rounds ("shared grant entry is unstable") so a
// guest rewriting its entry in a loop cannot keep the kernel spinning.
constexpr int kMaxStatusRetries = 4;
// Only the one domain an entry names can pin it, so pins stay below Maptrack::kMaxHandles plus
// the two of an in-flight copy; the check only keeps a future limit change from wrapping.
constexpr uint16_t kPinMax = UINT16_MAX;
static_assert(Maptrack::kMaxHandles + 2 < kPinMax);

// May `user` use an entry with these flags and domid, reading or writing?
Result<void> admissible(uint16_t flags, uint16_t domid, bh_domid_t user, bool writable) {
    // sub_page and transitive grants are not supported: only plain whole-page access.
    if ((flags & (gtf::kTypeMask | gtf::kSubPage)) != gtf::kPermitAccess) return Error::BadGrant;
    if (domid != user) return Error::BadGrant;
    if (writable && (flags & gtf::kReadonly)) return Error::GrantDenied;
    return success();
}

}  // namespace

GrantTable::GrantTable(bh_domid_t owner, GnttabHost& host, Quota& quota)
    : owner_(owner), host_(host), quota_(quota), maptrack_(quota) {}

GrantTable::~GrantTable() {
    release_all();
    while (nr_frames_ > 0) drop_last_frame();
}

Result<void> GrantTable::grow(uint32_t want) {
    if (retired_) return Error::Dead;
    if (want > kMaxFrames) return Error::BadArg;
    const uint32_t before = nr_frames_;
    while (nr_frames_ < want) {
        Result<void> added = add_frame();
        if (!added) {
            while (nr_frames_ > before) drop_last_frame();
            return added.error();
        }
    }
    return success();
}

Result<void> GrantTable::add_frame() {
    TRYV(quota_.charge(kPageSize + kPinsBytes));
    Result<paddr_t> frame = host_.alloc_table_frame();
    if (!frame) {
        quota_.release(kPageSize + kPinsBytes);
        return frame.error();
    }
    void* pins = kalloc(kPinsBytes);  // zeroed: no entry pinned
    if (!pins) {
        host_.free_table_frame(*frame);
        quota_.release(kPageSize + kPinsBytes);
        return Error::NoMemory;
    }
    frames_[nr_frames_] = *frame;
    pins_[nr_frames_] = static_cast<GrantPins*>(pins);
    ++nr_frames_;
    return success();
}

void GrantTable::drop_last_frame() {
    --nr_frames_;
    kfree(pins_[nr_frames_], kPinsBytes);
    host_.free_table_frame(frames_[nr_frames_]);
    pins_[nr_frames_] = nullptr;
    frames_[nr_frames_] = 0;
    quota_.release(kPageSize + kPinsBytes);
}

std::span<GrantEntryV1> GrantTable::entries(uint32_t frame) {
    if (frame >= nr_frames_) return {};
    return {phys_as<GrantEntryV1>(frames_[frame]), kGrantEntriesPerFrame};
}

GrantPins GrantTable::pins(bh_grant_ref_t ref) const {
    return ref < nr_entries() ? pin(ref) : GrantPins{0, 0};
}

GrantEntryV1& GrantTable::entry(bh_grant_ref_t ref) const {
    return phys_as<GrantEntryV1>(frames_[ref / kGrantEntriesPerFrame])[ref % kGrantEntriesPerFrame];
}

GrantPins& GrantTable::pin(bh_grant_ref_t ref) const {
    return pins_[ref / kGrantEntriesPerFrame][ref % kGrantEntriesPerFrame];
}

Result<void> GrantTable::check(bh_domid_t user, bh_grant_ref_t ref, bool writable) const {
    if (ref >= nr_entries()) return Error::BadGrant;
    const uint32_t word = __atomic_load_n(grant_status_word(entry(ref)), __ATOMIC_ACQUIRE);
    return admissible(status_flags(word), status_domid(word), user, writable);
}

Result<uint32_t> GrantTable::acquire(bh_domid_t user, bh_grant_ref_t ref, bool writable) {
    if (ref >= nr_entries()) return Error::BadGrant;
    GrantPins& p = pin(ref);
    if ((writable ? p.writers : p.readers) == kPinMax) return Error::Busy;

    // Re-check and set the bits in one cmpxchg on flags+domid: a revoke (flags -> 0) or a
    // change of domid racing with us makes the cmpxchg fail and the re-check refuse.
    GrantEntryV1& e = entry(ref);
    grant_status_word_t* word = grant_status_word(e);
    uint32_t cur = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    const uint32_t set = gtf::kReading | (writable ? gtf::kWriting : 0u);
    for (int tries = 0;; ++tries) {
        if (tries == kMaxStatusRetries) return Error::Busy;
        TRYV(admissible(status_flags(cur), status_domid(cur), user, writable));
        if (__atomic_compare_exchange_n(word, &cur, cur | set, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            break;
    }
    if (writable)
        ++p.writers;
    else
        ++p.readers;
    // The granter wrote frame before flags; our acquire ordering makes it visible now.
    return __atomic_load_n(&e.frame, __ATOMIC_ACQUIRE);
}

void GrantTable::release(bh_grant_ref_t ref, bool writable) {
    GrantPins& p = pin(ref);
    if (writable)
        --p.writers;
    else
        --p.readers;
    uint16_t clear = 0;
    if (p.writers == 0) clear |= gtf::kWriting;
    if (p.writers == 0 && p.readers == 0) clear |= gtf::kReading;
    if (clear)
        __atomic_fetch_and(&entry(ref).flags, static_cast<uint16_t>(~clear), __ATOMIC_RELEASE);
}

void GrantTable::mapping_gone() {
    --active_maps_;
    if (retired_ && active_maps_ == 0) host_.table_idle(*this);
}

Result<GrantTable*> GrantTable::live_table(bh_domid_t domid) const {
    GrantTable* table = host_.table_of(domid);
    if (!table || table->retired_) return Error::BadDomain;
    return table;
}

bool GrantTable::retire() {
    // Own mappings first, while this table is still live: some may be of its own grants.
    release_all();
    retired_ = true;
    return active_maps_ == 0;
}

}  // namespace bh
