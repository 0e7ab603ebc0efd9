// Small request/response types for the ring tests.
#pragma once

#include <stdint.h>

#include "bh/ring/shared_ring.hpp"

namespace ringtest {

// 1000-byte requests: a one-page ring of them holds 4 entries, so full/wrap cases are quick.
struct BigReq {
    uint64_t id;
    uint8_t body[992];
};
struct SmallRsp {
    uint64_t id;
    int32_t status;
};
using TinyRing = bh::ring::SharedRing<BigReq, SmallRsp, 1>;
static_assert(TinyRing::kSize == 4);

// 64-byte payload with a checksum, both directions, for the stress tests.
struct Msg {
    uint64_t seq;
    uint64_t words[6];
    uint64_t sum;
};
using MsgRing = bh::ring::SharedRing<Msg, Msg, 1>;

inline Msg make_msg(uint64_t seq) {
    Msg m{seq, {}, seq};
    for (int i = 0; i < 6; ++i) m.sum += m.words[i] = seq * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(i);
    return m;
}

inline bool msg_ok(const Msg& m, uint64_t seq) {
    uint64_t sum = m.seq;
    for (uint64_t w : m.words) sum += w;
    return m.seq == seq && sum == m.sum;
}

}  // namespace ringtest
