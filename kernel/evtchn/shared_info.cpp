// SharedInfoView: atomic bit operations on a shared_info page in either guest layout.
#include "evtchn/shared_info.hpp"

namespace bh {

namespace {

// The guest uses `lock bts/btr` on its own word size, so we do the same: a 64-bit RMW on an
// i386 guest's page would also touch the neighbouring 32-bit word.
template <class W>
constexpr uint32_t bits_of() {
    return sizeof(W) * 8;
}

template <class W>
W bit_mask(uint32_t bit) {
    return static_cast<W>(W{1} << (bit % bits_of<W>()));
}

template <class W>
bool test_and_set(void* base, uint32_t bit) {
    W* word = static_cast<W*>(base) + bit / bits_of<W>();
    W m = bit_mask<W>(bit);
    return (__atomic_fetch_or(word, m, __ATOMIC_SEQ_CST) & m) != 0;
}

template <class W>
bool test_and_clear(void* base, uint32_t bit) {
    W* word = static_cast<W*>(base) + bit / bits_of<W>();
    W m = bit_mask<W>(bit);
    return (__atomic_fetch_and(word, static_cast<W>(~m), __ATOMIC_SEQ_CST) & m) != 0;
}

template <class W>
bool test(const void* base, uint32_t bit) {
    const W* word = static_cast<const W*>(base) + bit / bits_of<W>();
    return (__atomic_load_n(word, __ATOMIC_SEQ_CST) & bit_mask<W>(bit)) != 0;
}

template <class W>
W load_word(const void* base, uint32_t index) {
    return __atomic_load_n(static_cast<const W*>(base) + index, __ATOMIC_SEQ_CST);
}

template <class W>
W exchange_word(void* base, W value) {
    return __atomic_exchange_n(static_cast<W*>(base), value, __ATOMIC_SEQ_CST);
}

}  // namespace

SharedInfoView::SharedInfoView(void* page, bool compat32, void* vcpu_info)
    : page_(page), compat32_(compat32) {
    if (vcpu_info) {
        vcpu_ = vcpu_info;
    } else if (page) {
        vcpu_ = compat32 ? static_cast<void*>(&static_cast<SharedInfo32*>(page)->vcpu_info[0])
                         : static_cast<void*>(&static_cast<SharedInfo64*>(page)->vcpu_info[0]);
    }
}

void* SharedInfoView::pending_base() const {
    return compat32_ ? static_cast<void*>(static_cast<SharedInfo32*>(page_)->evtchn_pending)
                     : static_cast<void*>(static_cast<SharedInfo64*>(page_)->evtchn_pending);
}

void* SharedInfoView::mask_base() const {
    return compat32_ ? static_cast<void*>(static_cast<SharedInfo32*>(page_)->evtchn_mask)
                     : static_cast<void*>(static_cast<SharedInfo64*>(page_)->evtchn_mask);
}

void* SharedInfoView::sel_addr() const {
    return compat32_ ? static_cast<void*>(&static_cast<VcpuInfo32*>(vcpu_)->evtchn_pending_sel)
                     : static_cast<void*>(&static_cast<VcpuInfo64*>(vcpu_)->evtchn_pending_sel);
}

uint8_t* SharedInfoView::upcall_addr() const {
    // evtchn_upcall_pending is byte 0 of vcpu_info in both layouts.
    return compat32_ ? &static_cast<VcpuInfo32*>(vcpu_)->evtchn_upcall_pending
                     : &static_cast<VcpuInfo64*>(vcpu_)->evtchn_upcall_pending;
}

bool SharedInfoView::test_and_set_pending(uint32_t port) {
    if (!page_ || port >= max_ports()) return false;
    return compat32_ ? test_and_set<uint32_t>(pending_base(), port)
                     : test_and_set<uint64_t>(pending_base(), port);
}

bool SharedInfoView::test_and_clear_pending(uint32_t port) {
    if (!page_ || port >= max_ports()) return false;
    return compat32_ ? test_and_clear<uint32_t>(pending_base(), port)
                     : test_and_clear<uint64_t>(pending_base(), port);
}

bool SharedInfoView::test_pending(uint32_t port) const {
    if (!page_ || port >= max_ports()) return false;
    return compat32_ ? test<uint32_t>(pending_base(), port) : test<uint64_t>(pending_base(), port);
}

bool SharedInfoView::test_mask(uint32_t port) const {
    if (!page_ || port >= max_ports()) return false;
    return compat32_ ? test<uint32_t>(mask_base(), port) : test<uint64_t>(mask_base(), port);
}

bool SharedInfoView::test_and_clear_mask(uint32_t port) {
    if (!page_ || port >= max_ports()) return false;
    return compat32_ ? test_and_clear<uint32_t>(mask_base(), port)
                     : test_and_clear<uint64_t>(mask_base(), port);
}

bool SharedInfoView::test_and_set_sel(uint32_t word) {
    if (!page_ || word >= nr_words()) return false;
    return compat32_ ? test_and_set<uint32_t>(sel_addr(), word)
                     : test_and_set<uint64_t>(sel_addr(), word);
}

bool SharedInfoView::test_and_set_upcall() {
    if (!page_) return false;
    return __atomic_exchange_n(upcall_addr(), uint8_t{1}, __ATOMIC_SEQ_CST) != 0;
}

bool SharedInfoView::upcall_pending() const {
    return page_ && __atomic_load_n(upcall_addr(), __ATOMIC_SEQ_CST) != 0;
}

uint64_t SharedInfoView::deliverable_word(uint32_t word) const {
    if (!page_ || word >= nr_words()) return 0;
    if (compat32_) return load_word<uint32_t>(pending_base(), word) & ~load_word<uint32_t>(mask_base(), word);
    return load_word<uint64_t>(pending_base(), word) & ~load_word<uint64_t>(mask_base(), word);
}

void SharedInfoView::set_mask(uint32_t port) {
    if (!page_ || port >= max_ports()) return;
    if (compat32_) {
        test_and_set<uint32_t>(mask_base(), port);
    } else {
        test_and_set<uint64_t>(mask_base(), port);
    }
}

void SharedInfoView::clear_mask(uint32_t port) { test_and_clear_mask(port); }

void SharedInfoView::clear_upcall() {
    if (page_) __atomic_store_n(upcall_addr(), uint8_t{0}, __ATOMIC_SEQ_CST);
}

uint64_t SharedInfoView::take_sel() {
    if (!page_) return 0;
    return compat32_ ? exchange_word<uint32_t>(sel_addr(), 0) : exchange_word<uint64_t>(sel_addr(), 0);
}

uint64_t SharedInfoView::take_deliverable_word(uint32_t word) {
    if (!page_ || word >= nr_words()) return 0;
    // Clear only the bits we return: a bit raised between the load and the clear stays pending.
    uint64_t bits = deliverable_word(word);
    if (compat32_) {
        __atomic_fetch_and(static_cast<uint32_t*>(pending_base()) + word,
                           static_cast<uint32_t>(~bits), __ATOMIC_SEQ_CST);
    } else {
        __atomic_fetch_and(static_cast<uint64_t*>(pending_base()) + word, ~bits, __ATOMIC_SEQ_CST);
    }
    return bits;
}

}  // namespace bh
