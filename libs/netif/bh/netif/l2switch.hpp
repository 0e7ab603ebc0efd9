// netback's learning L2 switch: the physical NIC (the uplink) and every vif are its ports. It
// learns which port a source MAC lives behind, sends a frame for a known unicast MAC to that
// port only and floods the rest, and applies each vif's guards on the way:
//  - anti-spoofing, as Xen's vif scripts and Qubes do: a vif's domain may send only from the
//    MAC (and, when one is configured, the IPv4 address) the toolstack gave it;
//  - the vif's filter rules, on what it sends (in) and on what it is sent (out).
// A vif's own MAC is pinned to its port: no other port can claim it by sending from it (the
// root of Qubes' "MAC address in use" and of traffic theft on a shared segment).
#pragma once

#include <stdint.h>

#include "bh/netif/filter.hpp"
#include "bh/netif/frame.hpp"

namespace bh::netif {

struct PortConfig {
    bool guarded = false;  // a vif: source MAC (and IP, when has_ip) checked, MAC pinned
    Mac mac{};
    bool has_ip = false;
    uint32_t ip = 0;
    RuleSet rules;
};

struct SwitchCounters {
    uint64_t forwarded = 0, flooded = 0, spoofed = 0, filtered = 0, runts = 0;
};

class L2Switch {
public:
    static constexpr uint32_t kMaxPorts = 32, kTable = 256;

    // Ages are in caller ticks (any monotonic unit): a learnt entry lapses after max_age.
    explicit L2Switch(uint64_t max_age = ~0ull) : max_age_(max_age) {}
    void set_port(uint32_t port, const PortConfig& c);
    void remove_port(uint32_t port);
    bool has_port(uint32_t port) const { return port < kMaxPorts && (present_ >> port & 1); }

    // The ports (bitmask, never `in`) a frame arriving on `in` goes to; 0 when it goes nowhere
    // (dropped by a guard or a rule, or too short to be Ethernet). Learns its source.
    uint32_t route(uint32_t in, const uint8_t* f, uint32_t len, uint64_t now);
    // The port that owns `mac` (pinned or learnt and fresh), or -1.
    int lookup(const Mac& mac, uint64_t now) const;
    const SwitchCounters& counters() const { return counters_; }

private:
    struct Entry {
        Mac mac;
        uint8_t port;
        bool used;
        uint64_t seen;
    };
    void learn(const Mac& mac, uint32_t port, uint64_t now);
    uint32_t slot(const Mac& mac) const;
    int pinned_port(const Mac& mac) const;

    PortConfig ports_[kMaxPorts];
    uint32_t present_ = 0;
    Entry table_[kTable] = {};
    uint64_t max_age_;
    SwitchCounters counters_;
};

}  // namespace bh::netif
