// Small helpers shared by the event-channel conformance tests.
#pragma once

#include "evtchn/evtchn_table.hpp"
#include "fixture.hpp"

namespace bhtest {

struct PortStatus {
    uint64_t state;
    uint64_t remote_dom;
    uint64_t remote_port;
    uint64_t own_port;
};

// EVTCHN_STATUS through the ABI, decoded.
inline PortStatus port_status(Domain& d, uint64_t slot) {
    auto out = REQUIRE_OK(d, BH_CALL_EVTCHN_STATUS, slot);
    return {out.r1, out.r2 & 0xffff, (out.r2 >> 16) & 0xffff, out.r2 >> 32};
}

inline bool pending(Domain& d, uint64_t port) {
    return d.evtchn->view().test_pending(static_cast<uint32_t>(port));
}

inline constexpr uint64_t kStateUnbound = 1;
inline constexpr uint64_t kStateInterdomain = 2;
inline constexpr uint64_t kStateIrq = 3;
inline constexpr uint64_t kStateVirq = 4;

}  // namespace bhtest
