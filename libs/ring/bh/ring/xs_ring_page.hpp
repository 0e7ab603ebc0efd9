// XsRingPage: the xenstore ring page (xs_wire.h `struct xenstore_domain_interface`) and its four
// stream views. Reference: xen-pvh-guest-abi.md §7.2.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bh/ring/byte_stream.hpp"

namespace bh::ring {

inline constexpr uint32_t kXsRingSize = 1024;  // XENSTORE_RING_SIZE
inline constexpr uint32_t kXsPayloadMax = 4096;  // XENSTORE_PAYLOAD_MAX

// server_features bits and connection values.
inline constexpr uint32_t kXsFeatureReconnection = 1;
inline constexpr uint32_t kXsFeatureError = 2;
inline constexpr uint32_t kXsConnected = 0;
inline constexpr uint32_t kXsReconnect = 1;

// Requests flow guest -> server in req[], replies and watch events server -> guest in rsp[].
// The page must start zeroed: Linux waits while `connection` != 0.
struct XsRingPage {
    char req[kXsRingSize];
    char rsp[kXsRingSize];
    RingIndex req_cons;
    RingIndex req_prod;
    RingIndex rsp_cons;
    RingIndex rsp_prod;
    uint32_t server_features;
    uint32_t connection;
    uint32_t error;
    uint32_t evtchn_port;  // newer Xen; absent from older headers (which end at 2076)
};
static_assert(offsetof(XsRingPage, req) == 0);
static_assert(offsetof(XsRingPage, rsp) == 1024);
static_assert(offsetof(XsRingPage, req_cons) == 2048);
static_assert(offsetof(XsRingPage, req_prod) == 2052);
static_assert(offsetof(XsRingPage, rsp_cons) == 2056);
static_assert(offsetof(XsRingPage, rsp_prod) == 2060);
static_assert(offsetof(XsRingPage, server_features) == 2064);
static_assert(offsetof(XsRingPage, connection) == 2068);
static_assert(offsetof(XsRingPage, error) == 2072);
static_assert(offsetof(XsRingPage, evtchn_port) == 2076);
static_assert(sizeof(XsRingPage) == 2080);

using XsStream = ByteStream<kXsRingSize>;

// The request stream (guest writes, server reads) and the response stream (the reverse).
inline XsStream xs_requests(XsRingPage& p) { return XsStream(p.req, p.req_cons, p.req_prod); }
inline XsStream xs_responses(XsRingPage& p) { return XsStream(p.rsp, p.rsp_cons, p.rsp_prod); }

}  // namespace bh::ring
