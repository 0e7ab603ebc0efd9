// libs/blkif: the protocol against libxen-dev's xen/io/blkif.h, and the request checks a
// backend makes, rule by rule and on random requests.
#include <cstring>
#include <random>

#include <catch2/catch.hpp>

extern "C" {
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>
}

#include "bh/blkif/protocol.hpp"
#include "bh/blkif/request_check.hpp"

using namespace bh::blkif;

TEST_CASE("Blkif.LayoutMatchesXen") {
    CHECK(sizeof(Request64) == sizeof(blkif_request_t));
    CHECK(offsetof(Request64, operation) == offsetof(blkif_request_t, operation));
    CHECK(offsetof(Request64, nr_segments) == offsetof(blkif_request_t, nr_segments));
    CHECK(offsetof(Request64, handle) == offsetof(blkif_request_t, handle));
    CHECK(offsetof(Request64, id) == offsetof(blkif_request_t, id));
    CHECK(offsetof(Request64, sector_number) == offsetof(blkif_request_t, sector_number));
    CHECK(offsetof(Request64, seg) == offsetof(blkif_request_t, seg));
    CHECK(sizeof(Indirect64) == sizeof(blkif_request_indirect_t));
    CHECK(offsetof(Indirect64, indirect_op) == offsetof(blkif_request_indirect_t, indirect_op));
    CHECK(offsetof(Indirect64, nr_segments) == offsetof(blkif_request_indirect_t, nr_segments));
    CHECK(offsetof(Indirect64, id) == offsetof(blkif_request_indirect_t, id));
    CHECK(offsetof(Indirect64, sector_number) == offsetof(blkif_request_indirect_t, sector_number));
    CHECK(offsetof(Indirect64, handle) == offsetof(blkif_request_indirect_t, handle));
    CHECK(offsetof(Indirect64, indirect_grefs) == offsetof(blkif_request_indirect_t, indirect_grefs));
    CHECK(kMaxIndirectPages == BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
    CHECK(kSegmentsPerIndirectPage == 4096 / sizeof(struct blkif_request_segment));
    CHECK(sizeof(Segment) == sizeof(struct blkif_request_segment));
    CHECK(offsetof(Segment, first_sect) == offsetof(struct blkif_request_segment, first_sect));
    CHECK(offsetof(Segment, last_sect) == offsetof(struct blkif_request_segment, last_sect));
    CHECK(sizeof(Response64) == sizeof(blkif_response_t));
    CHECK(offsetof(Response64, operation) == offsetof(blkif_response_t, operation));
    CHECK(offsetof(Response64, status) == offsetof(blkif_response_t, status));
    CHECK(offsetof(Request64, seg) == offsetof(struct blkif_request_discard, nr_sectors));
    CHECK(Ring64::kSize == __CONST_RING_SIZE(blkif, 4096));
    // x86_32: the same fields with 4-byte alignment of 64-bit ones (Linux's xen-blkback
    // common.h, blkif_x86_32_request): 108-byte requests, 12-byte responses, 32 slots a page.
    CHECK(Ring32::kSize == 32);
    CHECK(sizeof(Ring32::Entry) == 108);
    const uint8_t ops[] = {kOpRead, kOpWrite, kOpWriteBarrier, kOpFlush, kOpDiscard, kOpIndirect};
    const uint8_t xen_ops[] = {BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE,
                               BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT};
    for (int i = 0; i < 6; ++i) CHECK(ops[i] == xen_ops[i]);
    CHECK(kRspOkay == BLKIF_RSP_OKAY);
    CHECK(kRspError == BLKIF_RSP_ERROR);
    CHECK(kRspNotSupported == BLKIF_RSP_EOPNOTSUPP);
    CHECK(kMaxSegments == BLKIF_MAX_SEGMENTS_PER_REQUEST);
    CHECK(static_cast<int>(bh::blkif::XenbusState::Connected) == XenbusStateConnected);
    CHECK(static_cast<int>(bh::blkif::XenbusState::Reconfigured) == XenbusStateReconfigured);
    CHECK(kInfoReadOnly == VDISK_READONLY);
}

TEST_CASE("Blkif.X86_32RequestsDecodeLikeNativeOnes") {
    Request32 r32{};
    r32.operation = kOpWrite;
    r32.nr_segments = 2;
    r32.handle = 51712;
    r32.id = 0x1122334455667788;
    r32.sector_number = 4096;
    r32.seg[1] = Segment{77, 1, 6, 0};
    uint8_t raw[108];
    std::memcpy(raw, &r32, sizeof raw);
    CHECK(raw[4] == 0x88);   // id right after handle, no padding
    CHECK(raw[12] == 0x00);  // sector_number at 12
    CHECK(raw[13] == 0x10);
    static Request q;
    decode(r32, q);
    CHECK(q.id == 0x1122334455667788);
    CHECK(q.sector_number == 4096);
    CHECK(q.seg[1].gref == 77);
    CHECK(q.seg[1].last_sect == 6);
    auto rsp = encode_response<Response32>(q.id, q.operation, kRspError);
    std::memcpy(raw, &rsp, sizeof rsp);
    CHECK(raw[8] == kOpWrite);
    CHECK(static_cast<int8_t>(raw[10]) == -1);
}

namespace {
Request rw(uint8_t op, uint64_t sector, uint8_t nseg, uint8_t first = 0, uint8_t last = 7) {
    Request r{};
    r.operation = op;
    r.sector_number = sector;
    r.nr_segments = nseg;
    for (uint32_t i = 0; i < kMaxSegments; ++i) r.seg[i] = Segment{i + 10, first, last, 0};
    return r;
}
}  // namespace

TEST_CASE("Blkif.RequestChecks") {
    DiskLimits d{1000, false, true, false};
    CHECK(check_request(rw(kOpRead, 0, 1), d).status == kRspOkay);
    CHECK(check_request(rw(kOpRead, 0, 1), d).sectors == 8);
    CHECK(check_request(rw(kOpWrite, 1000 - 88, 11), d).sectors == 88);   // up to the last sector
    CHECK(check_request(rw(kOpWrite, 1000 - 87, 11), d).status == kRspError);  // one past it
    CHECK(check_request(rw(kOpRead, ~0ull - 3, 1), d).status == kRspError);    // wraps
    CHECK(check_request(rw(kOpRead, 0, 0), d).status == kRspError);
    CHECK(check_request(rw(kOpRead, 0, 12), d).status == kRspError);
    CHECK(check_request(rw(kOpRead, 0, 1, 3, 2), d).status == kRspError);  // last before first
    CHECK(check_request(rw(kOpRead, 0, 1, 0, 8), d).status == kRspError);  // past the page
    CHECK(check_request(rw(kOpRead, 0, 2, 7, 7), d).sectors == 2);
    CHECK(check_request(rw(kOpFlush, 0, 0), d).status == kRspOkay);
    CHECK(check_request(rw(kOpIndirect, 0, 1), d).status == kRspNotSupported);
    CHECK(check_indirect(rw(kOpIndirect, 0, 1), d).status == kRspNotSupported);
    CHECK(check_request(rw(9, 0, 1), d).status == kRspNotSupported);
    Request disc = rw(kOpDiscard, 100, 0);
    disc.discard_sectors = 50;
    CHECK(check_request(disc, d).status == kRspNotSupported);
    DiskLimits ro{1000, true, false, true};
    CHECK(check_request(rw(kOpWrite, 0, 1), ro).status == kRspError);
    CHECK(check_request(rw(kOpRead, 0, 1), ro).status == kRspOkay);
    CHECK(check_request(rw(kOpFlush, 0, 0), ro).status == kRspNotSupported);
    CHECK(check_request(disc, ro).status == kRspError);
    DiskLimits dd{1000, false, true, true};
    CHECK(check_request(disc, dd).sectors == 50);
    disc.discard_sectors = 901;
    CHECK(check_request(disc, dd).status == kRspError);
}

TEST_CASE("Blkif.IndirectRequests") {
    DiskLimits d{1 << 20, false, true, false, kMaxIndirectSegments};
    Request64 raw{};
    Indirect64 ind{};
    ind.operation = kOpIndirect;
    ind.indirect_op = kOpWrite;
    ind.nr_segments = 20;
    ind.id = 0x55;
    ind.sector_number = 64;
    ind.indirect_grefs[0] = 123;
    std::memcpy(&raw, &ind, sizeof ind);
    static Request r;
    decode(raw, r);
    CHECK(r.operation == kOpIndirect);
    CHECK(r.indirect_op == kOpWrite);
    CHECK(r.nr_segments == 20);
    CHECK(r.id == 0x55);
    CHECK(r.sector_number == 64);
    CHECK(r.indirect_grefs[0] == 123);
    Checked h = check_indirect(r, d);
    CHECK(h.status == kRspOkay);
    CHECK(h.sectors == 1);  // one indirect page
    CHECK(check_request(r, d).status == kRspError);  // not before its segments are fetched
    // Fetched: a write of 20 segments.
    r.operation = r.indirect_op;
    r.indirect = true;
    for (uint32_t i = 0; i < 20; ++i) r.seg[i] = Segment{i, 0, 7, 0};
    CHECK(check_request(r, d).sectors == 160);
    r.nr_segments = kMaxIndirectSegments + 1;
    CHECK(check_request(r, d).status == kRspError);
    r.indirect = false;
    r.nr_segments = 12;  // a plain request is still held to 11
    CHECK(check_request(r, d).status == kRspError);
    // Bad headers: not read or write, no segments, too many.
    static Request bad;
    decode(raw, bad);
    bad.indirect_op = kOpFlush;
    CHECK(check_indirect(bad, d).status == kRspError);
    bad.indirect_op = kOpRead;
    bad.nr_segments = 0;
    CHECK(check_indirect(bad, d).status == kRspError);
    bad.nr_segments = kMaxIndirectSegments + 1;
    CHECK(check_indirect(bad, d).status == kRspError);
    // The x86_32 layout: id right after nr_segments, grefs at 24.
    Request32 raw32{};
    Indirect32 i32{};
    i32.operation = kOpIndirect;
    i32.indirect_op = kOpRead;
    i32.nr_segments = 20;
    i32.id = 0x1122334455667788;
    i32.indirect_grefs[1] = 9;
    std::memcpy(&raw32, &i32, sizeof i32);
    uint8_t bytes[sizeof raw32];
    std::memcpy(bytes, &raw32, sizeof bytes);
    CHECK(bytes[4] == 0x88);
    CHECK(bytes[28] == 9);
    decode(raw32, r);
    CHECK(r.id == 0x1122334455667788);
    CHECK(r.nr_segments == 20);
    CHECK(r.indirect_grefs[1] == 9);
}

TEST_CASE("Blkif.RandomRequestsNeverPassOutsideTheDisk") {
    std::mt19937_64 rng(5);
    DiskLimits d{1 << 20, false, true, true};
    int accepted = 0;
    for (int i = 0; i < 200000; ++i) {
        Request r{};
        uint8_t raw[sizeof(Request64)];
        for (auto& b : raw) b = static_cast<uint8_t>(rng());
        raw[0] = static_cast<uint8_t>(rng() % 8);
        Request64 r64;
        std::memcpy(&r64, raw, sizeof r64);
        if (rng() % 2) r64.sector_number %= (1 << 21);
        if (rng() % 2) r64.nr_segments %= 13;
        for (auto& sg : r64.seg)  // mostly plausible segments, so many requests pass
            if (rng() % 16) {
                sg.first_sect = static_cast<uint8_t>(rng() % 8);
                sg.last_sect = static_cast<uint8_t>(sg.first_sect + rng() % (8 - sg.first_sect));
            }
        decode(r64, r);
        Checked c = check_request(r, d);
        if (c.status != kRspOkay) continue;
        ++accepted;
        if (r.operation == kOpRead || r.operation == kOpWrite) {
            REQUIRE(r.nr_segments >= 1);
            REQUIRE(r.nr_segments <= kMaxSegments);
            REQUIRE(r.sector_number + c.sectors <= d.sectors);
            for (uint32_t s = 0; s < r.nr_segments; ++s) REQUIRE(r.seg[s].last_sect < 8);
        } else if (r.operation == kOpDiscard) {
            REQUIRE(r.sector_number + c.sectors <= d.sectors);
        }
    }
    CHECK(accepted > 10000);
}
