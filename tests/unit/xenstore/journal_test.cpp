// Journal deltas: a full record plus the deltas saved after it must replay to exactly the state
// the store had at the last delta — checked after every step of random traffic from several
// clients (writes, removals, watches, transactions, half-sent requests, unread replies,
// reconnections), against the store's own full record.
#include <map>
#include <random>

#include <catch2/catch.hpp>

#include "client.hpp"
#include "core/journal_marks.hpp"
#include "core/state_replay.hpp"

using namespace xstest;
using bh::xs::MsgType;
using bh::xs::XsErr;

namespace {

std::vector<uint8_t> to_vec(const bh::ds::Bytes& b) { return {b.bytes(), b.bytes() + b.size()}; }

std::vector<uint8_t> full_record(const Store& s) {
    bh::ds::Bytes b;
    REQUIRE(s.save(&b));
    return to_vec(b);
}

// What the system front end does: a full record now and then, a delta after every round.
class Journal {
public:
    void full(Store& s) {
        batches_.assign(1, full_record(s));
        mark(s);
    }
    void delta(Store& s) {
        bh::ds::Bytes b;
        bh::xs::state::BytesOut out(&b);
        bh::xs::DeltaScope scope = marks_.scope();
        REQUIRE(s.save(out, &scope));
        batches_.push_back(to_vec(b));
        mark(s);
    }
    size_t count() const { return batches_.size(); }
    // Replays the journal into a fresh store; its full record must equal the live one's.
    void check_against(const Store& live) const {
        std::vector<std::span<const uint8_t>> spans;
        for (const auto& b : batches_) spans.emplace_back(b.data(), b.size());
        bh::ds::Vec<bh::xs::state::RecordRef> recs;
        REQUIRE(bh::xs::state::replay({spans.data(), spans.size()}, &recs));
        Store restored;
        REQUIRE(restored.load({recs.data(), recs.size()}) == XsErr::Ok);
        REQUIRE(restored.check());
        REQUIRE(full_record(restored) == full_record(live));
    }
    std::vector<std::vector<uint8_t>>& batches() { return batches_; }

private:
    void mark(Store& s) { marks_.remember(s); }

    std::vector<std::vector<uint8_t>> batches_;
    bh::xs::JournalMarks marks_;
};

struct Guest {
    uint16_t domid;
    std::unique_ptr<Client> c;
    std::string half;  // the rest of a request sent only in part
    uint32_t tx = 0;
};

}  // namespace

TEST_CASE("Journal.RandomTrafficReplaysToTheLiveState") {
    std::mt19937 rng(GENERATE(1u, 2u, 3u, 4u));
    auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
    Store s;
    REQUIRE(s.init());
    Client tool(s, 0, true);
    std::vector<Guest> guests;
    for (uint16_t d = 1; d <= 3; ++d) {
        std::string home = "/local/domain/" + std::to_string(d);
        REQUIRE(ok(tool.op(MsgType::Mkdir, {home})));
        REQUIRE(ok(tool.op(MsgType::SetPerms, {home, "n" + std::to_string(d)})));
        guests.push_back({d, std::make_unique<Client>(s, d), "", 0});
    }
    Journal j;
    j.full(s);
    j.check_against(s);
    for (int step = 0; step < 400; ++step) {
        Guest& g = guests[pick(guests.size())];
        std::string key = "k" + std::to_string(pick(6)) + (pick(2) ? "/a" : "/b/c");
        if (!g.half.empty()) {  // a half-sent request is always finished first
            g.c->send_raw(g.half);
            g.half.clear();
        }
        switch (pick(12)) {
        case 0: case 1: case 2: (void)g.c->write(key, std::string(pick(300), 'v'), g.tx); break;
        case 3: (void)g.c->op(MsgType::Rm, {"k" + std::to_string(pick(6))}, g.tx); break;
        case 4: (void)g.c->op(MsgType::Watch, {key, "t" + std::to_string(pick(3))}); break;
        case 5: (void)g.c->op(MsgType::Unwatch, {key, "t" + std::to_string(pick(3))}); break;
        case 6:
            if (g.tx == 0) g.tx = g.c->start();
            else { (void)g.c->end(g.tx, pick(3) != 0); g.tx = 0; }
            break;
        case 7: {  // part of a request now, the rest on this guest's next turn
            std::string req = frame(MsgType::Write, key + '\0' + "half", 0, 900 + step);
            size_t cut = 1 + pick(req.size() - 1);
            g.c->send_raw(req.substr(0, cut));
            g.half = req.substr(cut);
            break;
        }
        case 8: {  // a reply left unread, then part of it read
            std::string req = frame(MsgType::Read, args({key}), 0, 700 + step);
            (void)s.receive(*g.c->conn, reinterpret_cast<const uint8_t*>(req.data()), req.size());
            g.c->conn->consume(pick(20));
            break;
        }
        case 9: (void)tool.write("/local/domain/" + std::to_string(g.domid) + "/" + key, "t"); break;
        case 10:  // the guest reconnects: a new connection, the old one's state gone
            s.disconnect(g.c->conn);
            g.c = std::make_unique<Client>(s, g.domid);
            g.half.clear();
            g.tx = 0;
            break;
        default: (void)g.c->op(MsgType::SetPerms, {key, "n" + std::to_string(g.domid), "r0"}); break;
        }
        if (pick(25) == 0) j.full(s);
        else j.delta(s);
        j.check_against(s);
    }
    CHECK(j.count() > 1);
}

