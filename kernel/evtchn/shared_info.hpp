// Xen's shared_info / vcpu_info / vcpu_time_info layouts for amd64 and i386 guests.
//
// Source: Xen public/xen.h, arch-x86/xen-x86_{32,64}.h; offsets in
// shared/reference/xen-pvh-guest-abi.md §4.3-4.4. A guest's layout is "latched" by its bitness
// (hvm_latch_shinfo_size): the i386 kernel reads 32-bit words, so one page can be read either way.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace bh {

// Only the first 32 vCPUs have a vcpu_info inside shared_info (XEN_LEGACY_MAX_VCPUS).
inline constexpr uint32_t kXenLegacyMaxVcpus = 32;

// Port limits of 2-level event channels: one pending bit per port, one selector bit per word,
// so BITS_PER_WORD * BITS_PER_WORD ports.
inline constexpr uint32_t kMaxPorts64 = 64 * 64;
inline constexpr uint32_t kMaxPorts32 = 32 * 32;

// pvclock: identical in both modes (its 64-bit fields sit on 8-byte offsets anyway).
struct VcpuTimeInfo {
    uint32_t version;  // odd while the hypervisor updates the record
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;  // ns
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;  // bit 0: XEN_PVCLOCK_TSC_STABLE_BIT
    uint8_t pad1[2];
};
static_assert(offsetof(VcpuTimeInfo, version) == 0);
static_assert(offsetof(VcpuTimeInfo, tsc_timestamp) == 8);
static_assert(offsetof(VcpuTimeInfo, system_time) == 16);
static_assert(offsetof(VcpuTimeInfo, tsc_to_system_mul) == 24);
static_assert(offsetof(VcpuTimeInfo, tsc_shift) == 28);
static_assert(offsetof(VcpuTimeInfo, flags) == 29);
static_assert(sizeof(VcpuTimeInfo) == 32);

// ---- amd64 guests: xen_ulong_t is 64 bits ----

struct ArchVcpuInfo64 {
    uint64_t cr2;
    uint64_t pad;
};

struct VcpuInfo64 {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;  // ignored for HVM/PVH guests (reference §4.1)
    uint8_t pad0[6];
    uint64_t evtchn_pending_sel;
    ArchVcpuInfo64 arch;
    VcpuTimeInfo time;
};
static_assert(offsetof(VcpuInfo64, evtchn_upcall_pending) == 0);
static_assert(offsetof(VcpuInfo64, evtchn_upcall_mask) == 1);
static_assert(offsetof(VcpuInfo64, evtchn_pending_sel) == 8);
static_assert(offsetof(VcpuInfo64, arch) == 16);
static_assert(offsetof(VcpuInfo64, time) == 32);
static_assert(sizeof(VcpuInfo64) == 64);

struct ArchSharedInfo64 {
    uint64_t max_pfn;
    uint64_t pfn_to_mfn_frame_list_list;
    uint64_t nmi_reason;
    uint64_t p2m_cr3;
    uint64_t p2m_vaddr;
    uint64_t p2m_generation;
};

struct SharedInfo64 {
    VcpuInfo64 vcpu_info[kXenLegacyMaxVcpus];
    uint64_t evtchn_pending[64];
    uint64_t evtchn_mask[64];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    uint32_t wc_sec_hi;
    ArchSharedInfo64 arch;
};
static_assert(offsetof(SharedInfo64, vcpu_info) == 0);
static_assert(offsetof(SharedInfo64, evtchn_pending) == 2048);
static_assert(offsetof(SharedInfo64, evtchn_mask) == 2560);
static_assert(offsetof(SharedInfo64, wc_version) == 3072);
static_assert(offsetof(SharedInfo64, wc_sec) == 3076);
static_assert(offsetof(SharedInfo64, wc_nsec) == 3080);
static_assert(offsetof(SharedInfo64, wc_sec_hi) == 3084);
static_assert(offsetof(SharedInfo64, arch) == 3088);
static_assert(sizeof(ArchSharedInfo64) == 48);
static_assert(sizeof(SharedInfo64) == 3136);

// ---- i386 guests: xen_ulong_t is 32 bits; wc_sec_hi moves into arch ----

struct ArchVcpuInfo32 {
    uint32_t cr2;
    uint32_t pad[5];
};

