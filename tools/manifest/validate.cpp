// Whole-topology checks: names, references between domains, device ranges and their overlaps.
#include <fmt/format.h>

#include <cctype>
#include <map>
#include <set>

#include "topology.hpp"
#include "validate_nics.hpp"

namespace bh::topology {

namespace {

// What blkback serves (services/blkback/vbd.hpp kMaxVbds: four rings each, within its slots).
constexpr size_t kMaxDisksPerBackend = 6;

bool valid_name(const std::string& n) {
    if (n.empty() || n.size() > kMaxNameLength) return false;
    for (char c : n)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
    return true;
}

// A claimed resource range [begin, end) and who claimed it, for overlap reports.
struct Claim {
    uint64_t begin, end;
    std::string owner;  // "domain 'x' device 'y'"
};

bool overlaps(const Claim& a, const Claim& b) { return a.begin < b.end && b.begin < a.end; }

}  // namespace

void validate(const Topology& t, std::string_view file, std::vector<Problem>& out) {
    auto report = [&](int line, std::string key, std::string message) {
        out.push_back(Problem{std::string(file), line, std::move(key), std::move(message)});
    };
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < t.domains.size(); ++i) {
        const Domain& d = t.domains[i];
        std::string at = fmt::format("domain[{}]", i);
        if (!d.name.empty() && !valid_name(d.name))
            report(d.line, at + ".name",
                   fmt::format("\"{}\" must be 1-{} letters, digits, '-', '_' or '.'", d.name, kMaxNameLength));
        if (!d.name.empty() && !index.emplace(d.name, i).second)
            report(d.line, at + ".name",
                   fmt::format("duplicate domain name \"{}\" (first at domain[{}])", d.name, index[d.name]));
    }
    for (size_t i = 0; i < t.domains.size(); ++i) {
        const Domain& d = t.domains[i];
        std::set<std::string> seen;
        for (size_t p = 0; p < d.peers.size(); ++p) {
            std::string key = fmt::format("domain[{}].peers[{}]", i, p);
            const std::string& peer = d.peers[p];
            if (peer == d.name) report(d.line, key, fmt::format("\"{}\" cannot be its own peer", peer));
            else if (index.find(peer) == index.end()) report(d.line, key, fmt::format("unknown domain \"{}\"", peer));
            if (!seen.insert(peer).second) report(d.line, key, fmt::format("\"{}\" is listed twice", peer));
            // The supervisor wires one link per domain (its BH_SLOT_PEER) and the peer's end in
            // its first start argument, so a domain is on at most one link, either side.
            if (p > 0) report(d.line, key, "a domain has at most one peer");
        }
    }
    // Virtual disks: frontends that exist and talk to the store, a backend that owns a PCI
    // function, one disk per (frontend, vdev), and no writer sharing sectors with anyone.
    std::map<std::pair<std::string, std::string>, std::string> vdevs;
    for (size_t i = 0; i < t.domains.size(); ++i) {
        const Domain& d = t.domains[i];
        bool has_pci = false;
        for (const Device& dev : d.devices) has_pci = has_pci || dev.pci != 0xffff;
        if (d.disks.size() > kMaxDisksPerBackend)
            report(d.disks[kMaxDisksPerBackend].line, fmt::format("domain[{}].disk", i),
                   fmt::format("a disk backend serves at most {} virtual disks", kMaxDisksPerBackend));
        for (size_t k = 0; k < d.disks.size(); ++k) {
            const VirtualDisk& v = d.disks[k];
            std::string at = fmt::format("domain[{}].disk[{}]", i, k);
            auto fe = index.find(v.frontend);
            if (k == 0 && !has_pci) report(v.line, at, "a disk backend needs its disk: give the domain a pci device");
            if (k == 0 && d.xenstore == XenstoreRole::None)
                report(v.line, at, "a disk backend talks to its frontends through the store: give it xenstore");
            if (v.frontend == d.name) report(v.line, at + ".frontend", "a domain cannot be its own disk's frontend");
            else if (fe == index.end()) report(v.line, at + ".frontend", fmt::format("unknown domain \"{}\"", v.frontend));
            else if (t.domains[fe->second].xenstore == XenstoreRole::None)
                report(v.line, at + ".frontend", fmt::format("\"{}\" has no xenstore access to find its disk", v.frontend));
            auto [it, fresh] = vdevs.emplace(std::pair{v.frontend, v.vdev}, at);
            if (!fresh) report(v.line, at + ".vdev", fmt::format("\"{}\" already has a {} (at {})", v.frontend, v.vdev, it->second));
            for (size_t j = 0; j < k; ++j) {
                const VirtualDisk& w = d.disks[j];
                auto end = [](const VirtualDisk& x) { return x.sectors ? x.offset_sectors + x.sectors : UINT64_MAX; };
                bool overlap = v.offset_sectors < end(w) && w.offset_sectors < end(v);
                if (overlap && !(v.read_only && w.read_only))
                    report(v.line, at, fmt::format("shares sectors with domain[{}].disk[{}], and one of them writes", i, j));
            }
        }
    }
    validate_nics(t, index, report);
    for (size_t i = 0; i < t.domains.size(); ++i) {
        const Domain& d = t.domains[i];
        if (d.test.kills.empty()) continue;
        std::string key = fmt::format("domain[{}].test.kills", i);
        if (d.test.kills == d.name) report(d.line, key, "a domain cannot ask to be killed itself");
        else if (index.find(d.test.kills) == index.end()) report(d.line, key, fmt::format("unknown domain \"{}\"", d.test.kills));
    }
    if (!t.store.empty() && index.find(t.store) == index.end())
        report(1, "store", fmt::format("unknown domain \"{}\"", t.store));
    if (!t.console.empty() && index.find(t.console) == index.end())
        report(1, "console", fmt::format("unknown domain \"{}\"", t.console));

