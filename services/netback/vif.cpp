// Vif (see vif.hpp).
#include "vif.hpp"

#include <new>

#include <bh/rt.hpp>
#include <bh/xenbus/xs_text.hpp>

using namespace bh::rt;
using namespace bh::xenbus;
using namespace bh::netif;

namespace netback {
namespace {

constexpr uint64_t kInitWait = 2, kInitialised = 3, kConnected = 4, kClosing = 5, kClosed = 6;
constexpr uint64_t kRingVa = 0x200000000;  // vif i, queue q: tx ring, rx ring pages
constexpr bh_slot_t kPortSlot0 = 12;       // vif i, queue q: tx (or shared) port, rx port
constexpr uint32_t kFrameRoom = 2048;      // a frame's room: never crosses a page
constexpr uint64_t kHoldTicks = 200 / BH_TICK_MS;  // how long a frame waits for room at its destination
constexpr uint32_t kMaxTxFrame = kMaxFrame + 4;  // an 802.1Q tag may ride along
static_assert(kPortSlot0 + 2 * kMaxVifs * kMaxQueues <= BH_SLOT_MSI0, "the vifs' ports fit below the MSI slots");
static_assert(kMaxTxFrame <= kFrameRoom);

// The rx backlogs and tx scratch buffers, page-aligned so grant copies never cross a page.
alignas(4096) uint8_t g_backlog[kMaxVifs][kMaxQueues][Vif::kBacklog][kFrameRoom];
alignas(4096) uint8_t g_scratch[kMaxVifs][kMaxQueues][kFrameRoom];

uint8_t rx_flags(const Frame& f) {
    if (f.csum_blank) return kRxCsumBlank | kRxDataValidated;
    return f.data_validated ? kRxDataValidated : 0;
}

// One GNTTAB_COPY per 16 segments; false if a call or any segment failed.
bool copy_all(bh_grant_copy* ops, uint32_t n) {
    bool ok = true;
    for (uint32_t at = 0; at < n; at += 16) {
        uint32_t k = n - at < 16 ? n - at : 16;
        Ret r = call(BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB, reinterpret_cast<uint64_t>(ops + at), k);
        ok = ok && r.ok();
        for (uint32_t i = 0; r.ok() && i < k; ++i) ok = ok && ops[at + i].status == BH_OK;
    }
    return ok;
}

}  // namespace

uint8_t* Vif::backlog(uint32_t q, uint32_t slot) const { return g_backlog[index_][q][slot % kBacklog]; }
uint8_t* Vif::scratch(uint32_t q) const { return g_scratch[index_][q]; }
bh_slot_t Vif::port_slot(uint32_t q, bool rx) const {
    return static_cast<bh_slot_t>(kPortSlot0 + (index_ * kMaxQueues + q) * 2 + (rx && q_[q].split ? 1 : 0));
}

bool Vif::set_state(XsClient& xs, uint64_t s) {
    Text p, v;
    p << dir_ << "/state";
    v << s;
    const char* e = xs.write(0, p.s, v.s);
    if (e) print("netback: cannot set %s to %lu: %s", p.s, s, e);
    else state_ = s;
    return !e;
}

bool Vif::init(uint32_t index, bh_domid_t fe, uint32_t devid, XsClient& xs) {
    index_ = index, fe_ = fe, devid_ = devid;
    Text dir;
    dir << "/local/domain/" << uint64_t{self_id()} << "/backend/vif/" << uint64_t{fe} << "/" << uint64_t{devid};
    copy(dir_, sizeof dir_, dir.s);
    uint64_t fe_id = 0;
    char mac[24], ip[20];
    config_ = PortConfig{};
    config_.guarded = true;
    if (!read_text(xs, dir_, "frontend", fe_dir_, sizeof fe_dir_) || !read_u64(xs, dir_, "frontend-id", &fe_id) ||
        fe_id != fe || !read_text(xs, dir_, "mac", mac, sizeof mac) || !parse_mac(mac, &config_.mac)) {
        print("netback: %s: the toolstack's nodes are missing or wrong", dir_);
        return false;
    }
    if (read_text(xs, dir_, "ip", ip, sizeof ip)) {
        if (!parse_ipv4(ip, &config_.ip)) {
            print("netback: %s: ip '%s' is not an IPv4 address", dir_, ip);
            return false;
        }
        config_.has_ip = true;
    }
    // filter/0, filter/1, ...: the port's rules in order (bh/netif/filter.hpp).
    for (uint32_t k = 0; k < kMaxRules; ++k) {
        char text[kMaxRuleText + 1];
        if (!read_text(xs, dir_, (Text() << "filter/" << uint64_t{k}).s, text, sizeof text)) break;
        const char* why = nullptr;
        if (!parse_rule(text, config_.rules.rules[k], &why)) {
            print("netback: %s: filter/%u '%s': %s", dir_, k, text, why);
            return false;
        }
        config_.rules.n = k + 1;
    }
    Text fs;
    fs << fe_dir_ << "/state";
    copy(fe_state_, sizeof fe_state_, fs.s);
    uint64_t mine = 0;
    if (read_u64(xs, dir_, "state", &mine) && mine == kConnected) {
        // A previous instance had it connected: the frontend will not run the handshake
        // again, so take its rings back where they are and kick it.
        state_ = kConnected;
        reattach_ = true;
        if (xs.watch(fe_state_, "fe") || !connect(xs)) print("netback: %s: cannot re-attach", dir_);
        return true;
    }
    // What xen-netback publishes before InitWait (no GSO: frames are at most 1514 bytes).
    const char* e = nullptr;
    auto put = [&](const char* key, uint64_t v) {
        if (!e) e = xs.write(0, (Text() << dir_ << "/" << key).s, (Text() << v).s);
    };
    put("feature-sg", 1);
    put("feature-gso-tcpv4", 0);
    put("feature-gso-tcpv6", 0);
    put("feature-ipv6-csum-offload", 0);
    put("feature-rx-copy", 1);
    put("feature-rx-flip", 0);
    put("feature-multicast-control", 0);
    put("feature-split-event-channels", 1);
    put("multi-queue-max-queues", kMaxQueues);
    if (!e) e = xs.write(0, (Text() << dir_ << "/hotplug-status").s, "connected");
    if (e || !set_state(xs, kInitWait) || xs.watch(fe_state_, "fe")) {
        print("netback: %s: cannot publish the vif (%s)", dir_, e ? e : "state or watch");
        return false;
    }
    print("netback: vif %u.%u (%s%s%s), %u filter rules, waiting for the frontend", fe, devid, mac,
          config_.has_ip ? ", " : "", config_.has_ip ? ip : "", config_.rules.n);
    return true;
}

bool Vif::watches(const char* path) const { return text_is(path, fe_state_); }

bool Vif::owns_port(bh_port_t p) const {
    for (uint32_t q = 0; connected_ && q < nq_; ++q)
        if (p == q_[q].tx_port || p == q_[q].rx_port) return true;
    return false;
}

void Vif::on_store(XsClient& xs) {
    uint64_t st = 0;
    if (!read_u64(xs, fe_dir_, "state", &st)) return;
    if (!connected_ && (st == kInitialised || st == kConnected) && state_ == kInitWait) {
        if (connect(xs)) set_state(xs, kConnected);
    } else if (st == kClosing || st == kClosed) {
        if (connected_) disconnect();
        if (state_ != kClosed) set_state(xs, kClosed);
    } else if (st == 1 && state_ == kClosed) {
        set_state(xs, kInitWait);  // the frontend starts over
    }
}

bool Vif::connect_queue(XsClient& xs, uint32_t q, const char* dir) {
    Queue& Q = q_[q];
    Q = Queue{};
    uint64_t tx_ref = 0, rx_ref = 0, evt = 0, evt_rx = 0;
    if (!read_u64(xs, dir, "tx-ring-ref", &tx_ref) || !read_u64(xs, dir, "rx-ring-ref", &rx_ref) ||
        tx_ref > 0xffffffff || rx_ref > 0xffffffff) {
        print("netback: %s gave no usable ring refs", dir);
        return false;
    }
    if (read_u64(xs, dir, "event-channel-tx", &evt)) {
        Q.split = read_u64(xs, dir, "event-channel-rx", &evt_rx);
    } else if (!read_u64(xs, dir, "event-channel", &evt)) {
        evt = ~0ull;
    }
    if (evt > 0xffff || (Q.split && evt_rx > 0xffff)) {
        print("netback: %s gave no usable event channel", dir);
        return false;
    }
    uint64_t va = kRingVa + (uint64_t{index_} * kRingPages + 2 * q) * 0x1000;
    Ret t = call(BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, fe_, tx_ref, va, 0);
    Ret r = t.ok() ? call(BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, fe_, rx_ref, va + 0x1000, 0) : t;
    Ret b = r.ok() ? call(BH_CALL_EVTCHN_BIND_INTERDOMAIN, port_slot(q, false), fe_, evt) : r;
    Ret c = b.ok() && Q.split ? call(BH_CALL_EVTCHN_BIND_INTERDOMAIN, port_slot(q, true), fe_, evt_rx) : b;
    if (!c.ok()) {
        if (t.ok()) call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, t.r1);
        if (r.ok()) call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, r.r1);
        if (b.ok() && Q.split) call(BH_CALL_EVTCHN_CLOSE, port_slot(q, false));
        print("netback: %s: cannot map rings %lu/%lu or bind port %lu: %s", dir, tx_ref, rx_ref, evt, error_name(c.err));
        return false;
    }
    Q.tx_handle = t.r1, Q.rx_handle = r.r1;
    Q.tx_port = static_cast<bh_port_t>(b.r1);
    Q.rx_port = static_cast<bh_port_t>(c.r1);
    // attach: at rsp_prod, so a restarted backend takes the unanswered requests again.
    Q.tx = new (Q.tx_space) bh::ring::BackRing<TxRing>(bh::ring::BackRing<TxRing>::attach(*reinterpret_cast<TxRing*>(va)));
    Q.rx = new (Q.rx_space) bh::ring::BackRing<RxRing>(bh::ring::BackRing<RxRing>::attach(*reinterpret_cast<RxRing*>(va + 0x1000)));
    return true;
}

