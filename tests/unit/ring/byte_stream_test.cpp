// Byte-stream rings (xenstore, console): round trips across the wrap, partial writes when full,
// hostile indexes reported without moving a byte.
#include <string.h>

#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "bh/ring/console_ring_page.hpp"
#include "bh/ring/xs_ring_page.hpp"

using namespace bh::ring;

TEST_CASE("XsRing.BytesRoundTripInOrderAcrossTheWrap") {
    auto* page = new XsRingPage{};
    XsStream req = xs_requests(*page);
    std::mt19937 rng(4);
    std::vector<uint8_t> sent, got;
    for (int i = 0; i < 2000; ++i) {
        uint8_t buf[700];
        uint32_t n = rng() % sizeof buf;
        for (uint32_t k = 0; k < n; ++k) buf[k] = static_cast<uint8_t>(rng());
        StreamResult w = req.write(buf, n);
        REQUIRE(w.error == RingError::None);
        sent.insert(sent.end(), buf, buf + w.bytes);
        uint8_t out[700];
        StreamResult r = req.read(out, static_cast<uint32_t>(rng() % sizeof out));
        REQUIRE(r.error == RingError::None);
        got.insert(got.end(), out, out + r.bytes);
        CHECK(req.unread() <= kXsRingSize);
    }
    uint8_t rest[kXsRingSize];
    StreamResult r = req.read(rest, sizeof rest);
    got.insert(got.end(), rest, rest + r.bytes);
    CHECK(got == sent);
    CHECK(page->req_prod > kXsRingSize);  // the indexes did wrap the buffer
    delete page;
}

TEST_CASE("XsRing.WriteStopsAtCapacity") {
    auto* page = new XsRingPage{};
    XsStream rsp = xs_responses(*page);
    static uint8_t big[3000];
    StreamResult w = rsp.write(big, sizeof big);
    CHECK(w.bytes == kXsRingSize);
    CHECK(rsp.write(big, 1).bytes == 0);
    uint8_t out[10];
    CHECK(rsp.read(out, 10).bytes == 10);
    CHECK(rsp.write(big, 100).bytes == 10);
    delete page;
}

TEST_CASE("XsRing.IndexesClaimingMoreThan1024BytesAreReported") {
    auto* page = new XsRingPage{};
    XsStream req = xs_requests(*page);
    std::mt19937 rng(5);
    for (int i = 0; i < 10000; ++i) {
        page->req_cons = rng();
        page->req_prod = (i % 2) ? page->req_cons + rng() % 1100 : static_cast<RingIndex>(rng());
        RingIndex before_cons = page->req_cons, before_prod = page->req_prod;
        bool valid = page->req_prod - page->req_cons <= kXsRingSize;
        uint8_t out[kXsRingSize];
        StreamResult r = req.read(out, sizeof out);
        if (valid) {
            CHECK(r.error == RingError::None);
            CHECK(r.bytes == before_prod - before_cons);
        } else {
            CHECK(r.error == RingError::StreamIndex);
            CHECK(r.bytes == 0);
            CHECK(page->req_cons == before_cons);
            StreamResult w = req.write(out, 1);
            CHECK(w.error == RingError::StreamIndex);
            CHECK(page->req_prod == before_prod);
        }
    }
    req.reset();
    CHECK(page->req_cons == 0);
    CHECK(page->req_prod == 0);
    delete page;
}

TEST_CASE("ConsoleRing.OutputAndInputUseTheirOwnSizes") {
    auto* page = new ConsoleRingPage{};
    static uint8_t big[4096];
    memset(big, 'x', sizeof big);
    CHECK(console_output(*page).write(big, sizeof big).bytes == kConsoleOutSize);
    CHECK(console_input(*page).write(big, sizeof big).bytes == kConsoleInSize);
    CHECK(page->out_prod == kConsoleOutSize);
    CHECK(page->in_prod == kConsoleInSize);
    uint8_t out[16];
    StreamResult r = console_output(*page).read(out, sizeof out);
    CHECK(r.bytes == 16);
    CHECK(out[0] == 'x');
    CHECK(page->out_cons == 16);
    delete page;
}
