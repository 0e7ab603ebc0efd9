// The boot manifest → the supervisor's tables (see scenario.hpp). The reader is generated from
// manifest.capnp by capnpc-bh: bounds-checked and allocation-free; a corrupt manifest is refused
// before any domain is built.
#include <bh/rt.hpp>

#include "manifest.bh.hpp"
#include "pci_scan.hpp"
#include "scenario.hpp"

using namespace bh::rt;
namespace m = bh::manifest;

namespace sup {
namespace {

constexpr uint32_t kMaxManifestBytes = 16384;
alignas(8) uint8_t g_bytes[kMaxManifestBytes];

// A tiny formatter into `why` (the supervisor has no snprintf): a, then b, then c.
void say(char* why, uint32_t n, const char* a, const char* b = "", const char* c = "") {
    uint32_t i = 0;
    for (const char* s : {a, b, c})
        for (; *s && i + 1 < n; ++s) why[i++] = *s;
    why[i] = '\0';
}

bool text_is(bh::wire::Text t, const char* s) {
    uint32_t i = 0;
    for (; i < t.size(); ++i)
        if (s[i] != t.data()[i]) return false;
    return s[i] == '\0';
}

void copy_text(bh::wire::Text t, char* out, uint32_t n) {
    uint32_t i = 0;
    for (; i < t.size() && i + 1 < n; ++i) out[i] = t.data()[i];
    out[i] = '\0';
}

// The module whose name is the image's, or -1.
int32_t find_module(bh::wire::Text image, uint32_t nr_modules) {
    for (uint32_t i = 0; i < nr_modules; ++i) {
        bh_module_info info{};
        if (!call(BH_CALL_MACHINE_MODULES, BH_SLOT_MACHINE, i, reinterpret_cast<uint64_t>(&info)).ok())
            continue;
        if (text_is(image, info.name)) return static_cast<int32_t>(i);
    }
    return -1;
}

// Devices: the supervisor hands over one I/O region, one MMIO region and one line per domain
// (its BH_SLOT_DEVICE / BH_SLOT_IRQ); more is refused rather than silently dropped. A PCI
// function is, for now, the MMIO region of its configuration space (from the boot-time scan).
bool take_devices(m::Domain::Reader d, Child& c, char* why, uint32_t n) {
    for (auto dev : d.getCapabilities().getDevices()) {
        bool io = dev.getIoCount() != 0, mmio = dev.getMmioSize() != 0 || dev.getPci() != 0xffff,
             irq = dev.getIrq() != 0xff;
        if ((io && c.io_count) || (mmio && c.mmio_pages) || (irq && c.irq != 0xff) || (io && mmio)) {
            say(why, n, "domain ", c.name, ": more devices than one I/O or MMIO region and one line");
            return false;
        }
        if (io) c.io_base = dev.getIoBase(), c.io_count = dev.getIoCount();
        if (dev.getPci() != 0xffff) {
            uint16_t bdf = dev.getPci();
            const PciFunction* f = nullptr;
            for (uint32_t k = 0; k < g_npci; ++k)
                if ((g_pci[k].bus << 8 | g_pci[k].dev << 3 | g_pci[k].fn) == bdf) f = &g_pci[k];
            if (!f) {
                say(why, n, "domain ", c.name, ": no such PCI function on this machine (see the pci: lines)");
                return false;
            }
            if (!iommu_covers(*f)) {
                say(why, n, "domain ", c.name, ": its PCI function's DMA is not behind the IOMMU (see the iommu: line)");
                return false;
            }
            c.mmio_base = f->config, c.mmio_pages = 1;
            c.pci = static_cast<int16_t>(f - g_pci);
        } else if (mmio) {
            c.mmio_base = dev.getMmioBase(), c.mmio_pages = static_cast<uint32_t>((dev.getMmioSize() + 4095) / 4096);
        }
        if (irq) c.irq = dev.getIrq();
    }
    return true;
}

// Virtual interfaces, by frontend name (validated on the host; the shape checked again here,
// netback parses the rules themselves and refuses a vif whose rules it cannot read).
template <class Domains>
bool load_nics(const Domains& domains, Scenario& out, char* why, uint32_t n) {
    out.nr_nics = out.nr_rules = 0;
    uint8_t handles[kMaxChildren] = {};
    for (uint32_t a = 0; a < out.nr_children; ++a) {
        for (auto v : domains[a].getCapabilities().getNics()) {
            uint32_t f = 0;
            while (f < out.nr_children && !text_is(v.getFrontend(), out.children[f].name)) ++f;
            auto rules = v.getRules();
            if (f == out.nr_children || f == a || out.nr_nics == kMaxNics || v.getMac().size() >= sizeof(Nic::mac) ||
                v.getIp().size() >= sizeof(Nic::ip) || rules.size() > kMaxNicRules - out.nr_rules ||
                !(out.children[a].xs & kXsClient) || !(out.children[f].xs & kXsClient) || out.children[a].pci < 0) {
                say(why, n, "domain ", out.children[a].name, ": bad virtual interface");
                return false;
            }
            Nic& nic = out.nics[out.nr_nics++];
            nic.backend = static_cast<uint8_t>(a), nic.frontend = static_cast<uint8_t>(f);
            nic.handle = handles[f]++;
            copy_text(v.getMac(), nic.mac, sizeof nic.mac);
            copy_text(v.getIp(), nic.ip, sizeof nic.ip);
            nic.first_rule = static_cast<uint16_t>(out.nr_rules);
            nic.nr_rules = static_cast<uint16_t>(rules.size());
            for (uint32_t k = 0; k < rules.size(); ++k) {
                if (rules[k].size() > kMaxRuleChars) {
                    say(why, n, "domain ", out.children[a].name, ": a filter rule is too long");
                    return false;
                }
                copy_text(rules[k], out.rules[out.nr_rules++], kMaxRuleChars + 1);
            }
        }
    }
    return true;
}

}  // namespace

bool load_manifest(uint32_t index, uint32_t nr_modules, Scenario& out, char* why, uint32_t n) {
    bh_module_info info{};
    if (index >= nr_modules ||
        !call(BH_CALL_MACHINE_MODULES, BH_SLOT_MACHINE, index, reinterpret_cast<uint64_t>(&info)).ok()) {
        say(why, n, "no manifest module");
        return false;
    }
    if (info.size > kMaxManifestBytes) {
        say(why, n, "manifest module ", info.name, " is larger than 16 KiB");
        return false;
    }
    Ret r = call(BH_CALL_MACHINE_MODULE_READ, BH_SLOT_MACHINE, index, 0,
                 reinterpret_cast<uint64_t>(g_bytes), info.size);
    if (!r.ok() || r.r1 != info.size) {
        say(why, n, "cannot read manifest module ", info.name);
        return false;
    }
    static bh::wire::Message msg;  // ~530 bytes: kept off the stack
    m::Manifest::Reader root;
    bh::wire::Error e = msg.open({g_bytes, info.size});
    if (e == bh::wire::Error::None) e = msg.root(root);
    if (e != bh::wire::Error::None) {
        say(why, n, "corrupt manifest: ", bh::wire::describe(e));
        return false;
    }
    if (root.getVersion() != 1) {
        say(why, n, "manifest version is not 1");
        return false;
    }
    auto domains = root.getDomains();
    if (domains.size() > kMaxChildren) {
        say(why, n, "manifest lists more than 16 domains");
        return false;
    }
    out.nr_children = out.nr_links = 0;
    out.min_dom_exc = root.getMinDomExc();
    for (auto d : domains) {
        Child& c = out.children[out.nr_children++];
        c = Child{};
        c.pci = -1;
        copy_text(d.getName(), c.name, sizeof c.name);
        int32_t mod = find_module(d.getImage(), nr_modules);
        if (mod < 0) {
            char image[48];
            copy_text(d.getImage(), image, sizeof image);
            say(why, n, "no boot module named ", image);
            return false;
        }
        c.module = static_cast<uint32_t>(mod);
        c.quota_pages = (d.getMemoryKib() + 3) / 4;
        c.weight = d.getWeight();
        c.irq = 0xff;
        auto t = d.getTest();
        c.role = t.getRole();
        c.outcome = static_cast<Outcome>(t.getOutcome());
        if (c.outcome > Outcome::CrashLoop) c.outcome = Outcome::Service;  // a newer enumerant
        c.fault = t.getFault();
        auto rp = d.getRestart();
        c.restart = static_cast<RestartMode>(rp.getMode());
        if (c.restart > RestartMode::Always) c.restart = RestartMode::Never;  // the safest reading
        c.max_restarts = rp.getMaxRestarts();
        c.backoff_ms = rp.getBackoffMs();
        if (text_is(root.getStoreDomain(), c.name)) c.xs |= kXsStore;
        if (d.getCapabilities().getXenstore().getRole() != m::XenstoreAccess::Role::NONE && !(c.xs & kXsStore))
            c.xs |= kXsClient;
        if (t.getKillsStore()) c.xs |= kXsKillsStore;
        c.kills = -1;
        if (!take_devices(d, c, why, n)) return false;
    }
    // Links, by name: each domain names at most one peer (validated on the host too).
    for (uint32_t a = 0; a < out.nr_children; ++a) {
        for (auto peer : domains[a].getCapabilities().getPeers()) {
            uint32_t b = 0;
            while (b < out.nr_children && !text_is(peer, out.children[b].name)) ++b;
            if (b == out.nr_children || b == a || out.nr_links == kMaxChildren) {
                say(why, n, "domain ", out.children[a].name, ": bad peer");
                return false;
            }
            out.links[out.nr_links++] = Link{static_cast<uint8_t>(a), static_cast<uint8_t>(b)};
        }
    }
    // Kill hooks, by name.
    for (uint32_t a = 0; a < out.nr_children; ++a) {
        auto victim = domains[a].getTest().getKills();
        if (victim.size() == 0) continue;
        uint32_t b = 0;
        while (b < out.nr_children && !text_is(victim, out.children[b].name)) ++b;
        if (b == out.nr_children || b == a) {
            say(why, n, "domain ", out.children[a].name, ": kills an unknown domain");
            return false;
        }
        out.children[a].kills = static_cast<int8_t>(b);
    }
    // Virtual disks, by frontend name (validated on the host too; checked again here).
    out.nr_disks = 0;
    for (uint32_t a = 0; a < out.nr_children; ++a) {
        for (auto v : domains[a].getCapabilities().getDisks()) {
            uint32_t f = 0;
            while (f < out.nr_children && !text_is(v.getFrontend(), out.children[f].name)) ++f;
            char vdev[8];
            copy_text(v.getVdev(), vdev, sizeof vdev);
            bool named = vdev[0] == 'x' && vdev[1] == 'v' && vdev[2] == 'd' && vdev[3] >= 'a' && vdev[3] <= 'p' && !vdev[4];
            if (f == out.nr_children || f == a || !named || out.nr_disks == kMaxDisks ||
                !(out.children[a].xs & kXsClient) || !(out.children[f].xs & kXsClient) || out.children[a].pci < 0) {
                say(why, n, "domain ", out.children[a].name, ": bad virtual disk");
                return false;
            }
            out.disks[out.nr_disks++] = Disk{static_cast<uint8_t>(a), static_cast<uint8_t>(f),
                                             static_cast<uint8_t>(vdev[3] - 'a'), v.getReadOnly(),
                                             v.getOffsetSectors(), v.getSectors()};
        }
    }
    return load_nics(domains, out, why, n);
}

}  // namespace sup
