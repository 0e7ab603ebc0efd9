// RingError: what a ring view reports instead of touching memory it must not.
#pragma once

#include <stdint.h>

namespace bh::ring {

// Every value but None and the two "nothing to do" cases means the peer broke the protocol: the
// view latches it (see FrontRing/BackRing) and the caller should disconnect, as Linux's frontends
// disable a device whose backend misbehaves.
enum class RingError : uint8_t {
    None = 0,
    Empty,        // nothing to consume (not an error of the peer)
    Full,         // no free slot to produce into (not an error of the peer)
    RequestProd,  // req_prod claims more requests than the ring holds, or moved backwards
    ResponseProd, // rsp_prod claims responses to requests never pushed, or moved backwards
    StreamIndex,  // byte stream: prod - cons exceeds the stream's capacity
};

// True for the errors that mean "the peer is hostile or broken", as opposed to flow control.
constexpr bool is_protocol_error(RingError e) {
    return e != RingError::None && e != RingError::Empty && e != RingError::Full;
}

}  // namespace bh::ring
