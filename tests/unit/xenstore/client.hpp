// Test client: speaks the wire protocol to a Store through a Connection, as a front end would.
#pragma once

#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/store.hpp"

namespace xstest {

using bh::xs::Connection;
using bh::xs::MsgHeader;
using bh::xs::MsgType;
using bh::xs::Store;

struct Msg {
    uint32_t type = 0;
    uint32_t req_id = 0;
    uint32_t tx_id = 0;
    std::string body;
    bool is_error(const char* name) const {
        return type == uint32_t(MsgType::Error) && body == std::string(name) + '\0';
    }
};

// "a", "b" → "a\0b\0"
inline std::string args(std::initializer_list<std::string> parts) {
    std::string s;
    for (const std::string& p : parts) {
        s += p;
        s += '\0';
    }
    return s;
}

inline std::string frame(MsgType type, const std::string& payload, uint32_t tx = 0,
                         uint32_t req = 7) {
    MsgHeader h{uint32_t(type), req, tx, uint32_t(payload.size())};
    std::string s(reinterpret_cast<const char*>(&h), sizeof(h));
    return s + payload;
}

// Parses whole messages from a byte stream.
inline std::vector<Msg> parse(const std::string& bytes) {
    std::vector<Msg> out;
    size_t off = 0;
    while (off + sizeof(MsgHeader) <= bytes.size()) {
        MsgHeader h;
        std::memcpy(&h, bytes.data() + off, sizeof(h));
        if (off + sizeof(h) + h.len > bytes.size()) break;
        out.push_back({h.type, h.req_id, h.tx_id, bytes.substr(off + sizeof(h), h.len)});
        off += sizeof(h) + h.len;
    }
    return out;
}

class Client {
public:
    Client(Store& s, uint16_t domid, bool privileged = false) : store_(s) {
        conn = s.connect(domid, privileged);
    }

    // Sends raw bytes in chunks of `chunk` bytes (0: all at once).
    void send_raw(const std::string& bytes, size_t chunk = 0) {
        size_t off = 0;
        while (off < bytes.size()) {
            size_t n = chunk == 0 ? bytes.size() - off : std::min(chunk, bytes.size() - off);
            size_t took = store_.receive(*conn, reinterpret_cast<const uint8_t*>(bytes.data()) + off, n);
            off += took;
            if (took < n) {
                if (conn->broken()) return;
                pump();  // back-pressure: read replies, then offer the rest again
            }
        }
    }

    // Takes everything queued for this client, `chunk` bytes at a time (0: all).
    void pump(size_t chunk = 0) {
        while (conn->pending_size() > 0) {
            auto p = conn->pending();
            size_t n = chunk == 0 ? p.size() : std::min(chunk, p.size());
            inbox_.append(reinterpret_cast<const char*>(p.data()), n);
            conn->consume(n);
        }
        size_t used = 0;
        for (Msg& m : parse(inbox_)) {
            used += sizeof(MsgHeader) + m.body.size();
            if (m.type == uint32_t(MsgType::WatchEvent))
                events.push_back(m);
            else
                replies.push_back(m);
        }
        inbox_.erase(0, used);
    }

    Msg request(MsgType type, const std::string& payload, uint32_t tx = 0) {
        replies.clear();
        send_raw(frame(type, payload, tx));
        pump();
        return replies.empty() ? Msg{0xffffffff, 0, 0, "<no reply>"} : replies.front();
    }

    std::string read(const std::string& path, uint32_t tx = 0) {
        Msg m = request(MsgType::Read, args({path}), tx);
        return m.type == uint32_t(MsgType::Read) ? m.body : "!" + m.body;
    }
    Msg write(const std::string& path, const std::string& value, uint32_t tx = 0) {
        return request(MsgType::Write, path + '\0' + value, tx);
    }
    Msg op(MsgType type, std::initializer_list<std::string> a, uint32_t tx = 0) {
        return request(type, args(a), tx);
    }
    uint32_t start() {
        Msg m = request(MsgType::TransactionStart, std::string(1, '\0'));
        return m.type == uint32_t(MsgType::TransactionStart) ? uint32_t(std::stoul(m.body)) : 0;
    }
    Msg end(uint32_t tx, bool commit) { return op(MsgType::TransactionEnd, {commit ? "T" : "F"}, tx); }
    // Watch events received so far as "path|token", then forgotten.
    std::vector<std::string> take_events() {
        pump();
        std::vector<std::string> out;
        for (const Msg& m : events) {
            std::string path = m.body.substr(0, m.body.find('\0'));
            std::string token = m.body.substr(path.size() + 1);
            if (!token.empty() && token.back() == '\0') token.pop_back();
            out.push_back(path + "|" + token);
        }
        events.clear();
        return out;
    }

    Connection* conn;
    std::vector<Msg> replies;
    std::vector<Msg> events;

private:
    Store& store_;
    std::string inbox_;
};

inline bool ok(const Msg& m) { return m.body == std::string("OK\0", 3); }

// A freshly initialised store for each test case.
struct Fixture {
    Store store;
    Fixture() { REQUIRE(store.init()); }
};

}  // namespace xstest
