// The native xenstore client (see xs_client.hpp).
#include "bh/xenbus/xs_client.hpp"

#include <bh/grant.hpp>
#include <bh/rt.hpp>

namespace bh::xenbus {

using bh::rt::call;
using bh::rt::Ret;
using xs::MsgHeader;
using xs::MsgType;

namespace {

size_t cstrlen(const char* s) {
    size_t n = 0;
    while (s[n]) ++n;
    return n;
}

// Copies a NUL-terminated field of at most cap-1 bytes; true if it ended within [p, end).
bool take_field(const uint8_t*& p, const uint8_t* end, char* out, size_t cap) {
    size_t i = 0;
    while (p < end && *p) {
        if (i + 1 < cap) out[i++] = static_cast<char>(*p);
        ++p;
    }
    out[i] = '\0';
    if (p == end) return false;
    ++p;
    return true;
}

}  // namespace

bool XsClient::connect() {
    Ret st = call(BH_CALL_EVTCHN_STATUS, BH_SLOT_XENSTORE);
    if (!st.ok()) {
        rt::print("xs: no xenstore channel: %s", rt::error_name(st.err));
        return false;
    }
    store_ = static_cast<bh_domid_t>(st.r2 & 0xffff);
    port_ = static_cast<bh_port_t>(st.r2 >> 32);
    Ret f = call(BH_CALL_FRAME_ALLOC, kXsRingFrameSlot);
    Ret m = f.ok() ? call(BH_CALL_FRAME_MAP, kXsRingFrameSlot, kXsRingVaddr, 1) : f;
    if (!m.ok()) {
        rt::print("xs: no ring page: %s", rt::error_name(m.err));
        return false;
    }
    page_ = reinterpret_cast<ring::XsRingPage*>(kXsRingVaddr);  // a fresh frame: zeroed
    return rt::grant_access(rt::kGrantRefXenstore, store_, kXsRingVaddr, false);
}

bool XsClient::send(const void* data, size_t len) {
    auto* p = static_cast<const uint8_t*>(data);
    ring::XsStream req = ring::xs_requests(*page_);
    while (len) {
        ring::StreamResult r = req.write(p, static_cast<uint32_t>(len));
        if (r.error != ring::RingError::None) return false;
        p += r.bytes;
        len -= r.bytes;
        call(BH_CALL_EVTCHN_SEND, BH_SLOT_XENSTORE);
        if (len) {  // ring full: the store frees space and signals
            if (timed_out()) {
                broken_ = true;  // half a request is in the ring: the stream cannot be trusted
                return false;
            }
            remember(wait_any());
            if (!pump()) return false;
        }
    }
    return true;
}

void XsClient::remember(bh_port_t p) {
    if (p && p != port_ && p < 1024) others_[p / 64] |= uint64_t{1} << (p % 64);
}

bh_port_t XsClient::wait_any() { return rt::wait_event(); }

bool XsClient::timed_out() const {
    return timeout_ && call(BH_CALL_TIME).r1 - started_ > timeout_;
}

bool XsClient::pump() {
    if (broken_) return false;
    ring::XsStream rsp = ring::xs_responses(*page_);
    for (;;) {
        size_t need = sizeof(MsgHeader);
        if (in_len_ >= sizeof(MsgHeader)) {
            MsgHeader h;
            __builtin_memcpy(&h, in_, sizeof h);
            if (h.len > xs::kPayloadMax) {
                broken_ = true;
                return false;
            }
            need += h.len;
        }
        if (in_len_ >= sizeof(MsgHeader) && in_len_ == need) {
            deliver();
            in_len_ = 0;
            continue;
        }
        ring::StreamResult r = rsp.read(in_ + in_len_, static_cast<uint32_t>(need - in_len_));
        if (r.error != ring::RingError::None) {
            broken_ = true;
            return false;
        }
        if (r.bytes == 0) return true;
        in_len_ += r.bytes;
        call(BH_CALL_EVTCHN_SEND, BH_SLOT_XENSTORE);  // space freed: the store may be waiting
    }
}

void XsClient::deliver() {
    MsgHeader h;
    __builtin_memcpy(&h, in_, sizeof h);
    const uint8_t* body = in_ + sizeof h;
    if (h.type == static_cast<uint32_t>(MsgType::WatchEvent)) {
        XsWatchEvent& ev = queue_[(q_head_ + q_count_) % kMaxQueued];
        const uint8_t* p = body;
        const uint8_t* end = body + h.len;
        if (!take_field(p, end, ev.path, sizeof ev.path) || !take_field(p, end, ev.token, sizeof ev.token))
            return;  // malformed event: ignored, like Linux does
        if (q_count_ == kMaxQueued) {
            q_head_ = (q_head_ + 1) % kMaxQueued;
            ++dropped_;
        } else {
            ++q_count_;
        }
        return;
    }
    if (h.req_id != want_req_ || got_reply_) return;  // a stale reply (e.g. across a store restart)
    got_reply_ = true;
    reply_type_ = h.type;
    size_t n = h.len < reply_cap_ ? h.len : reply_cap_;
    if (reply_out_) __builtin_memcpy(reply_out_, body, n);
    reply_len_ = h.len;
    if (h.type == static_cast<uint32_t>(MsgType::Error)) {
        // The errno name, kept apart: in_ is reused for whatever arrives next.
        size_t i = 0;
        for (; i < h.len && body[i] && i + 1 < sizeof err_; ++i) err_[i] = static_cast<char>(body[i]);
        err_[i] = '\0';
    }
}

const char* XsClient::request(MsgType type, uint32_t tx, const char* const* args, unsigned nargs,
                              const char* tail, size_t tail_len, char* out, size_t cap, size_t* len) {
    if (!page_ || broken_) return "EIO";
    size_t total = tail_len;
    for (unsigned i = 0; i < nargs; ++i) total += cstrlen(args[i]) + 1;
    if (total > xs::kPayloadMax) return "E2BIG";
    MsgHeader h{static_cast<uint32_t>(type), next_req_++, tx, static_cast<uint32_t>(total)};
    want_req_ = h.req_id;
    got_reply_ = false;
    started_ = timeout_ ? call(BH_CALL_TIME).r1 : 0;
    reply_out_ = out;
    reply_cap_ = cap;
    bool ok = send(&h, sizeof h);
    for (unsigned i = 0; ok && i < nargs; ++i) ok = send(args[i], cstrlen(args[i]) + 1);
    if (ok && tail_len) ok = send(tail, tail_len);
    bool late = false;
    while (ok && !got_reply_ && !late) {
        ok = pump();
        if (ok && !got_reply_) {
            late = timed_out();
            if (!late) remember(wait_any());
        }
    }
    reply_out_ = nullptr;
    if (late) return "ETIMEDOUT";
    if (!ok) return "EIO";
    if (len) *len = reply_len_;
    if (reply_type_ == static_cast<uint32_t>(MsgType::Error)) return err_;
    if (reply_type_ != static_cast<uint32_t>(type)) return "EIO";
    if (reply_len_ > cap && out) return "E2BIG";
    return nullptr;
}

const char* XsClient::read(uint32_t tx, const char* path, char* out, size_t cap, size_t* len) {
    size_t n = 0;
    const char* e = request(MsgType::Read, tx, &path, 1, nullptr, 0, out, cap ? cap - 1 : 0, &n);
    if (!e && cap) out[n] = '\0';
    if (len) *len = n;
    return e;
}

const char* XsClient::write(uint32_t tx, const char* path, const char* value) {
    return request(MsgType::Write, tx, &path, 1, value, cstrlen(value), nullptr, 0, nullptr);
}

const char* XsClient::mkdir(uint32_t tx, const char* path) {
    return request(MsgType::Mkdir, tx, &path, 1, nullptr, 0, nullptr, 0, nullptr);
}

const char* XsClient::rm(uint32_t tx, const char* path) {
    return request(MsgType::Rm, tx, &path, 1, nullptr, 0, nullptr, 0, nullptr);
}

const char* XsClient::directory(uint32_t tx, const char* path, char* out, size_t cap, size_t* len) {
    return request(MsgType::Directory, tx, &path, 1, nullptr, 0, out, cap, len);
}

const char* XsClient::set_perms(uint32_t tx, const char* path, const char* const* perms, unsigned n) {
    const char* args[8];
    if (n + 1 > sizeof args / sizeof args[0]) return "E2BIG";
    args[0] = path;
    for (unsigned i = 0; i < n; ++i) args[i + 1] = perms[i];
    return request(MsgType::SetPerms, tx, args, n + 1, nullptr, 0, nullptr, 0, nullptr);
}

const char* XsClient::watch(const char* path, const char* token) {
    const char* args[] = {path, token};
    return request(MsgType::Watch, 0, args, 2, nullptr, 0, nullptr, 0, nullptr);
}

const char* XsClient::unwatch(const char* path, const char* token) {
    const char* args[] = {path, token};
    return request(MsgType::Unwatch, 0, args, 2, nullptr, 0, nullptr, 0, nullptr);
}

const char* XsClient::transaction_start(uint32_t& tx) {
    char id[16];
    size_t n = 0;
    const char* empty = "";
    const char* e = request(MsgType::TransactionStart, 0, &empty, 1, nullptr, 0, id, sizeof id - 1, &n);
    if (e) return e;
    id[n < sizeof id ? n : sizeof id - 1] = '\0';
    tx = 0;
    for (size_t i = 0; id[i] >= '0' && id[i] <= '9'; ++i) tx = tx * 10 + static_cast<uint32_t>(id[i] - '0');
    return tx ? nullptr : "EIO";
}

const char* XsClient::transaction_end(uint32_t tx, bool commit) {
    const char* arg = commit ? "T" : "F";
    return request(MsgType::TransactionEnd, tx, &arg, 1, nullptr, 0, nullptr, 0, nullptr);
}

bool XsClient::next_watch(XsWatchEvent& ev) {
    if (!broken_ && page_) pump();
    if (!q_count_) return false;
    ev = queue_[q_head_];
    q_head_ = (q_head_ + 1) % kMaxQueued;
    --q_count_;
    return true;
}

void XsClient::wait_watch(XsWatchEvent& ev) {
    while (!next_watch(ev)) remember(wait_any());
}

bh_port_t XsClient::take_other() {
    for (unsigned w = 0; w < sizeof others_ / sizeof others_[0]; ++w) {
        if (!others_[w]) continue;
        unsigned b = static_cast<unsigned>(__builtin_ctzll(others_[w]));
        others_[w] &= others_[w] - 1;
        return static_cast<bh_port_t>(w * 64 + b);
    }
    return 0;
}

bh_port_t XsClient::wait_other() {
    for (;;) {
        if (bh_port_t p = take_other()) return p;
        bh_port_t p = wait_any();
        if (p != port_) return p;
        pump();
    }
}

}  // namespace bh::xenbus
