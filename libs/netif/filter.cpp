// Filter rules (see bh/netif/filter.hpp).
#include "bh/netif/filter.hpp"

namespace bh::netif {
namespace {

bool same(const char* a, uint32_t n, const char* lit) {
    uint32_t i = 0;
    for (; i < n && lit[i] && a[i] == lit[i]; ++i) {}
    return i == n && !lit[i];
}

bool parse_num(const char* s, uint32_t n, uint32_t max, uint32_t* out) {
    uint32_t v = 0;
    if (n == 0 || n > 10) return false;
    for (uint32_t i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + static_cast<uint32_t>(s[i] - '0');
        if (v > max) return false;
    }
    *out = v;
    return true;
}

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool parse_ipv4_n(const char* s, uint32_t n, uint32_t* out) {
    uint32_t v = 0, part = 0, start = 0;
    for (uint32_t i = 0; i <= n; ++i) {
        if (i < n && s[i] != '.') continue;
        uint32_t byte = 0;
        if (part == 4 || !parse_num(s + start, i - start, 255, &byte) || i - start > 3) return false;
        v = v << 8 | byte;
        ++part;
        start = i + 1;
    }
    if (part != 4) return false;
    *out = v;
    return true;
}

bool parse_mac_n(const char* s, uint32_t n, Mac* out) {
    if (n != 17) return false;
    for (uint32_t k = 0; k < 6; ++k) {
        int hi = hex(s[3 * k]), lo = hex(s[3 * k + 1]);
        if (hi < 0 || lo < 0 || (k < 5 && s[3 * k + 2] != ':')) return false;
        out->b[k] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return true;
}

uint32_t length(const char* s) {
    uint32_t n = 0;
    while (s[n]) ++n;
    return n;
}

}  // namespace

bool parse_ipv4(const char* s, uint32_t* out) { return parse_ipv4_n(s, length(s), out); }
bool parse_mac(const char* s, Mac* out) { return parse_mac_n(s, length(s), out); }

bool parse_rule(const char* text, Rule& out, const char** why) {
    out = Rule{};
    *why = nullptr;
    if (length(text) > kMaxRuleText) return *why = "the rule is too long", false;
    uint32_t i = 0, word = 0;
    bool seen_dir = false, seen[6] = {};
    while (text[i]) {
        while (text[i] == ' ') ++i;
        if (!text[i]) break;
        uint32_t s = i;
        while (text[i] && text[i] != ' ') ++i;
        const char* w = text + s;
        uint32_t n = i - s, eq = 0;
        while (eq < n && w[eq] != '=') ++eq;
        if (word++ == 0) {
            if (same(w, n, "allow")) out.allow = true;
            else if (same(w, n, "deny")) out.allow = false;
            else return *why = "a rule starts with allow or deny", false;
            continue;
        }
        if (eq == n) {
            if (seen_dir || !(same(w, n, "in") || same(w, n, "out"))) return *why = "unknown word (in, out, or key=value)", false;
            out.dirs = same(w, n, "in") ? Rule::kIn : Rule::kOut;
            seen_dir = true;
            continue;
        }
        const char* v = w + eq + 1;
        uint32_t vn = n - eq - 1, port = 0;
        static const char* const kKeys[6] = {"proto", "mac", "ip", "sport", "dport", nullptr};
        int key = -1;
        for (int k = 0; kKeys[k]; ++k)
            if (same(w, eq, kKeys[k])) key = k;
        if (key < 0) return *why = "unknown key (proto, mac, ip, sport, dport)", false;
        if (seen[key]) return *why = "a key given twice", false;
        seen[key] = true;
        switch (key) {
        case 0: {
            static const char* const kProtos[5] = {"arp", "ip", "icmp", "udp", "tcp"};
            int p = -1;
            for (int k = 0; k < 5; ++k)
                if (same(v, vn, kProtos[k])) p = k;
            if (p < 0) return *why = "proto is arp, ip, icmp, udp or tcp", false;
            out.proto = static_cast<Rule::Proto>(p + 1);
            break;
        }
        case 1:
            if (!parse_mac_n(v, vn, &out.mac)) return *why = "mac is xx:xx:xx:xx:xx:xx", false;
            out.has_mac = true;
            break;
        case 2: {
            uint32_t slash = 0, bits = 32;
            while (slash < vn && v[slash] != '/') ++slash;
            if (!parse_ipv4_n(v, slash, &out.ip) || (slash < vn && !parse_num(v + slash + 1, vn - slash - 1, 32, &bits)))
                return *why = "ip is a.b.c.d or a.b.c.d/n", false;
            out.ip_mask = bits == 0 ? 0 : ~0u << (32 - bits);
            out.ip &= out.ip_mask;
            out.has_ip = true;
            break;
        }
        default:
            if (!parse_num(v, vn, 65535, &port)) return *why = "a port is 0..65535", false;
            (key == 3 ? out.sport : out.dport) = static_cast<int32_t>(port);
        }
    }
    if (word == 0) return *why = "an empty rule", false;
    bool ports = out.sport >= 0 || out.dport >= 0;
    if (ports && out.proto != Rule::kUdp && out.proto != Rule::kTcp) return *why = "ports need proto=udp or proto=tcp", false;
    if (seen[2] && out.proto == Rule::kArp) return *why = "ip= matches IPv4, not ARP", false;
    return true;
}

bool rule_matches(const Rule& r, uint8_t dir, const FrameInfo& fi) {
    if (!(r.dirs & dir)) return false;
    switch (r.proto) {
    case Rule::kAny: break;
    case Rule::kArp: if (fi.ethertype != kEtherArp) return false; break;
    case Rule::kIp: if (!fi.ipv4) return false; break;
    case Rule::kIcmp: if (!fi.ipv4 || fi.proto != kProtoIcmp) return false; break;
    case Rule::kUdp: if (!fi.ipv4 || fi.proto != kProtoUdp) return false; break;
    case Rule::kTcp: if (!fi.ipv4 || fi.proto != kProtoTcp) return false; break;
    }
    bool in = dir == Rule::kIn;
    if (r.has_mac && !(r.mac == (in ? fi.dst : fi.src))) return false;
    if (r.has_ip && (!fi.ipv4 || ((in ? fi.dst_ip : fi.src_ip) & r.ip_mask) != r.ip)) return false;
    if (r.sport >= 0 || r.dport >= 0) {
        // A later fragment carries no ports. A deny rule takes it anyway, so a denied port
        // cannot be reached by fragmenting; an allow rule does not vouch for it.
        if (!fi.ports) return fi.fragment && !r.allow;
        if (r.sport >= 0 && fi.sport != r.sport) return false;
        if (r.dport >= 0 && fi.dport != r.dport) return false;
    }
    return true;
}

}  // namespace bh::netif
