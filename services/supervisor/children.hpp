// The supervisor's children: building them from boot modules, wiring their channels and
// devices, following their state, and restarting faulted ones under the same domain id.
#pragma once

#include <bh/rt.hpp>

#include "scenario.hpp"

namespace sup {

// Supervisor capability slots: children's domain caps, then their control-channel caps.
inline constexpr bh_slot_t kDomSlot0 = 16, kCtlSlot0 = 32, kTmpSlot = 60;
inline constexpr uint16_t kDefaultWeight = 256;

struct ChildState {
    const Child* spec = nullptr;
    bh_domid_t id = 0;       // kept across restarts
    bh_domid_t first_id = 0; // the id its first instance had (restarts must keep it)
    bh_port_t ctl_port = 0;  // our end of its control channel
    bool created = false, ready = false, finished = false;
    bool removed = false;     // destroyed on request (control destroy): not judged
    uint8_t state = 0, fault = 0;
    uint64_t exit_code = 0;
    uint32_t restarts = 0;
    uint64_t restart_at = 0;  // kernel tick of a pending restart (0 = none)
    uint64_t start_arg0 = 0;  // peer link, if any
    uint64_t built_tsc = 0;   // when its current instance's build began (cold-start figures)
    char name[48] = {};
};

extern ChildState g_children[kMaxChildren];
extern uint32_t g_n;
extern bool g_failed;

void fail(const char* what, const char* name, uint64_t err);
const char* state_name(uint8_t s);

// Creates child i from its boot module (under `want_id` unless 0), wires its control
// channel and hands it its devices. False (reported) on any failure.
bool build(uint32_t i, const Child& spec, bh_domid_t want_id = 0);
bool link(const Link& l);
bool start(uint32_t i);
// Re-reads the child's state from the kernel; reports the moment it exits or faults, and
// schedules a restart when its policy allows one.
void refresh(ChildState& c);
// Destroys child i and forgets it (xl destroy): its id is free, it leaves the list.
void destroy_child(uint32_t i);
// Destroys child i now and builds and starts it again under the same id.
void restart_now(uint32_t i);
// Restarts every child whose backoff has run out; returns the earliest tick still pending (0: none).
uint64_t run_due_restarts(uint64_t now_ticks);

}  // namespace sup