struct VcpuInfo32 {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    uint8_t pad0[2];
    uint32_t evtchn_pending_sel;
    ArchVcpuInfo32 arch;
    VcpuTimeInfo time;
};
static_assert(offsetof(VcpuInfo32, evtchn_upcall_pending) == 0);
static_assert(offsetof(VcpuInfo32, evtchn_upcall_mask) == 1);
static_assert(offsetof(VcpuInfo32, evtchn_pending_sel) == 4);
static_assert(offsetof(VcpuInfo32, arch) == 8);
static_assert(sizeof(ArchVcpuInfo32) == 24);
static_assert(offsetof(VcpuInfo32, time) == 32);
static_assert(sizeof(VcpuInfo32) == 64);

struct ArchSharedInfo32 {
    uint32_t max_pfn;
    uint32_t pfn_to_mfn_frame_list_list;
    uint32_t nmi_reason;
    uint32_t p2m_cr3;
    uint32_t p2m_vaddr;
    uint32_t p2m_generation;
    uint32_t wc_sec_hi;
};

struct SharedInfo32 {
    VcpuInfo32 vcpu_info[kXenLegacyMaxVcpus];
    uint32_t evtchn_pending[32];
    uint32_t evtchn_mask[32];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    ArchSharedInfo32 arch;
};
static_assert(offsetof(SharedInfo32, vcpu_info) == 0);
static_assert(offsetof(SharedInfo32, evtchn_pending) == 2048);
static_assert(offsetof(SharedInfo32, evtchn_mask) == 2176);
static_assert(offsetof(SharedInfo32, wc_version) == 2304);
static_assert(offsetof(SharedInfo32, wc_sec) == 2308);
static_assert(offsetof(SharedInfo32, wc_nsec) == 2312);
static_assert(offsetof(SharedInfo32, arch) == 2316);
static_assert(offsetof(SharedInfo32, arch) + offsetof(ArchSharedInfo32, wc_sec_hi) == 2340);
static_assert(sizeof(ArchSharedInfo32) == 28);
static_assert(sizeof(SharedInfo32) == 2344);

// The pending and mask arrays are little-endian bitmaps, so port n is byte n/8, bit n%8 in both
// layouts; only the selector word (and so the port limit) differs.
static_assert(offsetof(SharedInfo64, evtchn_pending) == offsetof(SharedInfo32, evtchn_pending));

// SharedInfoView: the event-channel bits of one shared_info page, read with either layout.
// Invariant: every access is an atomic read-modify-write of a whole guest word, because the guest
// clears pending/selector bits and toggles masks concurrently on another CPU. A view without a
// page (default-constructed) ignores writes and reads as all-clear.
class SharedInfoView {
public:
    SharedInfoView() = default;
    // vcpu_info: the registered vcpu_info (VCPUOP_register_vcpu_info) or nullptr for the legacy
    // slot vcpu_info[0] inside the page.
    SharedInfoView(void* page, bool compat32, void* vcpu_info = nullptr);

    bool has_page() const { return page_ != nullptr; }
    void* page() const { return page_; }
    bool compat32() const { return compat32_; }
    uint32_t word_bits() const { return compat32_ ? 32 : 64; }
    uint32_t nr_words() const { return word_bits(); }
    uint32_t max_ports() const { return compat32_ ? kMaxPorts32 : kMaxPorts64; }

    // Hypervisor side. Each returns the bit's previous value where the 2-level rules need it.
    bool test_and_set_pending(uint32_t port);
    bool test_and_clear_pending(uint32_t port);
    bool test_pending(uint32_t port) const;
    bool test_mask(uint32_t port) const;
    bool test_and_clear_mask(uint32_t port);
    bool test_and_set_sel(uint32_t word);
    bool test_and_set_upcall();
    bool upcall_pending() const;
    // Word `word` of pending & ~mask, zero-extended.
    uint64_t deliverable_word(uint32_t word) const;

    // Guest side: what a guest's upcall handler does (service runtime, tests).
    void set_mask(uint32_t port);
    void clear_mask(uint32_t port);
    void clear_upcall();
    uint64_t take_sel();  // atomically read and clear pending_sel
    uint64_t take_deliverable_word(uint32_t word);  // clear and return pending & ~mask

private:
    void* pending_base() const;
    void* mask_base() const;
    void* sel_addr() const;
    uint8_t* upcall_addr() const;

    void* page_ = nullptr;
    void* vcpu_ = nullptr;
    bool compat32_ = false;
};

}  // namespace bh
