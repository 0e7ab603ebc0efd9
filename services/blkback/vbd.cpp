// Vbd (see vbd.hpp).
#include "vbd.hpp"

#include <new>

#include <bh/rt.hpp>

#include <bh/xenbus/xs_text.hpp>

using namespace bh::rt;
using namespace bh::xenbus;
using bh::blkif::XenbusState;

namespace blkback {
namespace {

constexpr uint64_t kRingVa = 0x200000000;  // vbd i, queue q: its ring page at + (i * 4 + q) * 4 KiB
constexpr uint64_t kDataVa = 0x300000000;  // vbd i's granted data pages: kFifo * 32 per vbd
constexpr bh_slot_t kPortSlot0 = 20;       // vbd i, queue q: its event channel at + i * 4 + q
static_assert(kPortSlot0 + kMaxVbds * kMaxQueues <= BH_SLOT_MSI0, "the vbds' ports fit below the MSI slots");
constexpr uint64_t kPersistVa = 0x400000000;  // vbd i's persistent grants: Vbd::kPersistent pages
static_assert(sizeof(bh::ring::BackRing<bh::blkif::Ring32>) <= sizeof(bh::ring::BackRing<bh::blkif::Ring64>));

}  // namespace

uint64_t Vbd::data_va(uint32_t q, uint32_t slot, uint32_t seg) const {
    return kDataVa + (((uint64_t{index_} * kMaxQueues + q) * kFifo + slot) * bh::blkif::kMaxIndirectSegments + seg) * 0x1000;
}

bh_slot_t Vbd::port_slot(uint32_t q) const { return static_cast<bh_slot_t>(kPortSlot0 + index_ * kMaxQueues + q); }

bool Vbd::owns_port(bh_port_t p) const {
    for (uint32_t q = 0; connected_ && q < nq_; ++q)
        if (q_[q].port == p) return true;
    return false;
}

uint32_t Vbd::in_flight() const {
    uint32_t n = 0;
    for (uint32_t q = 0; q < nq_; ++q) n += q_[q].tail - q_[q].head;
    return n;
}

namespace {
// Where an indirect request's segments are copied to: one page, so no copy crosses one.
alignas(4096) bh::blkif::Segment g_indirect[bh::blkif::kMaxIndirectSegments];
static_assert(sizeof g_indirect <= 4096);
constexpr uint32_t kMaxParts = 2;  // virtio requests per blkif request (32 segments, 16 each)
static_assert(bh::blkif::kMaxIndirectSegments <= kMaxParts * bh::virtio::blk::Chain::kMaxData);
}  // namespace

// Copies an indirect request's segments out of its granted page (one copy: the backend never
// reads the frontend's page twice) and turns it into the read or write it carries.
bool Vbd::fetch_indirect(bh::blkif::Request& r) {
    bh_grant_copy op{};
    op.source = bh_grant_copy_ptr{r.indirect_grefs[0], fe_, 0, 0};
    op.dest = bh_grant_copy_ptr{reinterpret_cast<uint64_t>(g_indirect), self_id(), 0, 0};
    op.len = static_cast<uint16_t>(r.nr_segments * sizeof(bh::blkif::Segment));
    op.flags = BH_GNTCOPY_SOURCE_GREF;
    Ret c = call(BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB, reinterpret_cast<uint64_t>(&op), 1);
    if (!c.ok() || op.status != BH_OK) return false;
    for (uint32_t i = 0; i < r.nr_segments; ++i) r.seg[i] = g_indirect[i];
    r.operation = r.indirect_op;
    r.indirect = true;
    return true;
}

bool Vbd::set_state(bh::xenbus::XsClient& xs, XenbusState s) {
    Text p, v;
    p << dir_ << "/state";
    v << static_cast<uint64_t>(s);
    const char* e = xs.write(0, p.s, v.s);
    if (e) print("blkback: cannot set %s to %lu: %s", p.s, static_cast<uint64_t>(s), e);
    else state_ = s;
    return !e;
}

bool Vbd::init(uint32_t index, bh_domid_t fe, uint32_t devid, bh::xenbus::XsClient& xs,
               bh::virtio::VirtioDisk& disk) {
    index_ = index;
    fe_ = fe;
    devid_ = devid;
    Text dir;
    dir << "/local/domain/" << uint64_t{self_id()} << "/backend/vbd/" << uint64_t{fe} << "/" << uint64_t{devid};
    copy(dir_, sizeof dir_, dir.s);
    uint64_t fe_id = 0, sectors = 0;
    char mode[4] = {};
    if (!read_text(xs, dir_, "frontend", fe_dir_, sizeof fe_dir_) || !read_u64(xs, dir_, "frontend-id", &fe_id) ||
        fe_id != fe || !read_text(xs, dir_, "mode", mode, sizeof mode) ||
        !read_u64(xs, dir_, "offset-sectors", &offset_) || !read_u64(xs, dir_, "sectors", &sectors)) {
        print("blkback: %s: the toolstack's nodes are missing or wrong", dir_);
        return false;
    }
    if (sectors == 0 && offset_ < disk.capacity()) sectors = disk.capacity() - offset_;
    if (offset_ > disk.capacity() || sectors == 0 || sectors > disk.capacity() - offset_) {
        print("blkback: %s: %lu sectors at %lu do not fit the disk's %lu", dir_, sectors, offset_, disk.capacity());
        xs.write(0, (Text() << dir_ << "/hotplug-error").s, "slice beyond the disk");
        return false;
    }
    bool discard = disk.has(bh::virtio::blk::kFeatureDiscard) && mode[0] != 'r';
    limits_ = bh::blkif::DiskLimits{sectors, mode[0] == 'r', disk.has(bh::virtio::blk::kFeatureFlush), discard,
                                    bh::blkif::kMaxIndirectSegments};
    max_discard_ = disk.max_discard_sectors();
    Text fs;
    fs << fe_dir_ << "/state";
    copy(fe_state_, sizeof fe_state_, fs.s);
    // A previous instance of us had it connected (we were restarted): Linux's frontends never
    // run the handshake again, so neither do we. The state stays Connected, the directory as it
    // is; we take the ring back at its rsp_prod and kick the frontend.
    uint64_t mine = 0;
    if (read_u64(xs, dir_, "state", &mine) && mine == static_cast<uint64_t>(XenbusState::Connected)) {
        state_ = XenbusState::Connected;
        reattach_ = true;
        if (xs.watch(fe_state_, "fe") || !connect(xs)) print("blkback: %s: cannot re-attach", dir_);
        return true;
    }
    // What xen-blkback publishes before InitWait: the size, sector sizes, VDISK_* info, and
    // features (flush only when the disk can; persistent grants; indirect descriptors of up to 32
    // segments; no multi-page rings or queues yet).
    const char* e = nullptr;
    auto put = [&](const char* key, uint64_t v) {
        if (!e) e = xs.write(0, (Text() << dir_ << "/" << key).s, (Text() << v).s);
    };
    put("sectors", sectors);
    put("sector-size", bh::blkif::kSectorSize);
    put("physical-sector-size", bh::blkif::kSectorSize);
    put("info", limits_.read_only ? bh::blkif::kInfoReadOnly : 0);
    put("feature-flush-cache", limits_.flush ? 1 : 0);
    put("feature-barrier", 0);
    put("feature-persistent", 1);
    put("feature-max-indirect-segments", bh::blkif::kMaxIndirectSegments);
    put("multi-queue-max-queues", kMaxQueues);
    if (discard) {  // blkif.h: granularity and alignment in bytes
        put("feature-discard", 1);
        put("discard-granularity", uint64_t{disk.discard_alignment()} * bh::blkif::kSectorSize);
        put("discard-alignment", 0);
        put("discard-secure", 0);
    }
    if (e || !set_state(xs, XenbusState::InitWait) || xs.watch(fe_state_, "fe")) {
        print("blkback: %s: cannot publish the disk (%s)", dir_, e ? e : "state or watch");
        return false;
    }
    print("blkback: vbd %lu for domain %u: %lu sectors at %lu (%s), waiting for the frontend", uint64_t{devid},
          fe, sectors, offset_, limits_.read_only ? "read-only" : "read-write");
    return true;
}

bool Vbd::watches(const char* path) const {
    for (size_t i = 0;; ++i) {
        if (fe_state_[i] != path[i]) return false;
        if (!path[i]) return true;
    }
}

void Vbd::on_store(bh::xenbus::XsClient& xs) {
    uint64_t st = 0;
    if (!read_u64(xs, fe_dir_, "state", &st)) return;
    auto fs = static_cast<XenbusState>(st);
    if (!connected_ && (fs == XenbusState::Initialised || fs == XenbusState::Connected) &&
        state_ == XenbusState::InitWait) {
        if (connect(xs)) set_state(xs, XenbusState::Connected);
    } else if (fs == XenbusState::Closing || fs == XenbusState::Closed) {
        if (connected_) disconnect();
        if (state_ != XenbusState::Closed) set_state(xs, XenbusState::Closed);
    } else if (fs == XenbusState::Initialising && state_ == XenbusState::Closed) {
        set_state(xs, XenbusState::InitWait);  // the frontend starts over
    }
}

// One ring: its ref and event channel in `dir` (the frontend's directory, or its queue-N).
bool Vbd::connect_queue(bh::xenbus::XsClient& xs, uint32_t q, const char* dir, bool is32) {
    uint64_t ref = 0, evt = 0;
    if (!read_u64(xs, dir, "ring-ref", &ref) || !read_u64(xs, dir, "event-channel", &evt) || ref > 0xffffffff ||
        evt > 0xffff) {
        print("blkback: %s gave no usable ring-ref / event-channel", dir);
        return false;
    }
    Queue& Q = q_[q];
    uint64_t ring_va = kRingVa + (uint64_t{index_} * kMaxQueues + q) * 0x1000;
    Ret m = call(BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, fe_, ref, ring_va, 0);
    Ret b = m.ok() ? call(BH_CALL_EVTCHN_BIND_INTERDOMAIN, port_slot(q), fe_, evt) : m;
    if (!b.ok()) {
        if (m.ok()) call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, m.r1);
        print("blkback: %s: cannot map ring %lu or bind port %lu: %s", dir, ref, evt, error_name(b.err));
        return false;
    }
    Q.ring_handle = m.r1;
    Q.port = static_cast<bh_port_t>(b.r1);
    Q.head = Q.tail = 0;
    Q.ring32 = nullptr, Q.ring64 = nullptr;
    // attach: at rsp_prod, so a restarted backend takes the unanswered requests again.
    if (is32) Q.ring32 = new (Q.ring_space) bh::ring::BackRing<bh::blkif::Ring32>(
                  bh::ring::BackRing<bh::blkif::Ring32>::attach(*reinterpret_cast<bh::blkif::Ring32*>(ring_va)));
    else Q.ring64 = new (Q.ring_space) bh::ring::BackRing<bh::blkif::Ring64>(
             bh::ring::BackRing<bh::blkif::Ring64>::attach(*reinterpret_cast<bh::blkif::Ring64*>(ring_va)));
    if (!reattach_) print("blkback: vbd %u of domain %u queue %u: ring-ref %lu, event channel %lu", devid_, fe_, q, ref, evt);
    if (reattach_) {
        call(BH_CALL_EVTCHN_SEND, port_slot(q));  // whatever it waits for, look again
        auto* s = reinterpret_cast<volatile uint32_t*>(ring_va);  // req_prod, req_event, rsp_prod
        print("blkback: vbd %u of domain %u queue %u re-attached at rsp_prod %u (req_prod %u): %u requests to take again",
              devid_, fe_, q, s[2], s[0], s[0] - s[2]);
    }
    return true;
}

