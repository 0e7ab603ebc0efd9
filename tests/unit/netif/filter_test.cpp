// bh/netif/filter.hpp: rule syntax (every error names itself) and matching.
#include <string>

#include <catch2/catch.hpp>

#include "bh/netif/filter.hpp"
#include "frames.hpp"

using namespace bh::netif;
using namespace test_frames;

namespace {
FrameInfo info(const std::vector<uint8_t>& f) {
    FrameInfo fi;
    parse_frame(f.data(), static_cast<uint32_t>(f.size()), fi);
    return fi;
}
}  // namespace

TEST_CASE("Filter.ParsesEveryKey") {
    Rule r;
    const char* why = nullptr;
    REQUIRE(parse_rule("deny in proto=udp ip=10.0.2.0/24 dport=7 sport=99 mac=00:16:3E:00:00:0b", r, &why));
    CHECK_FALSE(r.allow);
    CHECK(r.dirs == Rule::kIn);
    CHECK(r.proto == Rule::kUdp);
    CHECK(r.ip == 0x0a000200);
    CHECK(r.ip_mask == 0xffffff00);
    CHECK(r.dport == 7);
    CHECK(r.sport == 99);
    CHECK(r.has_mac);
    CHECK(r.mac == kMacB);
    REQUIRE(parse_rule("allow", r, &why));
    CHECK(r.allow);
    CHECK(r.dirs == (Rule::kIn | Rule::kOut));
}

TEST_CASE("Filter.RefusesBadRulesWithAReason") {
    const char* bad[] = {"", "permit", "deny sideways", "deny proto=sctp", "deny ip=10.0.2", "deny ip=10.0.2.300",
                         "deny ip=1.2.3.4/33", "deny dport=7", "deny proto=udp dport=70000", "deny mac=00:16:3e",
                         "deny proto=udp proto=tcp", "deny in out", "deny proto=arp ip=1.2.3.4", "deny colour=red"};
    for (const char* t : bad) {
        Rule r;
        const char* why = nullptr;
        INFO(t);
        CHECK_FALSE(parse_rule(t, r, &why));
        CHECK(why != nullptr);
    }
    Rule r;
    const char* why = nullptr;
    std::string longer(kMaxRuleText + 1, ' ');
    longer.replace(0, 5, "allow");
    CHECK_FALSE(parse_rule(longer.c_str(), r, &why));
}

TEST_CASE("Filter.MatchesTheOtherEndByDirection") {
    auto to_b = udp(kMacB, kMacA, kIpA, kIpB, 5000, 7, {1});
    Rule r;
    const char* why = nullptr;
    REQUIRE(parse_rule("deny proto=udp ip=10.0.2.17 dport=7", r, &why));
    CHECK(rule_matches(r, Rule::kIn, info(to_b)));    // A's vif: A sends to .17
    CHECK_FALSE(rule_matches(r, Rule::kOut, info(to_b)));  // B's vif sees the source, .16
    REQUIRE(parse_rule("deny out ip=10.0.2.16", r, &why));
    CHECK(rule_matches(r, Rule::kOut, info(to_b)));
    CHECK_FALSE(rule_matches(r, Rule::kIn, info(to_b)));
    REQUIRE(parse_rule("deny proto=icmp", r, &why));
    CHECK_FALSE(rule_matches(r, Rule::kIn, info(to_b)));
    REQUIRE(parse_rule("allow proto=arp", r, &why));
    CHECK(rule_matches(r, Rule::kIn, info(arp(1, kMacA, kIpA, kIpB))));
    CHECK_FALSE(rule_matches(r, Rule::kIn, info(to_b)));
}

TEST_CASE("Filter.FirstMatchDecidesAndLaterFragmentsCannotDodgeADeny") {
    RuleSet set;
    const char* why = nullptr;
    REQUIRE(parse_rule("allow proto=udp dport=53", set.rules[0], &why));
    REQUIRE(parse_rule("deny proto=udp", set.rules[1], &why));
    set.n = 2;
    CHECK(set.allows(Rule::kIn, info(udp(kMacB, kMacA, kIpA, kIpB, 1, 53, {1}))));
    CHECK_FALSE(set.allows(Rule::kIn, info(udp(kMacB, kMacA, kIpA, kIpB, 1, 54, {1}))));
    CHECK(set.allows(Rule::kIn, info(arp(1, kMacA, kIpA, kIpB))));  // no rule matched: allowed
    RuleSet ports;
    REQUIRE(parse_rule("deny proto=udp dport=7", ports.rules[0], &why));
    ports.n = 1;
    auto frag = ipv4(kMacB, kMacA, kIpA, kIpB, kProtoUdp, std::vector<uint8_t>(16, 0), 0x0002);  // offset 16
    CHECK_FALSE(ports.allows(Rule::kIn, info(frag)));
    RuleSet allow_only;
    REQUIRE(parse_rule("allow proto=udp dport=7", allow_only.rules[0], &why));
    REQUIRE(parse_rule("deny", allow_only.rules[1], &why));
    allow_only.n = 2;
    CHECK_FALSE(allow_only.allows(Rule::kIn, info(frag)));
}