bool Vif::connect(XsClient& xs) {
    uint64_t nq = 1, rx_copy = 0, no_csum = 0;
    if (!read_u64(xs, fe_dir_, "request-rx-copy", &rx_copy) || rx_copy != 1) {
        print("netback: %s: the frontend does not do rx-copy (request-rx-copy)", fe_dir_);
        return false;
    }
    read_u64(xs, fe_dir_, "multi-queue-num-queues", &nq);
    if (nq < 1 || nq > kMaxQueues) {
        print("netback: %s: %lu queues asked for, at most %u offered", fe_dir_, nq, kMaxQueues);
        return false;
    }
    csum_ok_ = !(read_u64(xs, fe_dir_, "feature-no-csum-offload", &no_csum) && no_csum == 1);
    for (uint32_t q = 0; q < nq; ++q) {
        Text qdir;
        qdir << fe_dir_;
        if (nq > 1) qdir << "/queue-" << uint64_t{q};
        if (!connect_queue(xs, q, qdir.s)) {
            nq_ = q;
            connected_ = true;
            disconnect();
            return false;
        }
    }
    nq_ = static_cast<uint32_t>(nq);
    connected_ = true;
    broken_ = false;
    if (reattach_) {
        for (uint32_t q = 0; q < nq_; ++q) notify(q, false), notify(q, true);  // look again
        auto* t = reinterpret_cast<volatile uint32_t*>(kRingVa + uint64_t{index_} * kRingPages * 0x1000);
        print("netback: vif %u.%u re-attached, %u queues (tx req_prod %u, rsp_prod %u)", fe_, devid_, nq_, t[0], t[2]);
    } else {
        print("netback: vif %u.%u connected: %u queue%s, %s event channels%s", fe_, devid_, nq_, nq_ > 1 ? "s" : "",
              q_[0].split ? "split" : "shared", csum_ok_ ? "" : ", no checksum offload");
    }
    return true;
}