bool Vbd::connect(bh::xenbus::XsClient& xs) {
    char proto[16] = "x86_64-abi";
    read_text(xs, fe_dir_, "protocol", proto, sizeof proto);  // absent: the native (x86_64) ABI
    uint64_t fe_persistent = 0, nq = 1;
    persistent_ = read_u64(xs, fe_dir_, "feature-persistent", &fe_persistent) && fe_persistent == 1;
    bool is32 = text_is(proto, "x86_32-abi");
    if (!is32 && !text_is(proto, "x86_64-abi")) {
        print("blkback: %s: protocol %s is not supported", fe_dir_, proto);
        return false;
    }
    // Several rings: multi-queue-num-queues and queue-N/ (Linux writes them only for more than one).
    bool multi = read_u64(xs, fe_dir_, "multi-queue-num-queues", &nq);
    if (nq < 1 || nq > kMaxQueues) {
        print("blkback: %s: %lu queues asked for, at most %u offered", fe_dir_, nq, kMaxQueues);
        return false;
    }
    for (uint32_t q = 0; q < nq; ++q) {
        Text dir;
        dir << fe_dir_;
        if (multi) dir << "/queue-" << uint64_t{q};
        if (!connect_queue(xs, q, dir.s, is32)) {
            nq_ = q;
            connected_ = true;
            disconnect();
            return false;
        }
    }
    nq_ = static_cast<uint32_t>(nq);
    x86_32_ = is32;
    connected_ = true;
    if (!reattach_)
        print("blkback: vbd %u of domain %u connected: %u queue%s, %s%s", devid_, fe_, nq_, nq_ > 1 ? "s" : "", proto,
              persistent_ ? ", persistent grants" : "");
    return true;
}