TEST_CASE("Journal.DeltaCarriesOnlyWhatChanged") {
    Store s;
    REQUIRE(s.init());
    Client tool(s, 0, true);
    for (int i = 0; i < 200; ++i) REQUIRE(ok(tool.write("/big/n" + std::to_string(i), std::string(100, 'x'))));
    Journal j;
    j.full(s);
    REQUIRE(ok(tool.write("/big/n7", "changed")));
    j.delta(s);
    // The delta holds the one changed node and the one connection, not the 200 nodes.
    CHECK(j.batches().back().size() < 600);
    CHECK(j.batches().front().size() > 200 * 100);
    j.check_against(s);
    // Removing a subtree shows only as its parent's new child list, and replays as removed.
    REQUIRE(ok(tool.op(MsgType::Rm, {"/big"})));
    j.delta(s);
    j.check_against(s);
    // More changes in one round than the tree's touched list keeps: the delta scans instead.
    for (int i = 0; i < 300; ++i) REQUIRE(ok(tool.write("/many/n" + std::to_string(i), "v")));
    CHECK(!s.tree().touched_complete());
    j.delta(s);
    j.check_against(s);
    CHECK(s.tree().touched_complete());
}

TEST_CASE("Journal.MalformedJournalsAreRefused") {
    Store s;
    REQUIRE(s.init());
    Client tool(s, 0, true);
    REQUIRE(ok(tool.write("/a", "1")));
    Journal j;
    j.full(s);
    REQUIRE(ok(tool.write("/b", "2")));
    j.delta(s);
    std::vector<std::span<const uint8_t>> spans;
    auto replay = [&] {
        spans.clear();
        for (const auto& b : j.batches()) spans.emplace_back(b.data(), b.size());
        bh::ds::Vec<bh::xs::state::RecordRef> recs;
        return bh::xs::state::replay({spans.data(), spans.size()}, &recs);
    };
    REQUIRE(replay());
    SECTION("a delta first") { std::swap(j.batches()[0], j.batches()[1]); CHECK(!replay()); }
    SECTION("a full record as a delta") { j.batches()[1] = j.batches()[0]; CHECK(!replay()); }
    SECTION("truncated") { j.batches()[1].resize(j.batches()[1].size() - 8); CHECK(!replay()); }
    SECTION("every single-byte corruption is refused or loads a checked store") {
        auto good = j.batches()[1];
        for (size_t i = 0; i < good.size(); ++i) {
            j.batches()[1] = good;
            j.batches()[1][i] ^= 0x5a;
            spans.clear();
            for (const auto& b : j.batches()) spans.emplace_back(b.data(), b.size());
            bh::ds::Vec<bh::xs::state::RecordRef> recs;
            if (!bh::xs::state::replay({spans.data(), spans.size()}, &recs)) continue;
            Store t;
            if (t.load({recs.data(), recs.size()}) == XsErr::Ok) CHECK(t.check());
        }
    }
}
