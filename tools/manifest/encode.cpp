// Topology -> manifest bytes with libcapnp, and the TOML-to-bytes pipeline the tool runs.
#include <capnp/message.h>
#include <capnp/serialize.h>

#include "manifest.capnp.h"
#include "topology.hpp"

namespace bh::topology {

namespace m = bh::host::manifest;

std::vector<uint8_t> encode_manifest(const Topology& t) {
    ::capnp::MallocMessageBuilder mb;
    auto root = mb.initRoot<m::Manifest>();
    root.setVersion(t.version);
    root.setStoreDomain(t.store);
    root.setConsoleDomain(t.console);
    root.setMinDomExc(t.min_dom_exc);
    auto domains = root.initDomains(static_cast<unsigned>(t.domains.size()));
    for (unsigned i = 0; i < t.domains.size(); ++i) {
        const Domain& d = t.domains[i];
        auto o = domains[i];
        o.setName(d.name);
        o.setImage(d.image);
        o.setMemoryKib(d.memory_kib);
        o.setWeight(d.weight);
        o.setVcpus(d.vcpus);
        o.setKind(static_cast<m::Domain::Kind>(d.kind));
        auto r = o.initRestart();
        r.setMode(static_cast<m::RestartPolicy::Mode>(d.restart));
        r.setMaxRestarts(d.max_restarts);
        r.setBackoffMs(d.backoff_ms);
        auto test = o.initTest();
        test.setRole(d.test.role);
        test.setOutcome(static_cast<m::TestExpectation::Outcome>(d.test.outcome));
        test.setFault(d.test.fault);
        test.setKillsStore(d.test.kills_store);
        test.setKills(d.test.kills);
        auto caps = o.initCapabilities();
        auto devs = caps.initDevices(static_cast<unsigned>(d.devices.size()));
        for (unsigned k = 0; k < d.devices.size(); ++k) {
            const Device& dev = d.devices[k];
            devs[k].setName(dev.name);
            devs[k].setIoBase(dev.io_base);
            devs[k].setIoCount(dev.io_count);
            devs[k].setMmioBase(dev.mmio_base);
            devs[k].setMmioSize(dev.mmio_size);
            devs[k].setIrq(dev.irq);
            devs[k].setPci(dev.pci);
        }
        auto disks = caps.initDisks(static_cast<unsigned>(d.disks.size()));
        for (unsigned k = 0; k < d.disks.size(); ++k) {
            const VirtualDisk& v = d.disks[k];
            disks[k].setFrontend(v.frontend);
            disks[k].setVdev(v.vdev);
            disks[k].setOffsetSectors(v.offset_sectors);
            disks[k].setSectors(v.sectors);
            disks[k].setReadOnly(v.read_only);
        }
        auto nics = caps.initNics(static_cast<unsigned>(d.nics.size()));
        for (unsigned k = 0; k < d.nics.size(); ++k) {
            const VirtualNic& v = d.nics[k];
            nics[k].setFrontend(v.frontend);
            nics[k].setMac(v.mac);
            nics[k].setIp(v.ip);
            auto rules = nics[k].initRules(static_cast<unsigned>(v.rules.size()));
            for (unsigned j = 0; j < v.rules.size(); ++j) rules.set(j, v.rules[j]);
        }
        auto peers = caps.initPeers(static_cast<unsigned>(d.peers.size()));
        for (unsigned k = 0; k < d.peers.size(); ++k) peers.set(k, d.peers[k]);
        auto xs = caps.initXenstore();
        xs.setRole(static_cast<m::XenstoreAccess::Role>(d.xenstore));
        auto paths = xs.initPaths(static_cast<unsigned>(d.xenstore_paths.size()));
        for (unsigned k = 0; k < d.xenstore_paths.size(); ++k) {
            paths[k].setPath(d.xenstore_paths[k].path);
            paths[k].setPerm(d.xenstore_paths[k].perm);
        }
    }
    auto words = ::capnp::messageToFlatArray(mb);
    auto bytes = words.asBytes();
    return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

Encoded encode_topology(const toml::table& doc, std::string_view file) {
    Parsed p = parse_topology(doc, file);
    if (!p.problems.empty()) return Encoded{{}, std::move(p.problems)};
    return Encoded{encode_manifest(p.topology), {}};
}

}  // namespace bh::topology
