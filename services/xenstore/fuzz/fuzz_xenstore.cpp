// libFuzzer harness: arbitrary bytes drive three connections (one privileged) of one Store —
// raw chunks into the parser, generated requests (transactions included), partial drains and
// state save/restore round trips. After every step the store must hold its invariants, and the
// journal (a full record, then a delta per step) must replay to exactly the live store.
#include <stddef.h>
#include <stdint.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/journal_marks.hpp"
#include "core/state_replay.hpp"
#include "core/store.hpp"

using namespace bh::xs;

namespace {

// Reads the fuzz input front to back; running out yields zeros.
struct Input {
    const uint8_t* p;
    size_t n;
    uint8_t byte() { return n > 0 ? (n--, *p++) : 0; }
    bool empty() const { return n == 0; }
};

constexpr const char* kPaths[] = {"/a",     "/a/b",     "/a/b/c", "/local/domain/5/x", "x", "x/y",
                                  "@releaseDomain", "/", "/a/b/c/d/e/f", "/local/domain/6",
                                  "bad//path", "@introduceDomain"};
constexpr uint32_t kTypes[] = {2, 11, 12, 13, 1, 22, 3, 14, 4, 5, 6, 7, 21, 8, 9, 10, 17, 23, 25};

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}

struct Harness {
    std::unique_ptr<Store> store;
    uint32_t ids[3] = {};
    static constexpr uint16_t kDom[3] = {0, 5, 6};

    Harness() : store(std::make_unique<Store>(small_limits())) {
        check(store->init(), "init");
        for (int i = 0; i < 3; i++) reconnect(i);
        feed(0, msg(12, 0, std::string("/local/domain/5") + '\0'));
        feed(0, msg(14, 0, std::string("/local/domain/5\0n5", 18)));
        feed(0, msg(12, 0, std::string("/local/domain/6") + '\0'));
        feed(0, msg(14, 0, std::string("/local/domain/6\0n6\0r5\0", 22)));
        journal_full();
    }

    // The system front end's journal (services/xenstore/system/state_area.cpp), in memory.
    std::vector<std::string> journal;
    JournalMarks marks;
    void journal_mark() { marks.remember(*store); }
    void journal_full() {
        bh::ds::Bytes b;
        check(store->save(&b), "journal full save");
        journal.assign(1, std::string(b.view()));
        journal_mark();
    }
    void journal_delta() {
        bh::ds::Bytes b;
        state::BytesOut out(&b);
        DeltaScope scope = marks.scope();
        check(store->save(out, &scope), "journal delta save");
        journal.emplace_back(b.view());
        journal_mark();
    }
    void journal_check() {
        std::vector<std::span<const uint8_t>> spans;
        for (const std::string& j : journal)
            spans.emplace_back(reinterpret_cast<const uint8_t*>(j.data()), j.size());
        bh::ds::Vec<state::RecordRef> recs;
        check(state::replay({spans.data(), spans.size()}, &recs), "journal replays");
        Store replayed;
        check(replayed.load({recs.data(), recs.size()}) == XsErr::Ok, "replayed journal loads");
        bh::ds::Bytes a, b;
        check(store->save(&a) && replayed.save(&b), "save both");
        check(a.view() == b.view(), "the journal replays to the live store");
    }

    static Limits small_limits() {
        Limits l;
        l.nodes = 30;
        l.watches = 8;
        l.transactions = 3;
        l.tx_nodes = 64;
        l.node_size = 64;
        l.out_backlog = 2048;
        l.event_backlog = 4096;
        l.memory = 6000;  // reached within a few steps, so the refusals are exercised too
        return l;
    }

    Connection* conn(int i) { return store->find_connection(ids[i]); }
    void reconnect(int i) {
        Connection* c = store->connect(kDom[i], i == 0);
        check(c != nullptr, "connect");
        ids[i] = c->id();
    }

    static std::string msg(uint32_t type, uint32_t tx, const std::string& payload) {
        MsgHeader h{type, 1, tx, static_cast<uint32_t>(payload.size())};
        return std::string(reinterpret_cast<const char*>(&h), sizeof(h)) + payload;
    }

    void feed(int i, const std::string& bytes) {
        Connection* c = conn(i);
        size_t off = 0;
        while (off < bytes.size() && !c->broken()) {
            size_t took = store->receive(*c, reinterpret_cast<const uint8_t*>(bytes.data()) + off,
                                         bytes.size() - off);
            off += took;
            if (took == 0) c->consume(c->pending_size());  // back-pressure: read the replies
        }
        if (c->broken()) {
            store->disconnect(c);
            reconnect(i);
        }
    }

