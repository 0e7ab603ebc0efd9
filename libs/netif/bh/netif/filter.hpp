// Per-port filter rules of netback's switch, so a backend can sit between zones (a Qubes
// firewall VM's job, per vif). A rule is one line of words:
//
//     allow|deny [in|out] [proto=arp|ip|icmp|udp|tcp] [mac=M] [ip=A[/N]] [sport=P] [dport=P]
//
// `in` is traffic from the port's domain, `out` traffic to it (neither: both). mac and ip name
// the *other* end: the destination of what the domain sends, the source of what it receives.
// Rules are tried in order, the first that matches decides; no match lets the frame through.
// The same parser checks a manifest on the host and reads the rules in netback.
#pragma once

#include <stdint.h>

#include "bh/netif/frame.hpp"

namespace bh::netif {

inline constexpr uint32_t kMaxRules = 16, kMaxRuleText = 96;

struct Rule {
    enum : uint8_t { kIn = 1, kOut = 2 };
    enum Proto : uint8_t { kAny, kArp, kIp, kIcmp, kUdp, kTcp };
    bool allow = true;
    uint8_t dirs = kIn | kOut;
    Proto proto = kAny;
    bool has_mac = false;
    Mac mac{};
    bool has_ip = false;
    uint32_t ip = 0, ip_mask = 0;  // ip=0.0.0.0/0: any IPv4 packet
    int32_t sport = -1, dport = -1;
};

// Parses one rule. On error returns false and points *why at a static explanation.
bool parse_rule(const char* text, Rule& out, const char** why);

// Does the rule match a frame going `dir` (Rule::kIn or kOut) through the port?
bool rule_matches(const Rule& r, uint8_t dir, const FrameInfo& fi);

// A port's rule list: the first matching rule's verdict, or allow.
struct RuleSet {
    Rule rules[kMaxRules];
    uint32_t n = 0;
    bool allows(uint8_t dir, const FrameInfo& fi) const {
        for (uint32_t i = 0; i < n; ++i)
            if (rule_matches(rules[i], dir, fi)) return rules[i].allow;
        return true;
    }
};

// "a.b.c.d" (whole text) into a host-order address.
bool parse_ipv4(const char* s, uint32_t* out);
// "xx:xx:xx:xx:xx:xx" (whole text, hex either case).
bool parse_mac(const char* s, Mac* out);

}  // namespace bh::netif
