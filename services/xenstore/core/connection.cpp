// Connection: one client's byte streams — an incremental request parser and a reply queue.
#include "core/connection.hpp"

#include "bh/ds/alloc.hpp"

namespace bh::xs {

Connection::~Connection() { clear_watches_and_transactions(); }

size_t Connection::absorb(const uint8_t* data, size_t n) {
    if (n > 0) changes_++;
    size_t taken = 0;
    while (taken < n && !broken_ && !message_ready()) {
        size_t want;
        if (in_used_ < sizeof(MsgHeader)) {
            want = sizeof(MsgHeader) - in_used_;
        } else {
            want = sizeof(MsgHeader) + hdr_.len - in_used_;
        }
        if (want > n - taken) want = n - taken;
        __builtin_memcpy(in_ + in_used_, data + taken, want);
        in_used_ += want;
        taken += want;
        if (in_used_ == sizeof(MsgHeader)) {
            __builtin_memcpy(&hdr_, in_, sizeof(hdr_));
            // A longer payload than the protocol allows: this client is out of sync for good.
            if (hdr_.len > kPayloadMax) broken_ = true;
        }
    }
    return taken;
}

bool Connection::message_ready() const {
    return in_used_ >= sizeof(MsgHeader) && !broken_ &&
           in_used_ == sizeof(MsgHeader) + hdr_.len;
}

std::string_view Connection::payload() const {
    return {reinterpret_cast<const char*>(in_) + sizeof(MsgHeader), hdr_.len};
}

std::span<const uint8_t> Connection::pending() const {
    return {out_.bytes() + out_off_, out_.size() - out_off_};
}

void Connection::consume(size_t n) {
    if (n > pending_size()) n = pending_size();
    if (n > 0) changes_++;
    out_off_ += n;
    if (out_off_ == out_.size()) {
        out_.clear();
        out_off_ = 0;
    } else if (out_off_ >= 4096 && out_off_ * 2 >= out_.size()) {
        out_.erase(0, out_off_);  // keep the queue from creeping forward forever
        out_off_ = 0;
    }
}

bool Connection::queue(MsgType type, uint32_t req_id, uint32_t tx_id, std::string_view a,
                       std::string_view b, std::string_view c, std::string_view d) {
    size_t len = a.size() + b.size() + c.size() + d.size();
    MsgHeader h{static_cast<uint32_t>(type), req_id, tx_id, static_cast<uint32_t>(len)};
    size_t old = out_.size();
    if (!out_.grow_for(old + sizeof(h) + len)) return false;
    changes_++;
    // Cannot fail after the reserve.
    (void)out_.append(&h, sizeof(h));
    (void)out_.append(a);
    (void)out_.append(b);
    (void)out_.append(c);
    (void)out_.append(d);
    return true;
}

bool Connection::queue_raw(std::span<const uint8_t> bytes) {
    changes_++;
    return out_.append(bytes.data(), bytes.size());
}

Transaction* Connection::find_transaction(uint32_t id) const {
    for (Transaction* t : txs_)
        if (t->id() == id) return t;
    return nullptr;
}

void Connection::end_transaction(Transaction* t) {
    for (size_t i = 0; i < txs_.size(); i++) {
        if (txs_[i] == t) {
            note_tx_change();
            txs_.erase(i);
            ds::destroy(t);
            return;
        }
    }
}

void Connection::clear_watches_and_transactions() {
    note_watch_rewrite();
    note_tx_change();
    watches_.clear();
    for (Transaction* t : txs_) ds::destroy(t);
    txs_.clear();
}

}  // namespace bh::xs
