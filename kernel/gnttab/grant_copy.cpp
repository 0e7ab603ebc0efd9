// GrantTable, grant copy: byte copies between granted frames and the caller's own pages.
#include "gnttab/grant_table.hpp"

namespace bh {

// One end of a copy segment once opened: a pinned grant (with a frame reference) or a page
// of the caller's own.
struct GrantTable::CopySide {
    paddr_t pa;
    GrantTable* granter;  // nullptr for a local page
    bh_grant_ref_t ref;
    bool write;
};

namespace {

constexpr uint16_t kKnownCopyFlags = BH_GNTCOPY_SOURCE_GREF | BH_GNTCOPY_DEST_GREF;
constexpr size_t kBounceBytes = 256;

// memmove without a library call: both ends may be the same frame. Bouncing through a small
// stack buffer, walking backwards when the destination is above the source, is overlap-safe
// because each chunk is read completely before any of it is written.
void copy_bytes(uint8_t* dst, const uint8_t* src, size_t len) {
    uint8_t bounce[kBounceBytes];
    const bool backwards = dst > src;
    size_t done = 0;
    while (done < len) {
        const size_t n = len - done < kBounceBytes ? len - done : kBounceBytes;
        const size_t at = backwards ? len - done - n : done;
        __builtin_memcpy(bounce, src + at, n);
        __builtin_memcpy(dst + at, bounce, n);
        done += n;
    }
}

}  // namespace

Result<void> GrantTable::copy(bh_grant_copy* ops, uint32_t count) {
    if (count > kMaxCopyOps || (count > 0 && !ops)) return Error::BadArg;
    if (retired_) return Error::Dead;
    for (uint32_t i = 0; i < count; ++i)
        ops[i].status = static_cast<int16_t>(abi_error(copy_one(ops[i])));
    return success();
}

Error GrantTable::copy_one(const bh_grant_copy& op) {
    const bool src_gref = op.flags & BH_GNTCOPY_SOURCE_GREF;
    const bool dst_gref = op.flags & BH_GNTCOPY_DEST_GREF;
    // Decode both ends before pinning either.
    if (op.flags & ~kKnownCopyFlags) return Error::BadArg;
    if (uint32_t{op.source.offset} + op.len > kPageSize) return Error::BadArg;
    if (uint32_t{op.dest.offset} + op.len > kPageSize) return Error::BadArg;
    TRYV(decode_side(op.source, src_gref, false));
    TRYV(decode_side(op.dest, dst_gref, true));

    CopySide src = TRY(open_side(op.source, src_gref, false));
    Result<CopySide> dst = open_side(op.dest, dst_gref, true);
    if (!dst) {
        close_side(src);
        return dst.error();
    }
    copy_bytes(phys_as<uint8_t>(dst->pa) + op.dest.offset,
               phys_as<const uint8_t>(src.pa) + op.source.offset, op.len);
    close_side(*dst);
    close_side(src);
    return Error::None;
}

Result<void> GrantTable::decode_side(const bh_grant_copy_ptr& p, bool gref, bool write) const {
    if (!gref) {
        if (p.domid != owner_) return Error::BadDomain;
        if (!page_aligned(p.ref_or_vaddr)) return Error::BadAddress;
        return success();
    }
    if (p.ref_or_vaddr > UINT32_MAX) return Error::BadGrant;
    GrantTable* gt = TRY(live_table(p.domid));
    return gt->check(owner_, static_cast<bh_grant_ref_t>(p.ref_or_vaddr), write);
}

Result<GrantTable::CopySide> GrantTable::open_side(const bh_grant_copy_ptr& p, bool gref,
                                                   bool write) {
    if (!gref) {
        const paddr_t pa = TRY(host_.local_frame(owner_, p.ref_or_vaddr, write));
        return CopySide{pa, nullptr, 0, write};
    }
    // Pinned like a mapping for the duration of the copy, so the granter cannot revoke and
    // reuse the page half-way through.
    GrantTable* gt = TRY(live_table(p.domid));
    const auto ref = static_cast<bh_grant_ref_t>(p.ref_or_vaddr);
    const uint32_t frame = TRY(gt->acquire(owner_, ref, write));
    Result<paddr_t> pa = host_.get_granted_frame(p.domid, frame, write);
    if (!pa) {
        gt->release(ref, write);
        return pa.error();
    }
    return CopySide{*pa, gt, ref, write};
}

void GrantTable::close_side(const CopySide& side) {
    if (!side.granter) return;
    host_.put_frame(side.pa);
    side.granter->release(side.ref, side.write);
}

}  // namespace bh
