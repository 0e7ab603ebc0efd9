// Virtual interfaces: a backend that owns a NIC and talks to the store, frontends that exist
// and talk to the store, unicast MACs and addresses no two vifs share (Qubes' "MAC address in
// use" is caught here, before anything boots), and filter rules netback will accept — parsed
// by the same code netback runs.
#include "validate_nics.hpp"

#include <fmt/format.h>

#include <set>

#include "bh/netif/filter.hpp"

namespace bh::topology {

inline constexpr size_t kMaxVifsPerBackend = 8, kMaxVifsPerFrontend = 4;

void validate_nics(const Topology& t, const std::map<std::string, size_t>& index, const Report& report) {
    std::map<std::string, std::string> macs, ips;
    std::map<std::string, size_t> per_frontend;
    for (size_t i = 0; i < t.domains.size(); ++i) {
        const Domain& d = t.domains[i];
        bool has_pci = false;
        for (const Device& dev : d.devices) has_pci = has_pci || dev.pci != 0xffff;
        if (d.nics.size() > kMaxVifsPerBackend)
            report(d.nics[kMaxVifsPerBackend].line, fmt::format("domain[{}].nic", i),
                   fmt::format("a network backend serves at most {} vifs", kMaxVifsPerBackend));
        for (size_t k = 0; k < d.nics.size(); ++k) {
            const VirtualNic& v = d.nics[k];
            std::string at = fmt::format("domain[{}].nic[{}]", i, k);
            if (k == 0 && !has_pci) report(v.line, at, "a network backend needs its NIC: give the domain a pci device");
            if (k == 0 && d.xenstore == XenstoreRole::None)
                report(v.line, at, "a network backend talks to its frontends through the store: give it xenstore");
            auto fe = index.find(v.frontend);
            if (v.frontend == d.name) report(v.line, at + ".frontend", "a domain cannot be its own vif's frontend");
            else if (fe == index.end()) report(v.line, at + ".frontend", fmt::format("unknown domain \"{}\"", v.frontend));
            else if (t.domains[fe->second].xenstore == XenstoreRole::None)
                report(v.line, at + ".frontend", fmt::format("\"{}\" has no xenstore access to find its vif", v.frontend));
            else if (++per_frontend[v.frontend] > kMaxVifsPerFrontend)
                report(v.line, at + ".frontend", fmt::format("\"{}\" has more than {} vifs", v.frontend, kMaxVifsPerFrontend));
            if (!v.mac.empty()) {
                bh::netif::Mac mac;
                if (!bh::netif::parse_mac(v.mac.c_str(), &mac))
                    report(v.line, at + ".mac", fmt::format("\"{}\" is not xx:xx:xx:xx:xx:xx", v.mac));
                else if (mac.multicast())
                    report(v.line, at + ".mac", fmt::format("\"{}\" is a multicast address", v.mac));
                else if (auto [it, fresh] = macs.emplace(v.mac, at); !fresh)
                    report(v.line, at + ".mac", fmt::format("MAC address {} already in use (at {})", v.mac, it->second));
            }
            if (!v.ip.empty()) {
                uint32_t ip = 0;
                if (!bh::netif::parse_ipv4(v.ip.c_str(), &ip) || ip == 0)
                    report(v.line, at + ".ip", fmt::format("\"{}\" is not an IPv4 address", v.ip));
                else if (auto [it, fresh] = ips.emplace(v.ip, at); !fresh)
                    report(v.line, at + ".ip", fmt::format("address {} already in use (at {})", v.ip, it->second));
            }
            if (v.rules.size() > bh::netif::kMaxRules)
                report(v.line, at + ".rules", fmt::format("at most {} rules", bh::netif::kMaxRules));
            for (size_t j = 0; j < v.rules.size(); ++j) {
                bh::netif::Rule rule;
                const char* why = nullptr;
                if (!bh::netif::parse_rule(v.rules[j].c_str(), rule, &why))
                    report(v.line, fmt::format("{}.rules[{}]", at, j), fmt::format("\"{}\": {}", v.rules[j], why));
            }
        }
    }
}

}  // namespace bh::topology
