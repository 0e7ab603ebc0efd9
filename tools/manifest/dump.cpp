// Manifest bytes -> topology TOML: checked by the in-system reader first, printed via libcapnp.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <array>

#include "manifest.bh.hpp"
#include "manifest.capnp.h"
#include "topology.hpp"

namespace bh::topology {

namespace m = bh::host::manifest;

namespace {

// A TOML basic string.
std::string quote(kj::StringPtr s) {
    std::string out = "\"";
    for (unsigned char c : std::string_view(s.cStr(), s.size())) {
        if (c == '"' || c == '\\') out += fmt::format("\\{}", static_cast<char>(c));
        else if (c < 0x20 || c == 0x7f) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
    return out + "\"";
}

template <class E, size_t N>
std::string enum_name(E e, const std::array<const char*, N>& names) {
    auto i = static_cast<size_t>(e);
    return i < N ? quote(names[i]) : fmt::format("\"unknown-{}\"", i);  // refused when read back
}

void dump_domain(m::Domain::Reader d, std::string& out) {
    out += fmt::format("\n[[domain]]\nname = {}\nimage = {}\nmemory_kib = {}\nweight = {}\nvcpus = {}\nkind = {}\n",
                       quote(d.getName()), quote(d.getImage()), d.getMemoryKib(), d.getWeight(), d.getVcpus(),
                       enum_name(d.getKind(), std::array{"service", "guest"}));
    auto caps = d.getCapabilities();
    std::string peers;
    for (auto p : caps.getPeers()) peers += (peers.empty() ? "" : ", ") + quote(p);
    out += fmt::format("peers = [{}]\n", peers);
    auto r = d.getRestart();
    out += fmt::format("restart = {{ mode = {}", enum_name(r.getMode(), std::array{"never", "on-fault", "always"}));
    if (r.getMode() != m::RestartPolicy::Mode::NEVER)
        out += fmt::format(", max_restarts = {}, backoff_ms = {}", r.getMaxRestarts(), r.getBackoffMs());
    out += " }\n";
    auto xs = caps.getXenstore();
    out += fmt::format("xenstore = {{ role = {}", enum_name(xs.getRole(), std::array{"none", "client", "privileged"}));
    if (xs.getPaths().size() != 0) {
        std::string paths;
        for (auto g : xs.getPaths())
            paths += fmt::format("{}{{ path = {}, perm = {} }}", paths.empty() ? "" : ", ", quote(g.getPath()),
                                 quote(g.getPerm()));
        out += fmt::format(", paths = [{}]", paths);
    }
    out += " }\n";
    auto t = d.getTest();
    out += fmt::format("test = {{ role = {}, expect = {}", t.getRole(),
                       enum_name(t.getOutcome(), std::array{"service", "exit0", "fault", "refused", "waiter",
                                                            "crash-once", "crash-loop"}));
    if (t.getOutcome() == m::TestExpectation::Outcome::FAULT)
        out += fmt::format(", fault = {}", enum_name(t.getFault(), std::array{"none", "page", "gp", "ud", "de", "other"}));
    if (t.getKillsStore()) out += ", kills_store = true";
    if (t.getKills().size() != 0) out += fmt::format(", kills = {}", quote(t.getKills()));
    out += " }\n";
    for (auto dev : caps.getDevices()) {
        out += fmt::format("\n[[domain.device]]\nname = {}\n", quote(dev.getName()));
        if (dev.getIoCount() != 0) out += fmt::format("io_base = {:#x}\nio_count = {}\n", dev.getIoBase(), dev.getIoCount());
        if (dev.getMmioSize() != 0)
            out += fmt::format("mmio_base = {:#x}\nmmio_size = {:#x}\n", dev.getMmioBase(), dev.getMmioSize());
        if (dev.getIrq() != 0xff) out += fmt::format("irq = {}\n", dev.getIrq());
        if (dev.getPci() != 0xffff)
            out += fmt::format("pci = \"{:02x}:{:02x}.{:x}\"\n", dev.getPci() >> 8, (dev.getPci() >> 3) & 31, dev.getPci() & 7);
    }
    for (auto v : caps.getDisks()) {
        out += fmt::format("\n[[domain.disk]]\nfrontend = {}\nvdev = {}\n", quote(v.getFrontend()), quote(v.getVdev()));
        if (v.getOffsetSectors() != 0) out += fmt::format("offset_sectors = {}\n", v.getOffsetSectors());
        if (v.getSectors() != 0) out += fmt::format("sectors = {}\n", v.getSectors());
        if (v.getReadOnly()) out += "read_only = true\n";
    }
    for (auto v : caps.getNics()) {
        out += fmt::format("\n[[domain.nic]]\nfrontend = {}\n", quote(v.getFrontend()));
        if (v.getMac().size() != 0) out += fmt::format("mac = {}\n", quote(v.getMac()));
        if (v.getIp().size() != 0) out += fmt::format("ip = {}\n", quote(v.getIp()));
        if (v.getRules().size() != 0) {
            out += "rules = [";
            for (unsigned j = 0; j < v.getRules().size(); ++j) out += (j ? ", " : "") + quote(v.getRules()[j]);
            out += "]\n";
        }
    }
}

}  // namespace

bool dump_manifest(std::span<const uint8_t> bytes, std::string& out, std::string& error) {
    bh::wire::Message msg;
    bh::manifest::Manifest::Reader checked;
    bh::wire::Error e = msg.open(bytes);
    if (e == bh::wire::Error::None) e = msg.root(checked);
    if (e != bh::wire::Error::None) {
        error = fmt::format("corrupt manifest: {} (segment {}, word {})", bh::wire::describe(e),
                            msg.fault().segment, msg.fault().word);
        return false;
    }
    try {
        std::vector<::capnp::word> words(bytes.size() / sizeof(::capnp::word));
        std::memcpy(words.data(), bytes.data(), words.size() * sizeof(::capnp::word));
        ::capnp::FlatArrayMessageReader reader(kj::arrayPtr(words.data(), words.size()));
        auto root = reader.getRoot<m::Manifest>();
        out = fmt::format("# Bulkhead boot manifest (bulkhead-manifest --dump)\nversion = {}\n", root.getVersion());
        if (root.getStoreDomain().size() != 0) out += fmt::format("store = {}\n", quote(root.getStoreDomain()));
        if (root.getConsoleDomain().size() != 0) out += fmt::format("console = {}\n", quote(root.getConsoleDomain()));
        if (root.getMinDomExc() != 0) out += fmt::format("\n[test]\nmin_dom_exc = {}\n", root.getMinDomExc());
        for (auto d : root.getDomains()) dump_domain(d, out);
        return true;
    } catch (const kj::Exception& ex) {
        error = fmt::format("corrupt manifest: {}", ex.getDescription().cStr());
        return false;
    }
}

}  // namespace bh::topology
