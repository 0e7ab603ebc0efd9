// BlkFront (see front.hpp).
#include "bh/blkif/front.hpp"

#include <new>

#include <bh/grant.hpp>
#include <bh/rt.hpp>
#include <bh/xenbus/xs_text.hpp>

using namespace bh::rt;
using bh::xenbus::read_u64;
using Path = bh::xenbus::Text;

namespace bh::blkif {

void AbiFrontRing::init(uint64_t va, bool x86_32) {
    if (x86_32) r32_ = new (space_) bh::ring::FrontRing<Ring32>(bh::ring::FrontRing<Ring32>::init(*reinterpret_cast<Ring32*>(va)));
    else r64_ = new (space_) bh::ring::FrontRing<Ring64>(bh::ring::FrontRing<Ring64>::init(*reinterpret_cast<Ring64*>(va)));
}

bool AbiFrontRing::full() const { return r32_ ? r32_->full() : r64_->full(); }

bool AbiFrontRing::put(const Request64& r) {
    if (!r32_) return r64_->put_request(r) == bh::ring::RingError::None;
    return r32_->put_request(convert_request<Request32>(r)) == bh::ring::RingError::None;
}

bool AbiFrontRing::put(const Indirect64& r) {
    Request64 raw{};
    if (!r32_) {
        __builtin_memcpy(&raw, &r, sizeof r);
        return r64_->put_request(raw) == bh::ring::RingError::None;
    }
    Indirect32 n{};
    n.operation = r.operation, n.indirect_op = r.indirect_op, n.nr_segments = r.nr_segments;
    n.id = r.id, n.sector_number = r.sector_number, n.handle = r.handle;
    for (uint32_t i = 0; i < kMaxIndirectPages; ++i) n.indirect_grefs[i] = r.indirect_grefs[i];
    Request32 raw32{};
    __builtin_memcpy(&raw32, &n, sizeof n);
    return r32_->put_request(raw32) == bh::ring::RingError::None;
}

bool AbiFrontRing::push() { return r32_ ? r32_->push_requests() : r64_->push_requests(); }

bool AbiFrontRing::take(Response64& out) {
    if (!r32_) return r64_->consume_response(out) == bh::ring::RingError::None;
    Response32 n;
    if (r32_->consume_response(n) != bh::ring::RingError::None) return false;
    out = Response64{};
    out.id = n.id;
    out.operation = n.operation;
    out.status = n.status;
    return true;
}

bool AbiFrontRing::final_check() { return r32_ ? r32_->final_check_for_responses() : r64_->final_check_for_responses(); }

bh::ring::RingError AbiFrontRing::error() const { return r32_ ? r32_->error() : r64_->error(); }

bool BlkFront::wait_backend(bh::xenbus::XsClient& xs, XenbusState at_least) {
    for (;;) {
        uint64_t st = 0;
        if (read_u64(xs, backend_path_, "state", &st)) {
            if (st >= static_cast<uint64_t>(XenbusState::Closing)) {
                print("blkfront: backend %s is closing (state %lu)", backend_path_, st);
                return false;
            }
            if (st >= static_cast<uint64_t>(at_least)) return true;
        }
        bh::xenbus::XsWatchEvent ev;
        xs.wait_watch(ev);
    }
}

// Linux's keys, in one transaction (retried on EAGAIN): ring-ref and event-channel in the
// device directory for one ring; multi-queue-num-queues and queue-N/ for several.
bool BlkFront::publish(bh::xenbus::XsClient& xs, const char* dir) {
    for (int tries = 0;; ++tries) {
        uint32_t tx = 0;
        const char* e = xs.transaction_start(tx);
        auto put = [&](const Path& key, const char* value) {
            if (!e) e = xs.write(tx, key.s, value);
        };
        for (uint32_t q = 0; q < nq_; ++q) {
            Path base;
            base << dir;
            if (nq_ > 1) base << "/queue-" << uint64_t{q};
            put(Path() << base.s << "/ring-ref", (Path() << uint64_t{ring_ref(q)}).s);
            put(Path() << base.s << "/event-channel", (Path() << uint64_t{port_[q]}).s);
        }
        if (nq_ > 1) put(Path() << dir << "/multi-queue-num-queues", (Path() << uint64_t{nq_}).s);
        put(Path() << dir << "/protocol", at_.x86_32 ? "x86_32-abi" : "x86_64-abi");
        if (at_.pool_va) put(Path() << dir << "/feature-persistent", "1");
        put(Path() << dir << "/state", "3");
        const char* c = xs.transaction_end(tx, e == nullptr);
        if (!e && !c) return true;
        if (!(c && c[0] == 'E' && c[1] == 'A' && c[2] == 'G') || tries == 8) {
            print("blkfront: cannot publish the rings: %s", e ? e : c);
            return false;
        }
    }
}

bool BlkFront::broken() const {
    for (uint32_t q = 0; q < nq_; ++q)
        if (!ring_[q].ready() || ring_[q].error() != bh::ring::RingError::None) return true;
    return broken_;
}

bool BlkFront::connect(bh::xenbus::XsClient& xs, uint32_t devid, const FrontLayout& at) {
    at_ = at;
    Path dir;
    dir << "/local/domain/" << uint64_t{self_id()} << "/device/vbd/" << uint64_t{devid};
    Path be_key;
    be_key << dir.s << "/backend";
    size_t n = 0;
    uint64_t be = 0;
    if (xs.read(0, be_key.s, backend_path_, sizeof backend_path_ - 1, &n) ||
        !read_u64(xs, dir.s, "backend-id", &be) || be > 0xffff) {
        print("blkfront: %s names no backend", dir.s);
        return false;
    }
    backend_path_[n] = '\0';
    backend_ = static_cast<bh_domid_t>(be);
    Path state;
    state << backend_path_ << "/state";
    if (xs.watch(state.s, "blkfront") || !wait_backend(xs, XenbusState::InitWait)) return false;

    // Our half: a ring page per queue granted to the backend, an event channel it can bind.
    uint64_t be_queues = 1;
    read_u64(xs, backend_path_, "multi-queue-max-queues", &be_queues);
    nq_ = at.queues < 1 ? 1 : at.queues > kMaxQueues ? kMaxQueues : at.queues;
    if (be_queues < nq_) nq_ = be_queues < 1 ? 1 : static_cast<uint32_t>(be_queues);
    if (!grant_table_reserve(at.first_ref + kRefs + kMaxQueues)) {
        print("blkfront: the grant table cannot hold %u entries", at.first_ref + kRefs + kMaxQueues);
        return false;
    }
    Ret a = call(BH_CALL_FRAME_ALLOC, at.ring_slot, nq_);
    Ret m = a.ok() ? call(BH_CALL_FRAME_MAP, at.ring_slot, at.ring_va, 1) : a;
    for (uint32_t q = 0; q < nq_; ++q) {
        Ret p = m.ok() ? call(BH_CALL_EVTCHN_ALLOC_UNBOUND, at.port_slot + q, backend_) : m;
        if (!p.ok() || !grant_access(ring_ref(q), backend_, at.ring_va + q * 4096, false)) {
            print("blkfront: cannot set up ring %u: %s", q, error_name(p.err));
            return false;
        }
        port_[q] = static_cast<bh_port_t>(p.r1);
        ring_[q].init(at.ring_va + q * 4096, at.x86_32);
    }
    if (at.indirect_va && !at.pool_va) {
        Ret ia = call(BH_CALL_FRAME_ALLOC, at.indirect_slot, kSlots);
        Ret im = ia.ok() ? call(BH_CALL_FRAME_MAP, at.indirect_slot, at.indirect_va, 1) : ia;
        if (!im.ok()) {
            print("blkfront: no memory for indirect pages: %s", error_name(im.err));
            at_.indirect_va = 0;
        }
    } else {
        at_.indirect_va = 0;
    }
    if (at.pool_va) {
        Ret pa = call(BH_CALL_FRAME_ALLOC, at.pool_slot, kSlots * kMaxSegments);
        Ret pm = pa.ok() ? call(BH_CALL_FRAME_MAP, at.pool_slot, at.pool_va, 1) : pa;
        if (!pm.ok()) {
            print("blkfront: no memory for persistent grants: %s", error_name(pm.err));
            at_.pool_va = 0;
        }
    }
    nfree_ = 0;
    for (uint32_t i = kSlots; i-- > 0;) free_[nfree_++] = static_cast<uint16_t>(i);
    if (!publish(xs, dir.s)) return false;
    if (!wait_backend(xs, XenbusState::Connected)) return false;
    uint64_t info = 0, flush = 0, sector_size = 512;
    if (!read_u64(xs, backend_path_, "sectors", &sectors_)) {
        print("blkfront: backend %s gave no size", backend_path_);
        return false;
    }
    read_u64(xs, backend_path_, "info", &info);
    read_u64(xs, backend_path_, "feature-flush-cache", &flush);
    read_u64(xs, backend_path_, "sector-size", &sector_size);
    info_ = static_cast<uint32_t>(info);
    flush_ = flush == 1;
    uint64_t be_discard = 0, be_persistent = 0;
    discard_ = read_u64(xs, backend_path_, "feature-discard", &be_discard) && be_discard == 1;
    persistent_ = at_.pool_va && read_u64(xs, backend_path_, "feature-persistent", &be_persistent) && be_persistent == 1;
    uint64_t be_indirect = 0;
    max_pages_ = kMaxSegments;
    if (at_.indirect_va && read_u64(xs, backend_path_, "feature-max-indirect-segments", &be_indirect) &&
        be_indirect > kMaxSegments)
        max_pages_ = be_indirect < kMaxIndirectSegments ? static_cast<uint32_t>(be_indirect) : kMaxIndirectSegments;
    for (uint32_t s = 0; persistent_ && s < kSlots; ++s)
        for (uint32_t j = 0; j < kMaxSegments; ++j)
            if (!grant_access(ref(s, j), backend_, pool_page(s, j), false)) persistent_ = false;
    if (sector_size != kSectorSize) {
        print("blkfront: sector-size %lu is not supported", sector_size);
        return false;
    }
    Path st;
    st << dir.s << "/state";
    if (xs.write(0, st.s, "4")) return false;
    xs.unwatch(state.s, "blkfront");
    return true;
}

bool BlkFront::submit(uint8_t op, uint64_t sector, const uint64_t* pages, uint32_t n, uint64_t id) {
    if (broken() || nfree_ == 0 || n == 0 || n > max_pages_ || ring_of(free_[nfree_ - 1]).full()) return false;
    uint32_t s = free_[--nfree_];
    shadow_[s].indirect = n > kMaxSegments;
    if (shadow_[s].indirect) {
        // The segments go in the slot's indirect page, which the backend reads (one copy).
        auto* segs = reinterpret_cast<Segment*>(indirect_page(s));
        for (uint32_t i = 0; i < n; ++i) {
            shadow_[s].pages[i] = pages[i];
            if (!grant_access(ref(s, i), backend_, pages[i], op == kOpWrite)) {
                for (uint32_t k = 0; k < i; ++k) end_access(ref(s, k), op == kOpWrite);
                free_[nfree_++] = static_cast<uint16_t>(s);
                return false;
            }
            segs[i] = Segment{ref(s, i), 0, static_cast<uint8_t>(kSectorsPerPage - 1), 0};
        }
        grant_access(indirect_ref(s), backend_, indirect_page(s), true);
        Indirect64 r{};
        r.operation = kOpIndirect;
        r.indirect_op = op;
        r.nr_segments = static_cast<uint16_t>(n);
        r.id = s;
        r.sector_number = sector;
        r.indirect_grefs[0] = indirect_ref(s);
        shadow_[s].id = id, shadow_[s].op = op, shadow_[s].nseg = static_cast<uint8_t>(n), shadow_[s].busy = true;
        return ring_of(s).put(r);
    }
    Request64 r{};
    r.operation = op;
    r.nr_segments = static_cast<uint8_t>(n);
    r.id = s;
    r.sector_number = sector;
    for (uint32_t i = 0; i < n; ++i) {
        shadow_[s].pages[i] = pages[i];
        if (persistent_) {  // the pool page is granted already: copy the data in for a write
            if (op == kOpWrite) __builtin_memcpy(reinterpret_cast<void*>(pool_page(s, i)),
                                                 reinterpret_cast<const void*>(pages[i]), 4096);
            r.seg[i] = Segment{ref(s, i), 0, static_cast<uint8_t>(kSectorsPerPage - 1), 0};
            continue;
        }
        // The backend writes our page for a read, only reads it for a write.
        if (!grant_access(ref(s, i), backend_, pages[i], op == kOpWrite)) {
            for (uint32_t k = 0; k < i; ++k) end_access(ref(s, k), op == kOpWrite);
            free_[nfree_++] = static_cast<uint16_t>(s);
            return false;
        }
        r.seg[i] = Segment{ref(s, i), 0, static_cast<uint8_t>(kSectorsPerPage - 1), 0};
    }
    shadow_[s].id = id, shadow_[s].op = op, shadow_[s].nseg = static_cast<uint8_t>(n), shadow_[s].busy = true;
    return ring_of(s).put(r);
}

bool BlkFront::submit_flush(uint64_t id) {
    if (broken() || nfree_ == 0 || ring_of(free_[nfree_ - 1]).full()) return false;
    uint32_t s = free_[--nfree_];
    Request64 r{};
    r.operation = kOpFlush;
    r.id = s;
    shadow_[s].id = id, shadow_[s].op = kOpFlush, shadow_[s].nseg = 0, shadow_[s].busy = true;
    shadow_[s].indirect = false;
    return ring_of(s).put(r);
}

bool BlkFront::submit_discard(uint64_t sector, uint64_t sectors, uint64_t id) {
    if (broken() || !discard_ || nfree_ == 0 || ring_of(free_[nfree_ - 1]).full()) return false;
    uint32_t s = free_[--nfree_];
    Request64 r{};
    r.operation = kOpDiscard;
    r.id = s;
    r.sector_number = sector;
    __builtin_memcpy(&r.seg[0], &sectors, sizeof sectors);  // blkif_request_discard.nr_sectors
    shadow_[s].id = id, shadow_[s].op = kOpDiscard, shadow_[s].nseg = 0, shadow_[s].busy = true;
    shadow_[s].indirect = false;
    return ring_of(s).put(r);
}

void BlkFront::push() {
    for (uint32_t q = 0; q < nq_; ++q)
        if (ring_[q].ready() && ring_[q].push()) call(BH_CALL_EVTCHN_SEND, at_.port_slot + q);
}

bool BlkFront::take(uint64_t& id, int16_t& status) {
    Response64 rsp;
    if (broken()) return false;
    uint32_t q = 0;
    while (q < nq_ && !ring_[q].take(rsp)) ++q;
    if (q == nq_) return false;
    // Only an id we handed out, for a request in flight, with its operation.
    if (rsp.id >= kSlots || rsp.id % nq_ != q || !shadow_[rsp.id].busy || shadow_[rsp.id].op != rsp.operation) {
        print("blkfront: backend answered id %lu that is not in flight: ring broken", rsp.id);
        broken_ = true;
        return false;
    }
    Shadow& sh = shadow_[rsp.id];
    for (uint32_t i = 0; persistent_ && sh.op == kOpRead && i < sh.nseg; ++i)
        __builtin_memcpy(reinterpret_cast<void*>(sh.pages[i]),
                         reinterpret_cast<const void*>(pool_page(static_cast<uint32_t>(rsp.id), i)), 4096);
    for (uint32_t i = 0; !persistent_ && i < sh.nseg; ++i) {
        if (!end_access(ref(static_cast<uint32_t>(rsp.id), i), sh.op == kOpWrite)) {
            // Still mapped by the backend: keep the grant (and the page) out of reuse.
            print("blkfront: backend still maps grant %u after answering", ref(static_cast<uint32_t>(rsp.id), i));
            broken_ = true;
        }
    }
    if (sh.indirect && !end_access(indirect_ref(static_cast<uint32_t>(rsp.id)), true)) broken_ = true;
    sh.busy = false;
    id = sh.id;
    status = rsp.status;
    free_[nfree_++] = static_cast<uint16_t>(rsp.id);
    return true;
}

bh_port_t BlkFront::wait() {
    for (;;) {
        bool any = broken();
        for (uint32_t q = 0; q < nq_; ++q) any = ring_[q].final_check() || any;
        if (any) return 0;
        bh_port_t p = wait_event();
        bool ours = false;
        for (uint32_t q = 0; q < nq_; ++q) ours = ours || p == port_[q];
        if (!ours) return p;
    }
}

}  // namespace bh::blkif
