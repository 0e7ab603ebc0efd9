// StateArea (see state_area.hpp).
#include "state_area.hpp"

#include <bh/rt.hpp>

#include "core/state_replay.hpp"

using namespace bh::rt;

namespace xsd {
namespace {

constexpr uint64_t kStateVaddr = 0x200000000;
constexpr uint64_t kMagic = 0x4548535842444853;  // "SHDBXSHE": Bulkhead xenstore state
// Compact once the deltas outgrow the full record they follow (plus this much): bounds both
// the restart's replay work and, amortised, what a round costs to a constant per changed byte.
constexpr size_t kLogSlack = 256 * 1024;

// A word-at-a-time hash: it only has to catch a batch cut short by a kill (the area is ours
// alone), and a byte-wise one costs more than the rest of a small round under emulation.
uint64_t mix(uint64_t h, const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    for (; n >= 8; n -= 8, b += 8) {
        uint64_t w;
        __builtin_memcpy(&w, b, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    for (; n > 0; --n, ++b) h = (h ^ *b) * 0x100000001b3ull;
    return h;
}

size_t pad8(size_t n) { return (n + 7) & ~size_t{7}; }

}  // namespace

struct StateArea::Batch {
    uint64_t magic;
    uint64_t epoch;
    uint64_t seq;  // 0: the region's full record; then 1, 2, ... for its deltas
    uint64_t checksum;  // mix() over epoch, seq, len, nlinks, the links in use and the record
    uint32_t len;
    uint32_t nlinks;
    LinkRecord links[kMaxLinks];

    const uint8_t* record() const { return reinterpret_cast<const uint8_t*>(this + 1); }
    uint64_t sum() const {
        uint64_t h = mix(0xcbf29ce484222325ull, &epoch, 16);
        h = mix(h, &len, 8);
        h = mix(h, links, nlinks * sizeof(LinkRecord));
        return mix(h, record(), len);
    }
};

bool StateArea::map(bh_slot_t first_slot, uint32_t caps, uint32_t pages_per_cap) {
    uint64_t run = uint64_t{pages_per_cap} * 0x1000;
    for (uint32_t i = 0; i < caps; ++i) {
        Ret r = call(BH_CALL_FRAME_MAP, first_slot + i, kStateVaddr + i * run, 1);
        if (!r.ok()) {
            print("xenstored: cannot map state-area run %u: %s", i, error_name(r.err));
            return false;
        }
    }
    return attach(reinterpret_cast<uint8_t*>(kStateVaddr), caps * run);
}

bool StateArea::attach(uint8_t* mem, size_t bytes) {
    base_ = mem;
    region_ = bytes / 2 & ~size_t{7};
    return region_ > 2 * sizeof(Batch);
}

const StateArea::Batch* StateArea::batch_at(unsigned r, size_t off, uint64_t epoch,
                                            uint64_t seq) const {
    if (off + sizeof(Batch) > region_) return nullptr;
    auto* b = reinterpret_cast<const Batch*>(region(r) + off);
    bool ok = b->magic == kMagic && b->seq == seq && (seq == 0 || b->epoch == epoch) &&
              b->nlinks <= kMaxLinks && b->len <= region_ - off - sizeof(Batch) &&
              b->checksum == b->sum();  // (sum() reads only what the checks above bound)
    return ok ? b : nullptr;
}

// A full record goes to the start of the other region under a new epoch; a delta after the
// active region's last batch. The checksum is written last: a batch cut short never verifies.
bool StateArea::write_batch(bh::xs::Store& s, std::span<const LinkRecord> links, bool full) {
    unsigned r = full ? (valid_ ? 1 - active_ : active_) : active_;
    size_t off = full ? 0 : tail_;
    if (off + sizeof(Batch) > region_) return false;
    if (full && !valid_)  // starting over: no older region may outrank this one at restart
        for (unsigned i = 0; i < 2; ++i) reinterpret_cast<Batch*>(region(i))->magic = 0;
    auto* b = reinterpret_cast<Batch*>(region(r) + off);
    b->magic = 0;
    bh::xs::state::SpanOut out(region(r) + off + sizeof(Batch), region_ - off - sizeof(Batch));
    bh::xs::DeltaScope scope = marks_.scope();
    if (!s.save(out, full ? nullptr : &scope)) return false;
    b->epoch = full ? epoch_ + 1 : epoch_;
    b->seq = full ? 0 : seq_;
    b->len = static_cast<uint32_t>(out.size());
    b->nlinks = static_cast<uint32_t>(links.size());
    for (size_t i = 0; i < links.size(); ++i) b->links[i] = links[i];
    b->checksum = b->sum();
    __atomic_store_n(&b->magic, kMagic, __ATOMIC_RELEASE);
    if (full) {
        active_ = r;
        epoch_ = b->epoch;
        seq_ = 0;
        base_len_ = out.size();
        tail_ = 0;
        valid_ = true;
    }
    tail_ += pad8(sizeof(Batch) + out.size());
    seq_++;
    marks_.remember(s);
    return true;
}

bool StateArea::save(bh::xs::Store& s, std::span<const LinkRecord> links) {
    if (!base_ || links.size() > kMaxLinks) return false;
    bool compact = !valid_ || tail_ > 2 * base_len_ + kLogSlack;
    if (!compact && write_batch(s, links, false)) return true;
    size_t log = valid_ ? tail_ : 0;
    if (write_batch(s, links, true)) {
        if (log && log <= region_)  // (not after a restart, which always starts this way)
            print("xenstored: compacted %lu bytes of journal into %lu bytes (region %u, epoch %lu)",
                  log, base_len_, active_, epoch_);
        return true;
    }
    // Nothing may be restored that is older than the rings: invalidate both regions.
    for (unsigned r = 0; r < 2; ++r) reinterpret_cast<Batch*>(region(r))->magic = 0;
    valid_ = false;
    return false;
}

bool StateArea::load(bh::xs::Store& s, LinkRecord* links, uint32_t* nlinks) {
    if (!base_) return false;
    int best = -1;
    uint64_t best_epoch = 0;
    for (unsigned r = 0; r < 2; ++r) {
        const Batch* b = batch_at(r, 0, 0, 0);
        if (b && (best < 0 || b->epoch > best_epoch)) {
            best = static_cast<int>(r);
            best_epoch = b->epoch;
        }
    }
    if (best < 0) return false;
    auto r = static_cast<unsigned>(best);
    bh::ds::Vec<std::span<const uint8_t>> batches;
    const Batch* last = nullptr;
    size_t off = 0;
    for (uint64_t seq = 0;; ++seq) {
        const Batch* b = batch_at(r, off, best_epoch, seq);
        if (!b) break;
        if (!batches.push_back({b->record(), b->len})) return false;
        last = b;
        off += pad8(sizeof(Batch) + b->len);
    }
    bh::ds::Vec<bh::xs::state::RecordRef> recs;
    if (!bh::xs::state::replay({batches.data(), batches.size()}, &recs) ||
        s.load({recs.data(), recs.size()}) != bh::xs::XsErr::Ok)
        return false;
    *nlinks = last->nlinks;
    for (uint32_t i = 0; i < last->nlinks; ++i) links[i] = last->links[i];
    // Carry on in the other region: the next save writes everything there.
    active_ = r;
    epoch_ = best_epoch;
    valid_ = true;
    tail_ = region_ + 1;  // forces compaction on the next save
    base_len_ = 0;
    print("xenstored: replayed %lu batches (%lu bytes of region %u)", batches.size(), off, r);
    return true;
}

}  // namespace xsd
