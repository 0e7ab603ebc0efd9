// One text rendering of a Manifest for both readers (libcapnp's and capnpc-bh's), which share
// accessor names: equal text means equal field values.
#pragma once

#include <capnp/blob.h>

#include <string>

#include "bh/capnp/wire.hpp"

namespace bh::capnp_fuzz {

inline std::string str(::capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }
inline std::string str(bh::wire::Text t) { return std::string(t.data(), t.size()); }

template <class Manifest>
std::string render(Manifest m) {
    auto n = [](auto v) { return std::to_string(static_cast<unsigned long long>(v)); };
    std::string out = "v=" + n(m.getVersion()) + " store=" + str(m.getStoreDomain()) +
                      " console=" + str(m.getConsoleDomain()) + " min_dom_exc=" + n(m.getMinDomExc()) + "\n";
    for (auto d : m.getDomains()) {
        auto r = d.getRestart();
        out += "domain " + str(d.getName()) + " image=" + str(d.getImage()) + " mem=" + n(d.getMemoryKib()) +
               " weight=" + n(d.getWeight()) + " vcpus=" + n(d.getVcpus()) + " kind=" + n(d.getKind()) +
               " restart=" + n(r.getMode()) + "/" + n(r.getMaxRestarts()) + "/" + n(r.getBackoffMs()) + "\n";
        auto t = d.getTest();
        out += " test role=" + n(t.getRole()) + " outcome=" + n(t.getOutcome()) + " fault=" + n(t.getFault()) +
               " kills_store=" + n(t.getKillsStore()) + " kills=" + str(t.getKills()) + "\n";
        auto caps = d.getCapabilities();
        for (auto dev : caps.getDevices())
            out += " dev " + str(dev.getName()) + " io=" + n(dev.getIoBase()) + "+" + n(dev.getIoCount()) +
                   " mmio=" + n(dev.getMmioBase()) + "+" + n(dev.getMmioSize()) + " irq=" + n(dev.getIrq()) +
                   " pci=" + n(dev.getPci()) + "\n";
        for (auto v : caps.getDisks())
            out += " disk " + str(v.getFrontend()) + " " + str(v.getVdev()) + " " + n(v.getOffsetSectors()) + "+" +
                   n(v.getSectors()) + " ro=" + n(v.getReadOnly()) + "\n";
        for (auto p : caps.getPeers()) out += " peer " + str(p) + "\n";
        auto xs = caps.getXenstore();
        out += " xs role=" + n(xs.getRole()) + "\n";
        for (auto g : xs.getPaths()) out += "  path " + str(g.getPath()) + " " + str(g.getPerm()) + "\n";
    }
    return out;
}

}  // namespace bh::capnp_fuzz
