// NetFront (see bh/netif/front.hpp).
#include "bh/netif/front.hpp"

#include <new>

#include <bh/grant.hpp>
#include <bh/rt.hpp>
#include <bh/xenbus/xs_text.hpp>

#include "bh/netif/filter.hpp"

using namespace bh::rt;
using bh::xenbus::read_text;
using bh::xenbus::read_u64;
using Path = bh::xenbus::Text;

namespace bh::netif {
namespace {
constexpr uint64_t kInitWait = 2, kConnected = 4, kClosing = 5;
}

bool NetFront::wait_backend(bh::xenbus::XsClient& xs, uint64_t at_least) {
    for (;;) {
        uint64_t st = 0;
        if (read_u64(xs, backend_path_, "state", &st)) {
            if (st >= kClosing) {
                print("netfront: backend %s is closing (state %lu)", backend_path_, st);
                return false;
            }
            if (st >= at_least) return true;
        }
        bh::xenbus::XsWatchEvent ev;
        xs.wait_watch(ev);
    }
}

bool NetFront::setup_queue(uint32_t q) {
    Queue& Q = q_[q];
    Ret a = call(BH_CALL_FRAME_ALLOC, at_.mem_slot + q, kPagesPerQueue);
    Ret m = a.ok() ? call(BH_CALL_FRAME_MAP, at_.mem_slot + q, page(q, 0), 1) : a;
    Ret t = m.ok() ? call(BH_CALL_EVTCHN_ALLOC_UNBOUND, at_.port_slot + 2 * q, backend_) : m;
    Ret r = t.ok() && split_ ? call(BH_CALL_EVTCHN_ALLOC_UNBOUND, at_.port_slot + 2 * q + 1, backend_) : t;
    if (!r.ok()) {
        print("netfront: queue %u: no memory or event channel: %s", q, error_name(r.err));
        return false;
    }
    Q.tx_port = static_cast<bh_port_t>(t.r1);
    Q.rx_port = static_cast<bh_port_t>(r.r1);
    Q.tx = new (Q.tx_space) bh::ring::FrontRing<TxRing>(bh::ring::FrontRing<TxRing>::init(*reinterpret_cast<TxRing*>(page(q, 0))));
    Q.rx = new (Q.rx_space) bh::ring::FrontRing<RxRing>(bh::ring::FrontRing<RxRing>::init(*reinterpret_cast<RxRing*>(page(q, 1))));
    bool ok = grant_access(ref(q, 0), backend_, page(q, 0), false) && grant_access(ref(q, 1), backend_, page(q, 1), false);
    Q.ntx_free = 0;
    for (uint32_t i = kTxBufs; i-- > 0;) {
        Q.tx_free[Q.ntx_free++] = static_cast<uint16_t>(i);
        ok = ok && grant_access(ref(q, 2 + i), backend_, page(q, 2 + i), true);  // the backend only reads what we send
    }
    for (uint32_t i = 0; i < kRxBufs; ++i) {
        ok = ok && grant_access(ref(q, 2 + kTxBufs + i), backend_, page(q, 2 + kTxBufs + i), false);
        Q.rx_posted[i] = false;
    }
    if (!ok) print("netfront: queue %u: cannot grant its pages", q);
    return ok;
}

// Linux's keys, in one transaction (retried on EAGAIN): per queue under queue-N/ when there
// are several, in the device directory itself when there is one.
bool NetFront::publish(bh::xenbus::XsClient& xs, const char* dir) {
    for (int tries = 0;; ++tries) {
        uint32_t tx = 0;
        const char* e = xs.transaction_start(tx);
        auto put = [&](const Path& key, uint64_t v) {
            if (!e) e = xs.write(tx, key.s, (Path() << v).s);
        };
        for (uint32_t q = 0; q < nq_; ++q) {
            Path base;
            base << dir;
            if (nq_ > 1) base << "/queue-" << uint64_t{q};
            put(Path() << base.s << "/tx-ring-ref", ref(q, 0));
            put(Path() << base.s << "/rx-ring-ref", ref(q, 1));
            if (split_) {
                put(Path() << base.s << "/event-channel-tx", q_[q].tx_port);
                put(Path() << base.s << "/event-channel-rx", q_[q].rx_port);
            } else {
                put(Path() << base.s << "/event-channel", q_[q].tx_port);
            }
        }
        if (nq_ > 1) put(Path() << dir << "/multi-queue-num-queues", nq_);
        put(Path() << dir << "/request-rx-copy", 1);
        put(Path() << dir << "/feature-rx-notify", 1);
        put(Path() << dir << "/feature-sg", 1);
        put(Path() << dir << "/feature-no-csum-offload", at_.csum_offload ? 0 : 1);
        put(Path() << dir << "/state", kConnected);
        const char* c = xs.transaction_end(tx, e == nullptr);
        if (!e && !c) return true;
        if (!(c && c[0] == 'E' && c[1] == 'A' && c[2] == 'G') || tries == 8) {
            print("netfront: cannot publish the rings: %s", e ? e : c);
            return false;
        }
    }
}

bool NetFront::connect(bh::xenbus::XsClient& xs, uint32_t devid, const NetFrontLayout& at) {
    at_ = at;
    Path dir;
    dir << "/local/domain/" << uint64_t{self_id()} << "/device/vif/" << uint64_t{devid};
    uint64_t be = 0;
    char mac[24];
    if (!read_text(xs, dir.s, "backend", backend_path_, sizeof backend_path_) ||
        !read_u64(xs, dir.s, "backend-id", &be) || be > 0xffff) {
        print("netfront: %s names no backend", dir.s);
        return false;
    }
    if (!read_text(xs, dir.s, "mac", mac, sizeof mac) || !parse_mac(mac, &mac_)) {
        print("netfront: %s has no usable mac", dir.s);
        return false;
    }
    backend_ = static_cast<bh_domid_t>(be);
    Path state;
    state << backend_path_ << "/state";
    if (xs.watch(state.s, "netfront") || !wait_backend(xs, kInitWait)) return false;

    uint64_t rx_copy = 0, max_q = 1, split = 0;
    if (!read_u64(xs, backend_path_, "feature-rx-copy", &rx_copy) || rx_copy != 1) {
        print("netfront: backend %s cannot copy received frames (feature-rx-copy)", backend_path_);
        return false;
    }
    read_u64(xs, backend_path_, "multi-queue-max-queues", &max_q);
    read_u64(xs, backend_path_, "feature-split-event-channels", &split);
    nq_ = at.queues < 1 ? 1 : at.queues > kMaxQueues ? kMaxQueues : at.queues;
    if (max_q < nq_) nq_ = max_q < 1 ? 1 : static_cast<uint32_t>(max_q);
    split_ = at.split_events && split == 1;
    for (uint32_t q = 0; q < nq_; ++q)
        if (!setup_queue(q)) return false;
    if (!publish(xs, dir.s)) return false;
    for (uint32_t q = 0; q < nq_; ++q) post_rx(q);
    bool up = wait_backend(xs, kConnected);
    xs.unwatch(state.s, "netfront");
    return up;
}

bool NetFront::owns_port(bh_port_t p) const {
    for (uint32_t q = 0; q < nq_; ++q)
        if (p == q_[q].tx_port || p == q_[q].rx_port) return true;
    return false;
}

bool NetFront::broken() const {
    for (uint32_t q = 0; q < nq_; ++q)
        if (q_[q].broken || q_[q].tx->error() != bh::ring::RingError::None || q_[q].rx->error() != bh::ring::RingError::None)
            return true;
    return nq_ == 0;
}

void NetFront::notify(uint32_t q, bool rx) {
    call(BH_CALL_EVTCHN_SEND, at_.port_slot + 2 * q + (rx && split_ ? 1 : 0));
}

// Every rx buffer not with the backend goes back to it; id = the buffer's index.
void NetFront::post_rx(uint32_t q) {
    Queue& Q = q_[q];
    bool any = false;
    for (uint32_t i = 0; i < kRxBufs; ++i) {
        if (Q.rx_posted[i] || Q.rx->full()) continue;
        if (Q.rx->put_request(RxRequest{static_cast<uint16_t>(i), 0, ref(q, 2 + kTxBufs + i)}) != bh::ring::RingError::None) break;
        Q.rx_posted[i] = true;
        any = true;
    }
    if (any && Q.rx->push_requests()) notify(q, true);
}

bool NetFront::send(const uint8_t* f, uint32_t len, uint32_t queue, bool csum_blank, uint32_t split_at) {
    if (queue >= nq_ || len < kEthHeader || len > kMaxFrame || split_at >= len) return false;
    Queue& Q = q_[queue];
    reap();
    uint32_t slots = split_at ? 2 : 1;
    if (Q.broken || Q.ntx_free < slots || Q.tx->free_requests() < slots) return false;
    uint32_t first = split_at ? split_at : len;
    uint16_t flags = static_cast<uint16_t>((csum_blank ? kTxCsumBlank | kTxDataValidated : 0) | (split_at ? kTxMoreData : 0));
    uint16_t a = Q.tx_free[--Q.ntx_free];
    __builtin_memcpy(reinterpret_cast<void*>(page(queue, 2 + a)), f, first);
    Q.tx_first[a] = true;
    // The first slot's size is the whole frame's; a following slot's, its own.
    (void)Q.tx->put_request(TxRequest{ref(queue, 2 + a), 0, flags, a, static_cast<uint16_t>(len)});
    if (split_at) {
        uint16_t b = Q.tx_free[--Q.ntx_free];
        __builtin_memcpy(reinterpret_cast<void*>(page(queue, 2 + b)), f + split_at, len - split_at);
        Q.tx_first[b] = false;
        (void)Q.tx->put_request(TxRequest{ref(queue, 2 + b), 0, 0, b, static_cast<uint16_t>(len - split_at)});
    }
    if (Q.tx->push_requests()) notify(queue, false);
    return true;
}

uint32_t NetFront::reap() {
    uint32_t done = 0;
    for (uint32_t q = 0; q < nq_; ++q) {
        Queue& Q = q_[q];
        TxResponse r;
        while (!Q.broken && Q.tx->consume_response(r) == bh::ring::RingError::None) {
            bool free = false;
            for (uint32_t k = 0; k < Q.ntx_free && !free; ++k) free = Q.tx_free[k] == r.id;
            if (r.id >= kTxBufs || free) {
                print("netfront: backend answered tx id %u that is not in flight: queue %u broken", r.id, q);
                Q.broken = true;
                break;
            }
            if (r.status != kRspOkay && r.status != kRspNull) ++tx_errors_;
            if (Q.tx_first[r.id]) ++done;
            Q.tx_free[Q.ntx_free++] = r.id;
        }
    }
    tx_done_ += done;
    return done;
}

bool NetFront::receive(uint8_t* out, uint32_t cap, RxFrame& info) {
    for (uint32_t k = 0; k < nq_; ++k) {
        uint32_t q = (rx_next_q_ + k) % nq_;
        Queue& Q = q_[q];
        RxResponse r;
        if (Q.broken || Q.rx->consume_response(r) != bh::ring::RingError::None) continue;
        rx_next_q_ = q + 1;
        if (r.id >= kRxBufs || !Q.rx_posted[r.id]) {
            print("netfront: backend answered rx id %u that was not posted: queue %u broken", r.id, q);
            Q.broken = true;
            return false;
        }
        Q.rx_posted[r.id] = false;
        // We never ask for extras (no GSO, no multicast control) nor sg on receive: a frame is
        // one page. Anything else is dropped, as xen-netfront drops what it cannot take.
        bool ok = r.status > 0 && static_cast<uint32_t>(r.offset) + static_cast<uint32_t>(r.status) <= 4096 &&
                  static_cast<uint32_t>(r.status) <= cap && !(r.flags & (kRxMoreData | kRxExtraInfo));
        if (ok) {
            info.len = static_cast<uint32_t>(r.status);
            info.csum_blank = r.flags & kRxCsumBlank;
            info.data_validated = r.flags & kRxDataValidated;
            info.queue = q;
            __builtin_memcpy(out, reinterpret_cast<const uint8_t*>(page(q, 2 + kTxBufs + r.id)) + r.offset, info.len);
        }
        post_rx(q);
        if (ok) return true;
        return receive(out, cap, info);
    }
    return false;
}

bh_port_t NetFront::wait_tx(uint32_t queue) {
    if (queue >= nq_) return 0;
    for (;;) {
        reap();
        if (q_[queue].ntx_free >= 1 || broken() || q_[queue].tx->final_check_for_responses()) return 0;
        bh_port_t p = wait_event();
        if (!owns_port(p)) return p;
    }
}

bh_port_t NetFront::wait() {
    for (;;) {
        // Transmit answers are collected here, so only received frames end the wait.
        reap();
        bool rx = false, tx = false;
        for (uint32_t q = 0; q < nq_; ++q) {
            rx = q_[q].rx->final_check_for_responses() || rx;
            tx = q_[q].tx->final_check_for_responses() || tx;
        }
        if (rx || broken()) return 0;
        if (tx) continue;
        bh_port_t p = wait_event();
        if (!owns_port(p)) return p;
    }
}

}  // namespace bh::netif