void Vif::disconnect() {
    for (uint32_t q = 0; q < nq_; ++q) {
        call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, q_[q].tx_handle);
        call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, q_[q].rx_handle);
        call(BH_CALL_EVTCHN_CLOSE, port_slot(q, false));
        if (q_[q].split) call(BH_CALL_EVTCHN_CLOSE, port_slot(q, true));
        q_[q] = Queue{};
    }
    nq_ = 0;
    connected_ = false;
}

void Vif::close(XsClient& xs) {
    broken_ = false;
    if (state_ != kClosed) set_state(xs, kClosed);
}

void Vif::notify(uint32_t q, bool rx) { call(BH_CALL_EVTCHN_SEND, port_slot(q, rx)); }

void Vif::fail(uint32_t q, const char* why) {
    // What xen-netback calls a fatal tx error: the frontend broke the protocol, its vif goes.
    print("netback: vif %u.%u queue %u: %s; disconnecting it", fe_, devid_, q, why);
    broken_ = true;
}

void Vif::finish_frame(uint32_t q, DeliverFn deliver, int16_t status) {
    Queue& Q = q_[q];
    // The first slot's size is the frame's; its own bytes are what the others leave over.
    uint32_t rest = 0;
    for (uint32_t s = 1; s < Q.slots; ++s)
        if (!Q.null_rsp[s]) rest += Q.reqs[s].size;
    uint32_t total = Q.reqs[0].size;
    if (status == kRspOkay) {
        if (rest > total) return fail(q, "a frame's slots add up to more than its size");
        bh_grant_copy ops[kMaxSlots];
        uint32_t n = 0, at = 0;
        for (uint32_t s = 0; s < Q.slots; ++s) {
            if (Q.null_rsp[s]) continue;
            const TxRequest& r = Q.reqs[s];
            uint32_t size = s == 0 ? total - rest : r.size;
            if (uint32_t{r.offset} + size > 4096) return fail(q, "a slot crosses its page");
            if (at + size > kMaxTxFrame) {
                status = kRspError;  // too big without GSO: refused, not fatal
                break;
            }
            if (size) {
                bh_grant_copy& op = ops[n++];
                op = bh_grant_copy{};
                op.source = bh_grant_copy_ptr{r.gref, fe_, r.offset, 0};
                op.dest = bh_grant_copy_ptr{reinterpret_cast<uint64_t>(scratch(q)), self_id(), static_cast<uint16_t>(at), 0};
                op.len = static_cast<uint16_t>(size);
                op.flags = BH_GNTCOPY_SOURCE_GREF;
            }
            at += size;
        }
        if (status == kRspOkay && (total < kEthHeader || !copy_all(ops, n))) status = kRspError;
    }
    Q.held = true, Q.status = status, Q.held_len = total, Q.held_since = call(BH_CALL_TIME).r1;
    offer(q, deliver);
}

