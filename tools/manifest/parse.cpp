// TOML topology -> Topology: every key read with its type and range, unknown keys refused.
#include <fmt/format.h>

#include <array>
#include <cstdio>

#include "table_reader.hpp"
#include "topology.hpp"

namespace bh::topology {

namespace {

struct Context {
    std::string_view file;
    std::vector<Problem>& out;
};

// Each element of array `key` as a table (e.g. [[domain]] or [[domain.device]]).
template <class F>
void each_table(TableReader& r, std::string_view key, Context& cx, F&& f) {
    const toml::array* a = r.array(key);
    if (a == nullptr) return;
    size_t i = 0;
    for (const toml::node& n : *a) {
        std::string path = r.key_path(fmt::format("{}[{}]", key, i++));
        if (!n.is_table()) {
            cx.out.push_back(Problem{std::string(cx.file), static_cast<int>(n.source().begin.line), path,
                                     "must be a table"});
            continue;
        }
        TableReader t(*n.as_table(), path, cx.file, cx.out);
        f(t);
        t.finish();
    }
}

Device read_device(TableReader& r) {
    Device d;
    d.line = r.line();
    d.name = r.string("name", true).value_or("");
    auto io_base = r.integer("io_base", false, 0, 0xffff);
    auto io_count = r.integer("io_count", false, 0, 0xffff);
    auto mmio_base = r.integer("mmio_base", false, 0, INT64_MAX);
    auto mmio_size = r.integer("mmio_size", false, 0, INT64_MAX);
    d.io_base = static_cast<uint16_t>(io_base.value_or(0));
    d.io_count = static_cast<uint16_t>(io_count.value_or(0));
    d.mmio_base = static_cast<uint64_t>(mmio_base.value_or(0));
    d.mmio_size = static_cast<uint64_t>(mmio_size.value_or(0));
    d.irq = static_cast<uint8_t>(r.integer("irq", false, 0, kMaxIrq).value_or(0xff));
    if (auto bdf = r.string("pci", false)) {
        d.pci_given = true;
        unsigned bus = 0, dev = 0, fn = 0;
        char tail = 0;
        if (std::sscanf(bdf->c_str(), "%2x:%2x.%1x%c", &bus, &dev, &fn, &tail) != 3 || dev > 31 || fn > 7)
            r.problem("pci", "must be a PCI function as BB:DD.F in hex, e.g. \"00:01.0\"");
        else d.pci = static_cast<uint16_t>(bus << 8 | dev << 3 | fn);
    }
    if (r.has("io_base") && !r.has("io_count")) r.problem("io_base", "is given without io_count");
    if (io_count && *io_count == 0) r.problem("io_count", "must not be 0 (omit io_base and io_count)");
    if (r.has("mmio_base") && !r.has("mmio_size"))
        r.problem("mmio_base", "is given without mmio_size (a zero-size MMIO region)");
    if (mmio_size && *mmio_size == 0) r.problem("mmio_size", "must not be 0 (a zero-size MMIO region)");
    return d;
}

void read_restart(TableReader& r, Domain& d) {
    auto mode = r.choice("mode", {"never", "on-fault", "always"});
    if (mode) d.restart = static_cast<RestartMode>(*mode);
    else if (!r.has("mode")) r.problem("mode", "is required");
    auto max = r.integer("max_restarts", false, 0, 0xffff);
    auto backoff = r.integer("backoff_ms", false, 0, kMaxBackoffMs, "ms");
    d.max_restarts = static_cast<uint16_t>(max.value_or(0));
    d.backoff_ms = static_cast<uint32_t>(backoff.value_or(0));
    if (mode && d.restart == RestartMode::Never && (max || backoff))
        r.problem(max ? "max_restarts" : "backoff_ms", "has no effect with mode = \"never\"");
}

void read_xenstore(TableReader& r, Domain& d, Context& cx) {
    if (auto role = r.choice("role", {"none", "client", "privileged"})) d.xenstore = static_cast<XenstoreRole>(*role);
    else if (!r.has("role")) r.problem("role", "is required");
    each_table(r, "paths", cx, [&](TableReader& p) {
        PathGrant g;
        g.path = p.string("path", true).value_or("");
        if (auto perm = p.choice("perm", {"r", "w", "rw"})) g.perm = std::array{"r", "w", "rw"}[*perm];
        else if (!p.has("perm")) p.problem("perm", "is required");
        if (!g.path.empty() && g.path[0] != '/') p.problem("path", fmt::format("must be absolute, got \"{}\"", g.path));
        d.xenstore_paths.push_back(g);
    });
    if (d.xenstore == XenstoreRole::None && !d.xenstore_paths.empty())
        r.problem("paths", "are given but role = \"none\"");
}

// [domain.test]: role, expect ("service", "exit0", ...), fault ("page", "gp", "ud", "de", "other").
void read_test(TableReader& r, Domain& d) {
    d.test.role = static_cast<uint32_t>(r.integer("role", false, 0, UINT32_MAX).value_or(0));
    auto outcome = r.choice("expect", {"service", "exit0", "fault", "refused", "waiter", "crash-once", "crash-loop"});
    if (outcome) d.test.outcome = static_cast<Outcome>(*outcome);
    else if (!r.has("expect")) r.problem("expect", "is required");
    if (auto f = r.choice("fault", {"none", "page", "gp", "ud", "de", "other"})) d.test.fault = static_cast<uint8_t>(*f);
    if (r.has("fault") && d.test.outcome != Outcome::Fault) r.problem("fault", "is only meaningful with expect = \"fault\"");
    d.test.kills_store = r.boolean("kills_store", false).value_or(false);
    d.test.kills = r.string("kills", false).value_or("");
    if (d.test.kills_store && !d.test.kills.empty()) r.problem("kills", "and kills_store ask for two victims: give one");
}

Domain read_domain(TableReader& r, Context& cx) {
    Domain d;
    d.line = r.line();
    auto name = r.string("name", true);
    auto image = r.string("image", true);
    if (name && name->empty()) r.problem("name", "must not be empty");
    if (image && image->empty()) r.problem("image", "must not be empty (the boot-module file name)");
    d.name = name.value_or("");
    d.image = image.value_or("");
    d.memory_kib = static_cast<uint32_t>(r.integer("memory_kib", true, 1, kMaxMemoryKib, "KiB").value_or(0));
    d.weight = static_cast<uint16_t>(r.integer("weight", false, 1, 0xffff).value_or(256));
    d.vcpus = static_cast<uint8_t>(r.integer("vcpus", false, 1, kMaxVcpus).value_or(1));
    if (auto k = r.choice("kind", {"service", "guest"})) d.kind = static_cast<Kind>(*k);
    if (const toml::array* peers = r.array("peers")) {
        size_t i = 0;
        for (const toml::node& p : *peers) {
            if (p.is_string()) d.peers.emplace_back(p.as_string()->get());
            else r.problem(fmt::format("peers[{}]", i), "must be a string (a domain name)", &p);
            ++i;
        }
    }
    if (const toml::table* t = r.table("restart")) {
        TableReader rr(*t, r.key_path("restart"), cx.file, cx.out);
        read_restart(rr, d);
        rr.finish();
    }
    if (const toml::table* t = r.table("xenstore")) {
        TableReader xr(*t, r.key_path("xenstore"), cx.file, cx.out);
        read_xenstore(xr, d, cx);
        xr.finish();
    }
    if (const toml::table* t = r.table("test")) {
        TableReader tr(*t, r.key_path("test"), cx.file, cx.out);
        read_test(tr, d);
        tr.finish();
    }
    each_table(r, "device", cx, [&](TableReader& dr) { d.devices.push_back(read_device(dr)); });
    each_table(r, "disk", cx, [&](TableReader& dr) {
        VirtualDisk v;
        v.line = dr.line();
        v.frontend = dr.string("frontend", true).value_or("");
        v.vdev = dr.string("vdev", true).value_or("");
        v.offset_sectors = static_cast<uint64_t>(dr.integer("offset_sectors", false, 0, INT64_MAX).value_or(0));
        v.sectors = static_cast<uint64_t>(dr.integer("sectors", false, 0, INT64_MAX).value_or(0));
        v.read_only = dr.boolean("read_only", false).value_or(false);
        if (!v.vdev.empty() && !(v.vdev.size() == 4 && v.vdev.compare(0, 3, "xvd") == 0 && v.vdev[3] >= 'a' &&
                                 v.vdev[3] <= 'p'))
            dr.problem("vdev", fmt::format("must be \"xvda\" to \"xvdp\", got \"{}\"", v.vdev));
        d.disks.push_back(v);
    });
    each_table(r, "nic", cx, [&](TableReader& nr) {
        VirtualNic v;
        v.line = nr.line();
        v.frontend = nr.string("frontend", true).value_or("");
        v.mac = nr.string("mac", false).value_or("");
        v.ip = nr.string("ip", false).value_or("");
        if (const toml::array* rules = nr.array("rules")) {
            size_t i = 0;
            for (const toml::node& p : *rules) {
                if (p.is_string()) v.rules.emplace_back(p.as_string()->get());
                else nr.problem(fmt::format("rules[{}]", i), "must be a string (a filter rule)", &p);
                ++i;
            }
        }
        d.nics.push_back(v);
    });
    return d;
}

}  // namespace

Parsed parse_topology(const toml::table& doc, std::string_view file) {
    Parsed p;
    Context cx{file, p.problems};
    TableReader top(doc, "", file, p.problems);
    p.topology.version = static_cast<uint16_t>(top.integer("version", false, 1, 1).value_or(1));
    p.topology.store = top.string("store", false).value_or("");
    p.topology.console = top.string("console", false).value_or("");
    if (const toml::table* t = top.table("test")) {
        TableReader tr(*t, "test", file, p.problems);
        p.topology.min_dom_exc = static_cast<uint32_t>(tr.integer("min_dom_exc", false, 0, 1000).value_or(0));
        tr.finish();
    }
    each_table(top, "domain", cx, [&](TableReader& r) { p.topology.domains.push_back(read_domain(r, cx)); });
    if (top.array("domain") == nullptr && doc.get("domain") == nullptr)
        top.problem("domain", "is required: at least one [[domain]]");
    top.finish();
    validate(p.topology, file, p.problems);
    return p;
}

Parsed parse_topology_file(const std::string& path) {
    try {
        toml::table doc = toml::parse_file(path);
        return parse_topology(doc, path);
    } catch (const toml::parse_error& e) {
        Parsed p;
        p.problems.push_back(Problem{path, static_cast<int>(e.source().begin.line), "(syntax)",
                                     std::string(e.description())});
        return p;
    }
}

}  // namespace bh::topology