void Vbd::close(bh::xenbus::XsClient& xs) {
    broken_ = false;
    if (state_ != XenbusState::Closed) set_state(xs, XenbusState::Closed);
}

void Vbd::disconnect() {
    // Requests still at the disk keep their grants mapped until they finish; then the rings go.
    if (in_flight()) return;
    drop_persistent();
    for (uint32_t q = 0; q < nq_; ++q) {
        call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, q_[q].ring_handle);
        call(BH_CALL_EVTCHN_CLOSE, port_slot(q));
        q_[q].ring64 = nullptr, q_[q].ring32 = nullptr, q_[q].port = 0;
    }
    nq_ = 0;
    connected_ = false;
}

uint64_t Vbd::persistent_va(uint32_t gref) {
    uint32_t h = (gref * 2654435761u) % kPersistent;
    for (uint32_t probe = 0; probe < kPersistent; ++probe, h = (h + 1) % kPersistent) {
        uint64_t va = kPersistVa + (uint64_t{index_} * kPersistent + h) * 0x1000;
        if (p_used_[h] && p_gref_[h] == gref) return va;
        if (p_used_[h]) continue;
        if (p_count_ >= kPersistent * 3 / 4) return 0;  // keep probes short: map per request instead
        // Read-write: the same page carries reads and writes over its life.
        Ret m = call(BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, fe_, gref, va, 0);
        if (!m.ok()) return 0;
        p_used_[h] = true, p_gref_[h] = gref, p_handle_[h] = m.r1, ++p_count_;
        return va;
    }
    return 0;
}