bool Vif::offer(uint32_t q, DeliverFn deliver) {
    Queue& Q = q_[q];
    if (!Q.held) return true;
    if (Q.status == kRspOkay) {
        bool gone = deliver(switch_port(), Frame{scratch(q), Q.held_len, Q.blank, Q.validated});
        // A receiver that takes nothing must not stall its senders' other traffic for long
        // (xen-netback drains a stuck queue the same way): past kHoldTicks the frame is dropped.
        if (!gone && call(BH_CALL_TIME).r1 - Q.held_since < kHoldTicks) return false;
        gone ? ++counters_.tx_frames : ++counters_.tx_dropped;
    } else {
        ++counters_.tx_errors;
    }
    // The frame is gone (or refused): its slots are answered together, in order.
    for (uint32_t s = 0; s < Q.slots; ++s)
        (void)Q.tx->put_response(TxResponse{Q.reqs[s].id, Q.null_rsp[s] ? kRspNull : Q.status});
    if (Q.tx->push_responses()) notify(q, false);
    Q.slots = 0, Q.more = Q.extra = Q.bad = Q.held = false;
    return true;
}

bool Vif::holding() const {
    for (uint32_t q = 0; connected_ && q < nq_; ++q)
        if (q_[q].held) return true;
    return false;
}

bool Vif::take_tx(uint32_t q, DeliverFn deliver) {
    Queue& Q = q_[q];
    for (uint32_t budget = 0; !broken_;) {
        if (budget == 64) return true;
        if (!offer(q, deliver)) return false;  // held: nothing more from this ring until it goes
        TxRequest r;
        if (Q.tx->consume_request(r) != bh::ring::RingError::None) {
            if (Q.tx->error() != bh::ring::RingError::None) return fail(q, "garbage transmit ring indexes"), false;
            if (!Q.tx->final_check_for_requests()) return false;
            continue;
        }
        if (Q.slots == kMaxSlots) return fail(q, "a frame over more slots than netif allows"), false;
        uint32_t s = Q.slots++;
        Q.reqs[s] = r;
        Q.null_rsp[s] = Q.extra;
        if (Q.extra) {  // this slot is a netif_extra_info
            ExtraInfo x;
            __builtin_memcpy(&x, &r, sizeof x);
            Q.reqs[s].id = 0;  // Linux writes only the status of an extra slot's response
            if (x.type == kExtraNone || x.type > kExtraHash) return fail(q, "an unknown extra-info slot"), false;
            if (x.type == kExtraGso) Q.bad = true;  // GSO was not offered
            Q.extra = x.flags & kExtraFlagMore;
        } else {
            if (s == 0) {
                Q.blank = r.flags & kTxCsumBlank;
                Q.validated = r.flags & kTxDataValidated;
                Q.extra = r.flags & kTxExtraInfo;
            } else if (r.flags & kTxExtraInfo) {
                return fail(q, "extra info after a frame's first slot"), false;
            }
            Q.more = r.flags & kTxMoreData;
        }
        if (!Q.more && !Q.extra) {
            finish_frame(q, deliver, Q.bad ? kRspError : kRspOkay);
            ++budget;
            if (Q.held) return false;
        }
    }
    return false;
}

