// StateArea (see state_area.hpp).
#include "state_area.hpp"

#include <bh/rt.hpp>

using namespace bh::rt;

namespace xsd {
namespace {

constexpr uint64_t kStateVaddr = 0x200000000;
constexpr uint64_t kMagic = 0x4548535842444853;  // "SHDBXSHE": Bulkhead xenstore state

uint64_t fnv(uint64_t h, const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

}  // namespace

bool StateArea::map(bh_slot_t first_slot, uint32_t frames) {
    for (uint32_t i = 0; i < frames; ++i) {
        Ret r = call(BH_CALL_FRAME_MAP, first_slot + i, kStateVaddr + uint64_t{i} * 0x1000, 1);
        if (!r.ok()) {
            print("xenstored: cannot map state frame %u: %s", i, error_name(r.err));
            return false;
        }
    }
    base_ = reinterpret_cast<uint8_t*>(kStateVaddr);
    half_ = uint64_t{frames} * 0x1000 / 2;
    return half_ > sizeof(Header);
}

StateArea::Header* StateArea::half(unsigned i) const {
    return reinterpret_cast<Header*>(base_ + i * half_);
}

uint64_t StateArea::checksum(const Header& h) {
    uint64_t c = fnv(0xcbf29ce484222325ull, &h.seq, sizeof h.seq);
    c = fnv(c, &h.record_len, sizeof h.record_len);
    c = fnv(c, &h.nlinks, sizeof h.nlinks);
    c = fnv(c, h.links, sizeof h.links);
    return fnv(c, reinterpret_cast<const uint8_t*>(&h) + sizeof h, h.record_len);
}

bool StateArea::save(std::span<const uint8_t> record, std::span<const LinkRecord> links) {
    if (!base_ || record.size() > capacity() || links.size() > kMaxLinks) return false;
    Header* a = half(0);
    Header* b = half(1);
    bool a_valid = a->magic == kMagic && a->checksum == checksum(*a);
    bool b_valid = b->magic == kMagic && b->checksum == checksum(*b);
    uint64_t seq_a = a_valid ? a->seq : 0, seq_b = b_valid ? b->seq : 0;
    Header* dst = seq_a <= seq_b ? a : b;
    dst->magic = 0;  // invalid while being written
    dst->seq = (seq_a > seq_b ? seq_a : seq_b) + 1;
    dst->record_len = static_cast<uint32_t>(record.size());
    dst->nlinks = static_cast<uint32_t>(links.size());
    __builtin_memset(dst->links, 0, sizeof dst->links);
    for (size_t i = 0; i < links.size(); ++i) dst->links[i] = links[i];
    __builtin_memcpy(reinterpret_cast<uint8_t*>(dst) + sizeof(Header), record.data(), record.size());
    dst->checksum = checksum(*dst);
    __atomic_store_n(&dst->magic, kMagic, __ATOMIC_RELEASE);
    return true;
}

void StateArea::invalidate() {
    if (!base_) return;
    for (unsigned i = 0; i < 2; ++i) __atomic_store_n(&half(i)->magic, 0, __ATOMIC_RELEASE);
}

bool StateArea::load(std::span<const uint8_t>* record, std::span<const LinkRecord>* links) const {
    if (!base_) return false;
    const Header* best = nullptr;
    for (unsigned i = 0; i < 2; ++i) {
        const Header* h = half(i);
        if (h->magic != kMagic || h->record_len > capacity() || h->nlinks > kMaxLinks) continue;
        if (h->checksum != checksum(*h)) continue;
        if (!best || h->seq > best->seq) best = h;
    }
    if (!best) return false;
    *record = {reinterpret_cast<const uint8_t*>(best) + sizeof(Header), best->record_len};
    *links = {best->links, best->nlinks};
    return true;
}

}  // namespace xsd
