// The system store's state area (services/xenstore/system/state_area.*) on the host, over a
// buffer: every save restores to the live state and its ring indexes; a batch cut short by a
// kill, or a compaction cut short, restores the state before it, never a mix.
#include <cstdarg>
#include <cstring>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "client.hpp"
#include "state_area.hpp"

// The service runtime's console, which the area logs to; silent here.
namespace bh::rt {
void print(const char*, ...) {}
const char* error_name(uint64_t) { return "?"; }
}  // namespace bh::rt

using namespace xstest;
using bh::xs::MsgType;

namespace {

std::vector<uint8_t> full_record(const Store& s) {
    bh::ds::Bytes b;
    REQUIRE(s.save(&b));
    return {b.bytes(), b.bytes() + b.size()};
}

struct Saved {
    std::vector<uint8_t> record;
    std::vector<xsd::LinkRecord> links;
};

// What a restart would find in `mem`, or an empty record if nothing valid.
Saved restore(std::vector<uint8_t> mem) {
    xsd::StateArea area;
    REQUIRE(area.attach(mem.data(), mem.size()));
    Store s;
    xsd::LinkRecord links[xsd::kMaxLinks];
    uint32_t n = 0;
    if (!area.load(s, links, &n)) return {};
    REQUIRE(s.check());
    return {full_record(s), std::vector<xsd::LinkRecord>(links, links + n)};
}

bool same_links(const std::vector<xsd::LinkRecord>& a, const std::vector<xsd::LinkRecord>& b) {
    return a.size() == b.size() &&
           std::memcmp(a.data(), b.data(), a.size() * sizeof(xsd::LinkRecord)) == 0;
}

// A store with some clients, driven one random request per round.
struct World {
    std::mt19937 rng{7};
    Store s;
    std::unique_ptr<Client> tool, guest;
    std::vector<xsd::LinkRecord> links{{0, 1, 5, 0, 0}, {3, 0, 9, 0, 0}};
    World() {
        REQUIRE(s.init());
        tool = std::make_unique<Client>(s, 0, true);
        REQUIRE(ok(tool->op(MsgType::Mkdir, {"/local/domain/3"})));
        REQUIRE(ok(tool->op(MsgType::SetPerms, {"/local/domain/3", "n3"})));
        guest = std::make_unique<Client>(s, 3);
    }
    void round() {
        std::string key = "k" + std::to_string(rng() % 40);
        switch (rng() % 4) {
        case 0: (void)guest->op(MsgType::Rm, {key}); break;
        case 1: (void)guest->op(MsgType::Watch, {key, "t"}); break;
        default: (void)guest->write(key, std::string(rng() % 700, 'v')); break;
        }
        for (auto& l : links) l.req_cons += rng() % 50, l.rsp_prod += rng() % 50;
    }
};

}  // namespace

TEST_CASE("StateArea.EverySaveRestoresThroughCompactions") {
    std::vector<uint8_t> mem(2 * 96 * 1024);  // small regions: compactions every few dozen rounds
    xsd::StateArea area;
    REQUIRE(area.attach(mem.data(), mem.size()));
    World w;
    for (int round = 0; round < 300; ++round) {
        w.round();
        REQUIRE(area.save(w.s, {w.links.data(), w.links.size()}));
        Saved got = restore(mem);
        REQUIRE(got.record == full_record(w.s));
        REQUIRE(same_links(got.links, w.links));
    }
}

TEST_CASE("StateArea.ACutShortSaveRestoresOneStateOrTheOther") {
    std::vector<uint8_t> mem(2 * 96 * 1024);
    xsd::StateArea area;
    REQUIRE(area.attach(mem.data(), mem.size()));
    World w;
    int olds = 0, news = 0;
    for (int round = 0; round < 200; ++round) {
        Saved before{full_record(w.s), w.links};
        std::vector<uint8_t> mem_before = mem;
        w.round();
        REQUIRE(area.save(w.s, {w.links.data(), w.links.size()}));
        // A kill mid-write leaves part of the new bytes written: find what changed and keep a
        // prefix of it (memory order; the real writes put the checksum and magic last, which
        // this does not even need).
        size_t first = 0, last = mem.size();
        while (first < mem.size() && mem[first] == mem_before[first]) ++first;
        while (last > first && mem[last - 1] == mem_before[last - 1]) --last;
        REQUIRE(first < last);
        for (size_t keep : {(last - first) / 4, (last - first) / 2, (last - first) * 3 / 4,
                            last - first - 1}) {
            std::vector<uint8_t> torn = mem_before;
            std::copy(mem.begin() + first, mem.begin() + first + keep, torn.begin() + first);
            Saved got = restore(torn);
            // The state before, or — when the part written already held the whole new record
            // (a compaction completes before the delta that failed to fit is abandoned) — the
            // state after; each with its own ring indexes, never a mix.
            INFO("round " << round << ", changed bytes " << first << ".." << last << ", kept " << keep);
            if (round == 0 && got.record.empty()) {
                ++olds;  // nothing saved before the first record
            } else if (got.record == before.record && same_links(got.links, before.links)) {
                ++olds;
            } else {
                REQUIRE(got.record == full_record(w.s));
                REQUIRE(same_links(got.links, w.links));
                ++news;
            }
        }
    }
    CHECK(olds > 10 * news);  // mostly the interesting case: the cut batch is ignored
}