void Vbd::drop_persistent() {
    for (uint32_t i = 0; i < kPersistent; ++i)
        if (p_used_[i]) call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, p_handle_[i]), p_used_[i] = false;
    p_count_ = 0;
}

void Vbd::unmap(InFlight& e) {
    // One call (and one IOMMU flush) per 16 of the request's pages.
    constexpr uint32_t kBatch = 16;
    for (uint32_t at = 0; at < e.nseg; at += kBatch) {
        bh_grant_unmap ops[kBatch];
        uint32_t n = e.nseg - at < kBatch ? e.nseg - at : kBatch;
        for (uint32_t j = 0; j < n; ++j) ops[j] = bh_grant_unmap{static_cast<uint32_t>(e.handles[at + j]), 0, 0};
        call(BH_CALL_GNTTAB_UNMAP_BATCH, BH_SLOT_GNTTAB, reinterpret_cast<uint64_t>(ops), n);
    }
    e.nseg = 0;
}

void Vbd::admit(bh::blkif::Request& r, bh::virtio::VirtioDisk& disk, uint32_t q) {
    uint32_t slot = q_[q].tail++ % kFifo;
    InFlight& e = q_[q].fifo[slot];
    e.id = r.id, e.op = r.operation, e.nseg = 0, e.done = false, e.status = bh::blkif::kRspOkay, e.parts = 0;
    if (r.operation == bh::blkif::kOpIndirect) {
        // Answered as the read or write it carries, as Linux's blkback and blkfront expect.
        bh::blkif::Checked h = bh::blkif::check_indirect(r, limits_);
        if (h.status == bh::blkif::kRspOkay && !fetch_indirect(r)) h.status = bh::blkif::kRspError;
        if (h.status != bh::blkif::kRspNotSupported) e.op = r.indirect_op;
        if (h.status != bh::blkif::kRspOkay) {
            e.status = h.status, e.done = true;
            return;
        }
    }
    bh::blkif::Checked c = bh::blkif::check_request(r, limits_);
    if (c.status != bh::blkif::kRspOkay) {
        e.status = c.status;
        e.done = true;
        return;
    }
    uint64_t cookie = uint64_t{index_} << 16 | q << 8 | slot;
    if (r.operation == bh::blkif::kOpDiscard) {
        if (c.sectors > max_discard_ || !disk.submit_discard(offset_ + r.sector_number, static_cast<uint32_t>(c.sectors), cookie))
            e.status = bh::blkif::kRspError, e.done = true;
        return;
    }
    if (r.operation == bh::blkif::kOpFlush || r.operation == bh::blkif::kOpWriteBarrier) {
        if (!disk.submit(bh::virtio::blk::kFlush, 0, nullptr, 0, cookie)) e.status = bh::blkif::kRspError, e.done = true;
        return;
    }
    bool write = r.operation == bh::blkif::kOpWrite;
    constexpr uint32_t kMax = bh::blkif::kMaxIndirectSegments;
    bh::virtio::Segment data[kMax];
    uint64_t page[kMax];
    // Pages not kept persistently are mapped for this request, 16 to a call. The disk only
    // reads a page we write to it: mapped read-only, and so for the device too.
    bh_grant_map ops[kMax];
    uint32_t nops = 0, at[kMax];
    for (uint32_t j = 0; j < r.nr_segments; ++j) {
        page[j] = persistent_ ? persistent_va(r.seg[j].gref) : 0;
        if (!page[j]) {
            at[nops] = j;
            ops[nops++] = bh_grant_map{data_va(q, slot, j), r.seg[j].gref, fe_, static_cast<uint8_t>(write), 0, 0, 0, 0};
        }
    }
    bool mapped = true;
    for (uint32_t k0 = 0; k0 < nops; k0 += 16) {
        uint32_t n = nops - k0 < 16 ? nops - k0 : 16;
        Ret m = call(BH_CALL_GNTTAB_MAP_BATCH, BH_SLOT_GNTTAB, reinterpret_cast<uint64_t>(ops + k0), n);
        for (uint32_t k = k0; k < k0 + n; ++k) {
            if (m.ok() && ops[k].status == BH_OK) {
                e.handles[e.nseg++] = ops[k].handle;
                page[at[k]] = data_va(q, slot, at[k]);
            } else {
                mapped = false;
            }
        }
    }
    if (!mapped) {
        unmap(e);
        e.status = bh::blkif::kRspError;
        e.done = true;
        return;
    }
    uint32_t nd = 0;
    for (uint32_t j = 0; j < r.nr_segments; ++j) {
        uint32_t first = r.seg[j].first_sect, n = r.seg[j].last_sect - first + 1u;
        uint64_t addr = page[j] + first * bh::blkif::kSectorSize;
        // Consecutive segments land on consecutive pages of ours: one descriptor for the run.
        if (nd && data[nd - 1].addr + data[nd - 1].len == addr) data[nd - 1].len += n * bh::blkif::kSectorSize;
        else data[nd++] = bh::virtio::Segment{addr, n * bh::blkif::kSectorSize, !write};
    }
    // At most 16 descriptors per virtio request: a longer run goes as consecutive parts.
    uint64_t sector = offset_ + r.sector_number;
    for (uint32_t d0 = 0; d0 < nd; d0 += bh::virtio::blk::Chain::kMaxData) {
        uint32_t n = nd - d0 < bh::virtio::blk::Chain::kMaxData ? nd - d0 : bh::virtio::blk::Chain::kMaxData;
        if (!disk.submit(write ? bh::virtio::blk::kOut : bh::virtio::blk::kIn, sector, data + d0, n, cookie)) {
            e.status = bh::blkif::kRspError;  // the parts already at the disk finish first
            break;
        }
        ++e.parts;
        for (uint32_t k = d0; k < d0 + n; ++k) sector += data[k].len / bh::blkif::kSectorSize;
    }
    if (e.parts == 0) {
        unmap(e);
        e.done = true;
    }
}