    std::string request(Input& in, int i) {
        uint32_t type = kTypes[in.byte() % (sizeof(kTypes) / sizeof(kTypes[0]))];
        std::string path = kPaths[in.byte() % (sizeof(kPaths) / sizeof(kPaths[0]))];
        uint32_t tx = 0;
        const auto& txs = conn(i)->transactions();
        uint8_t t = in.byte();
        if (t % 4 != 0 && !txs.empty()) tx = txs[t % txs.size()]->id();
        if (t == 0xff) tx = 12345;
        std::string value(in.byte() % 80, 'v');
        std::string p;
        switch (type) {
        case 11: p = path + '\0' + value; break;
        case 14: p = path + '\0' + (in.byte() & 1 ? "n5" : "b0") + '\0' + "r6" + '\0'; break;
        case 4:
        case 5: p = path + '\0' + "tok" + char('0' + in.byte() % 4) + '\0'; break;
        case 6: p = std::string(1, '\0'); break;
        case 7: p = std::string(in.byte() & 1 ? "T" : "F") + '\0'; break;
        case 22: p = path + '\0' + std::to_string(in.byte() * 3) + '\0'; break;
        case 8: p = std::to_string(in.byte() % 8) + '\0' + "1" + '\0' + "2" + '\0'; break;
        case 9:
        case 10:
        case 17: p = std::to_string(in.byte() % 8) + '\0'; break;
        default: p = path + '\0'; break;
        }
        return msg(type, tx, p);
    }

    void round_trip() {
        bh::ds::Bytes a, b;
        check(store->save(&a), "save");
        auto fresh = std::make_unique<Store>();
        check(fresh->load({a.bytes(), a.size()}) == XsErr::Ok, "load of a saved record");
        check(fresh->save(&b), "save again");
        check(a.view() == b.view(), "save/load/save is identical");
        store = std::move(fresh);
        for (int i = 0; i < 3; i++) check(conn(i) != nullptr, "connections survive");
    }

    void step(Input& in) {
        uint8_t op = in.byte();
        int i = op % 3;
        switch ((op >> 2) % 6) {
        case 0: {  // raw bytes straight into the parser
            size_t n = 1 + in.byte() % 64;
            std::string raw;
            for (size_t k = 0; k < n && !in.empty(); k++) raw += char(in.byte());
            feed(i, raw);
            break;
        }
        case 1:
        case 2: {  // a well-formed request, fed in random-sized chunks
            std::string m = request(in, i);
            size_t chunk = 1 + in.byte() % 32;
            for (size_t off = 0; off < m.size(); off += chunk) feed(i, m.substr(off, chunk));
            break;
        }
        case 3: {  // the front end drains part of the output
            Connection* c = conn(i);
            c->consume(in.byte() * 16u);
            break;
        }
        case 4:
            round_trip();
            journal_full();  // as the system does after a restore
            break;
        case 5: {  // a corrupted record must be refused or give a sound store
            bh::ds::Bytes a;
            check(store->save(&a), "save");
            if (a.size() > 0) a.data()[(in.byte() * 131u + in.byte()) % a.size()] ^= char(in.byte() | 1);
            Store other;
            if (other.load({a.bytes(), a.size()}) == XsErr::Ok) check(other.check(), "corrupt load");
            break;
        }
        }
        check(store->check(), "tree and quota counts");
        journal_delta();
        if (journal.size() % 8 == 0) journal_check();
        check(store->quota().count(5) <= 30 && store->quota().count(6) <= 30, "node quota");
        // A transaction nobody has conflicted with always has a consistent view, so the
        // commit-time consistency check never turns into endless EAGAINs.
        for (int k = 0; k < 3; k++) {
            for (Transaction* t : conn(k)->transactions()) {
                bool clean = !t->failed();
                for (const TxNode& n : t->nodes()) {
                    const Node* cur = store->tree().find(n.path.view());
                    clean = clean && (cur != nullptr ? cur->gen : 0) == n.base_gen;
                }
                if (clean) check(t->consistent(store->tree()), "unconflicted transaction is consistent");
            }
        }
        for (int k = 1; k < 3; k++) {
            check(conn(k)->watches().size() <= 8, "watch quota");
            check(conn(k)->transactions().size() <= 3, "transaction quota");
        }
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Harness h;
    Input in{data, size};
    for (int steps = 0; steps < 400 && !in.empty(); steps++) h.step(in);
    h.journal_check();
    return 0;
}