    std::vector<Claim> io, mmio, irq, pci;
    for (size_t i = 0; i < t.domains.size(); ++i) {
        const Domain& d = t.domains[i];
        std::set<std::string> names;
        for (size_t k = 0; k < d.devices.size(); ++k) {
            const Device& dev = d.devices[k];
            std::string at = fmt::format("domain[{}].device[{}]", i, k);
            std::string owner = fmt::format("domain \"{}\" device \"{}\"", d.name, dev.name);
            if (!dev.name.empty() && !names.insert(dev.name).second)
                report(dev.line, at + ".name", fmt::format("duplicate device name \"{}\" in this domain", dev.name));
            if (dev.io_count == 0 && dev.mmio_size == 0 && dev.irq == 0xff && !dev.pci_given)
                report(dev.line, at, "grants nothing: give io_base/io_count, mmio_base/mmio_size, irq or pci");
            if (dev.pci != 0xffff && (dev.io_count != 0 || dev.mmio_size != 0))
                report(dev.line, at + ".pci", "a PCI function is a device of its own: give it no ports or MMIO besides");
            auto check = [&](std::vector<Claim>& claims, Claim c, const char* what) {
                for (const Claim& other : claims)
                    if (overlaps(c, other))
                        report(dev.line, at, fmt::format("{} overlaps {}'s", what, other.owner));
                claims.push_back(c);
            };
            if (dev.io_count != 0) {
                if (uint32_t{dev.io_base} + dev.io_count > 0x10000)
                    report(dev.line, at + ".io_count",
                           fmt::format("ports {:#x}+{} run past 0xffff", dev.io_base, dev.io_count));
                else check(io, {dev.io_base, uint64_t{dev.io_base} + dev.io_count, owner}, "I/O port range");
            }
            if (dev.mmio_size != 0) {
                if (dev.mmio_base % 4096 != 0 || dev.mmio_size % 4096 != 0)
                    report(dev.line, at + ".mmio_base", "MMIO base and size must be 4 KiB aligned (they are mapped as pages)");
                else if (dev.mmio_base + dev.mmio_size < dev.mmio_base || dev.mmio_base + dev.mmio_size > (uint64_t{1} << 52))
                    report(dev.line, at + ".mmio_size", "MMIO region runs past the 52-bit physical address space");
                else check(mmio, {dev.mmio_base, dev.mmio_base + dev.mmio_size, owner}, "MMIO region");
            }
            if (dev.irq != 0xff) check(irq, {dev.irq, uint64_t{dev.irq} + 1u, owner}, "IRQ");
            if (dev.pci != 0xffff) check(pci, {dev.pci, uint64_t{dev.pci} + 1u, owner}, "PCI function");
        }
    }
}

}  // namespace bh::topology