void Vbd::complete(uint32_t tag, uint8_t virtio_status) {
    uint32_t q = tag >> 8, slot = tag & 0xff;
    if (q >= nq_ || slot >= kFifo) return;
    InFlight& e = q_[q].fifo[slot];
    if (virtio_status != bh::virtio::blk::kOk) e.status = bh::blkif::kRspError;
    if (e.parts > 1) {
        --e.parts;  // the request's other part is still at the disk
        return;
    }
    e.parts = 0;
    unmap(e);
    e.done = true;
}

template <class R>
void Vbd::take_requests(bh::ring::BackRing<R>& ring, bh::virtio::VirtioDisk& disk, uint32_t q) {
    uint32_t& head_ = q_[q].head;
    uint32_t& tail_ = q_[q].tail;
    for (;;) {
        // Room at the disk for the largest request we accept: two virtio requests of 16.
        while (tail_ - head_ < kFifo && disk.can_submit(bh::virtio::blk::Chain::kMaxData, kMaxParts)) {
            typename R::Request raw;
            if (ring.consume_request(raw) != bh::ring::RingError::None) break;
            bh::blkif::decode(raw, req_);
            admit(req_, disk, q);
        }
        // Room left and the ring empty: ask to be woken for the next request, recheck.
        if (tail_ - head_ >= kFifo || !disk.can_submit(bh::virtio::blk::Chain::kMaxData, kMaxParts) ||
            !ring.final_check_for_requests())
            break;
        if (ring.error() != bh::ring::RingError::None) break;
    }
    disk.kick();
}