uint32_t Vif::queue_of(const Frame& f) const {
    // Linux picks a queue by the flow's hash: the same flow stays on one queue, in order.
    FrameInfo fi;
    parse_frame(f.data, f.len, fi);
    uint32_t h = fi.src_ip ^ fi.dst_ip ^ (uint32_t{fi.sport} << 16 | fi.dport);
    return (h ^ h >> 16) % nq_;
}

bool Vif::has_room(const Frame& f) {
    if (!connected_ || broken_) return true;  // nothing will wait for it: do not hold the sender
    Queue& Q = q_[queue_of(f)];
    if (Q.tail - Q.head < kBacklog) return true;
    uint64_t now = call(BH_CALL_TIME).r1;
    if (!Q.full_since) Q.full_since = now;
    if (now - Q.full_since < kHoldTicks) return false;
    if (!stalled_) print("netback: vif %u.%u takes no frames: frames for it are dropped until it does", fe_, devid_);
    stalled_ = true;
    return true;  // enqueue drops it
}

bool Vif::enqueue(const Frame& f) {
    if (!connected_ || broken_ || f.len > kFrameRoom) return false;
    uint32_t q = queue_of(f);
    Queue& Q = q_[q];
    if (Q.tail - Q.head == kBacklog) {
        ++counters_.rx_dropped;
        return false;
    }
    uint8_t* slot = backlog(q, Q.tail);
    __builtin_memcpy(slot, f.data, f.len);
    Frame g = f;
    if (f.csum_blank && !csum_ok_) {
        complete_checksum(slot, f.len);  // this frontend asked for finished checksums
        g.csum_blank = false, g.data_validated = true;
    }
    Q.len[Q.tail % kBacklog] = static_cast<uint16_t>(f.len);
    Q.flags[Q.tail % kBacklog] = rx_flags(g);
    ++Q.tail;
    return true;
}

void Vif::flush_rx() {
    for (uint32_t q = 0; connected_ && !broken_ && q < nq_; ++q) {
        Queue& Q = q_[q];
        bool notify_fe = false;
        while (Q.head != Q.tail) {
            // Up to 16 frames into 16 posted buffers, one copy call, answers in request order.
            RxRequest reqs[16];
            bh_grant_copy ops[16];
            uint32_t n = 0;
            while (n < 16 && Q.head + n != Q.tail) {
                if (Q.rx->consume_request(reqs[n]) != bh::ring::RingError::None) {
                    if (Q.rx->error() != bh::ring::RingError::None) return fail(q, "garbage receive ring indexes");
                    if (n || !Q.rx->final_check_for_requests()) break;
                    continue;
                }
                uint32_t slot = Q.head + n;
                ops[n] = bh_grant_copy{};
                ops[n].source = bh_grant_copy_ptr{reinterpret_cast<uint64_t>(backlog(q, slot)) & ~0xfffull, self_id(),
                                                  static_cast<uint16_t>(reinterpret_cast<uint64_t>(backlog(q, slot)) & 0xfff), 0};
                ops[n].dest = bh_grant_copy_ptr{reqs[n].gref, fe_, 0, 0};
                ops[n].len = Q.len[slot % kBacklog];
                ops[n].flags = BH_GNTCOPY_DEST_GREF;
                ++n;
            }
            if (n == 0) break;
            Ret r = call(BH_CALL_GNTTAB_COPY, BH_SLOT_GNTTAB, reinterpret_cast<uint64_t>(ops), n);
            Q.full_since = 0, stalled_ = false;  // it takes frames again
            for (uint32_t k = 0; k < n; ++k, ++Q.head) {
                bool ok = r.ok() && ops[k].status == BH_OK;
                int16_t status = ok ? static_cast<int16_t>(Q.len[Q.head % kBacklog]) : kRspError;
                uint16_t flags = ok ? Q.flags[Q.head % kBacklog] : 0;
                (void)Q.rx->put_response(RxResponse{reqs[k].id, 0, flags, status});
                ok ? ++counters_.rx_frames : ++counters_.rx_dropped;
            }
            notify_fe = Q.rx->push_responses() || notify_fe;
        }
        if (notify_fe) notify(q, true);
    }
}

bool Vif::serve(DeliverFn deliver) {
    if (!connected_ || broken_) return false;
    bool more = false;
    for (uint32_t q = 0; q < nq_ && !broken_; ++q) more = take_tx(q, deliver) || more;
    flush_rx();
    if (broken_) disconnect();
    return more && !broken_;
}

}  // namespace netback