template <class R>
void Vbd::answer(bh::ring::BackRing<R>& ring, uint32_t q) {
    Queue& Q = q_[q];
    bool any = false;
    while (Q.head != Q.tail && Q.fifo[Q.head % kFifo].done) {
        const InFlight& e = Q.fifo[Q.head % kFifo];
        ring.put_response(bh::blkif::encode_response<typename R::Response>(e.id, e.op, e.status));
        ++Q.head;
        any = true;
    }
    if (any && ring.push_responses()) call(BH_CALL_EVTCHN_SEND, port_slot(q));
}

void Vbd::serve(bh::virtio::VirtioDisk& disk) {
    if (!connected_) return;
    if (broken_) {
        // Nothing more is answered; what the disk still has finishes (and unmaps), then the rings go.
        for (uint32_t q = 0; q < nq_; ++q)
            while (q_[q].head != q_[q].tail && q_[q].fifo[q_[q].head % kFifo].done) ++q_[q].head;
        disconnect();
        return;
    }
    bool bad = false;
    for (uint32_t q = 0; q < nq_; ++q) {
        Queue& Q = q_[q];
        for (int round = 0; round < 2; ++round) {  // answering can free room for more requests
            if (x86_32_) {
                answer(*Q.ring32, q);
                take_requests(*Q.ring32, disk, q);
                answer(*Q.ring32, q);
            } else {
                answer(*Q.ring64, q);
                take_requests(*Q.ring64, disk, q);
                answer(*Q.ring64, q);
            }
        }
        bad = bad || (x86_32_ ? Q.ring32->error() : Q.ring64->error()) != bh::ring::RingError::None;
    }
    if (bad) {
        // A frontend that breaks the ring protocol loses its ring, nobody else's.
        print("blkback: domain %u broke the ring protocol; disconnecting it", fe_);
        broken_ = true;
        serve(disk);
    }
}

}  // namespace blkback
