// bulkhead-manifest's library: TOML -> manifest -> dump round trips, and one test per
// validation rule, each checking the problem names the file, line and key.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "manifest.bh.hpp"
#include "topology.hpp"

using bh::topology::Problem;

namespace {

std::vector<Problem> problems_of(const std::string& text) {
    toml::table doc = toml::parse(std::string_view(text), std::string_view("test.toml"));
    return bh::topology::parse_topology(doc, "test.toml").problems;
}

// The single problem `text` has; fails the test if there is not exactly one.
Problem only_problem(const std::string& text) {
    auto ps = problems_of(text);
    std::string all;
    for (auto& p : ps) all += p.text() + "\n";
    INFO(all);
    REQUIRE(ps.size() == 1);
    return ps[0];
}

const std::string kDomain = "[[domain]]\nname = \"a\"\nimage = \"a.elf\"\nmemory_kib = 1024\n";

}  // namespace

TEST_CASE("ManifestTool.DefaultTopologyIsValidAndReadsInSystem") {
    auto parsed = bh::topology::parse_topology_file(BH_MANIFEST_EXAMPLE);
    for (auto& p : parsed.problems) FAIL(p.text());
    auto bytes = bh::topology::encode_manifest(parsed.topology);
    bh::wire::Message msg;
    REQUIRE(msg.open(bytes) == bh::wire::Error::None);
    bh::manifest::Manifest::Reader m;
    REQUIRE(msg.root(m) == bh::wire::Error::None);
    CHECK(m.getVersion() == 1);
    CHECK(m.getStoreDomain() == bh::wire::Text("xenstore"));
    REQUIRE(m.getDomains().size() == 3);
    auto console = m.getDomains()[1];
    CHECK(console.getName() == bh::wire::Text("console"));
    CHECK(console.getWeight() == 256);
    CHECK(console.getRestart().getMode() == bh::manifest::RestartPolicy::Mode::ALWAYS);
    CHECK(console.getCapabilities().getDevices()[0].getIoBase() == 0x3f8);
    CHECK(console.getCapabilities().getDevices()[0].getIrq() == 4);
    CHECK(console.getCapabilities().getDevices()[0].getMmioSize() == 0);
    auto blk = m.getDomains()[2];
    CHECK(blk.getCapabilities().getDevices()[0].getIrq() == 11);
    CHECK(blk.getCapabilities().getXenstore().getPaths()[0].getPerm() == bh::wire::Text("rw"));
}

TEST_CASE("ManifestTool.TomlToManifestToDumpRoundTripsExactly") {
    auto parsed = bh::topology::parse_topology_file(BH_MANIFEST_EXAMPLE);
    REQUIRE(parsed.problems.empty());
    auto bytes = bh::topology::encode_manifest(parsed.topology);
    std::string dump, error;
    REQUIRE(bh::topology::dump_manifest(bytes, dump, error));
    INFO(dump);
    toml::table again = toml::parse(std::string_view(dump), std::string_view("dump.toml"));
    auto encoded = bh::topology::encode_topology(again, "dump.toml");
    for (auto& p : encoded.problems) FAIL(p.text());
    CHECK(encoded.bytes == bytes);
    std::string dump2;
    REQUIRE(bh::topology::dump_manifest(encoded.bytes, dump2, error));
    CHECK(dump2 == dump);
}

TEST_CASE("ManifestTool.CorruptManifestIsRefusedWithAClearMessage") {
    auto parsed = bh::topology::parse_topology_file(BH_MANIFEST_EXAMPLE);
    auto bytes = bh::topology::encode_manifest(parsed.topology);
    std::string out, error;
    auto cut = bytes;
    cut.resize(cut.size() - 8);
    CHECK_FALSE(bh::topology::dump_manifest(cut, out, error));
    CHECK(error.find("corrupt manifest: message is truncated") == 0);
    auto bad = bytes;
    bad[8] = 0xff, bad[9] = 0xff;  // root pointer offset far out of the segment
    CHECK_FALSE(bh::topology::dump_manifest(bad, out, error));
    CHECK(error.find("outside its segment") != std::string::npos);
}

TEST_CASE("ManifestTool.MinimalDomainGetsSchemaDefaults") {
    CHECK(problems_of(kDomain).empty());
}

TEST_CASE("ManifestTool.SyntaxErrorNamesTheLine") {
    std::string path = std::string(BH_TMPDIR) + "/bad_syntax.toml";
    std::ofstream(path) << "version = 1\n[[domain]\n";
    auto parsed = bh::topology::parse_topology_file(path);
    REQUIRE(parsed.problems.size() == 1);
    CHECK(parsed.problems[0].line == 2);
    CHECK(parsed.problems[0].text().find(path + ":2:") == 0);
}

TEST_CASE("ManifestTool.EachValidationRuleNamesFileLineAndKey") {
    struct Case {
        std::string text;
        int line;
        std::string key;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"bogus = 1\n" + kDomain, 1, "bogus", "unknown key"},
        {kDomain + "colour = \"red\"\n", 5, "domain[0].colour", "unknown key"},
        {"[[domain]]\nimage = \"a.elf\"\nmemory_kib = 1\n", 1, "domain[0].name", "is required"},
        {"[[domain]]\nname = \"a\"\nmemory_kib = 1\n", 1, "domain[0].image", "is required"},
        {"[[domain]]\nname = \"a\"\nimage = \"\"\nmemory_kib = 1\n", 3, "domain[0].image", "must not be empty"},
        {"[[domain]]\nname = 5\nimage = \"a\"\nmemory_kib = 1\n", 2, "domain[0].name", "must be a string, not an integer"},
        {"[[domain]]\nname = \"a b\"\nimage = \"a\"\nmemory_kib = 1\n", 1, "domain[0].name", "letters, digits"},
        {kDomain + kDomain, 5, "domain[1].name", "duplicate domain name \"a\""},
        {"[[domain]]\nname = \"a\"\nimage = \"a\"\nmemory_kib = 0\n", 4, "domain[0].memory_kib", "between 1 and"},
        {"[[domain]]\nname = \"a\"\nimage = \"a\"\nmemory_kib = 999999999\n", 4, "domain[0].memory_kib", "KiB, got 999999999"},
        {"[[domain]]\nname = \"a\"\nimage = \"a\"\nmemory_kib = \"1M\"\n", 4, "domain[0].memory_kib", "must be an integer, not a string"},
        {kDomain + "weight = 0\n", 5, "domain[0].weight", "between 1 and 65535"},
        {kDomain + "vcpus = 0\n", 5, "domain[0].vcpus", "between 1 and 64"},
        {kDomain + "kind = \"vm\"\n", 5, "domain[0].kind", "one of \"service\", \"guest\""},
        {kDomain + "peers = [\"ghost\"]\n", 1, "domain[0].peers[0]", "unknown domain \"ghost\""},
        {kDomain + "peers = [\"a\"]\n", 1, "domain[0].peers[0]", "its own peer"},
        {kDomain + "peers = [3]\n", 5, "domain[0].peers[0]", "must be a string"},
        {"store = \"nobody\"\n" + kDomain, 1, "store", "unknown domain \"nobody\""},
        {"console = \"nobody\"\n" + kDomain, 1, "console", "unknown domain \"nobody\""},
        {"version = 2\n" + kDomain, 1, "version", "between 1 and 1"},
        {"version = 1\n", 1, "domain", "at least one [[domain]]"},
        {kDomain + "restart = { mode = \"sometimes\" }\n", 5, "domain[0].restart.mode", "one of \"never\", \"on-fault\", \"always\""},
        {kDomain + "restart = { max_restarts = 3 }\n", 5, "domain[0].restart.mode", "is required"},
        {kDomain + "restart = { mode = \"never\", max_restarts = 3 }\n", 5, "domain[0].restart.max_restarts", "no effect"},
        {kDomain + "restart = { mode = \"always\", backoff_ms = 99999999 }\n", 5, "domain[0].restart.backoff_ms", "ms, got"},
        {kDomain + "restart = { mode = \"always\", max_restarts = -1 }\n", 5, "domain[0].restart.max_restarts", "between 0 and 65535"},
        {kDomain + "restart = { mode = \"always\", retries = 1 }\n", 5, "domain[0].restart.retries", "unknown key"},
        {kDomain + "restart = 3\n", 5, "domain[0].restart", "must be a table"},
        {kDomain + "xenstore = { role = \"boss\" }\n", 5, "domain[0].xenstore.role", "one of \"none\", \"client\", \"privileged\""},
        {kDomain + "xenstore = { role = \"none\", paths = [{ path = \"/x\", perm = \"r\" }] }\n", 5, "domain[0].xenstore.paths", "role = \"none\""},
        {kDomain + "xenstore = { role = \"client\", paths = [{ path = \"x\", perm = \"r\" }] }\n", 5, "domain[0].xenstore.paths[0].path", "must be absolute"},
        {kDomain + "xenstore = { role = \"client\", paths = [{ path = \"/x\", perm = \"rwx\" }] }\n", 5, "domain[0].xenstore.paths[0].perm", "one of \"r\", \"w\", \"rw\""},
        {kDomain + "[[domain.device]]\nname = \"d\"\nio_base = 0xfff8\nio_count = 16\n", 5, "domain[0].device[0].io_count", "run past 0xffff"},
        {kDomain + "[[domain.device]]\nname = \"d\"\nio_base = 0x10000\nio_count = 1\n", 7, "domain[0].device[0].io_base", "between 0 and 65535"},
        {kDomain + "[[domain.device]]\nname = \"d\"\nio_base = 0x60\nirq = 1\n", 7, "domain[0].device[0].io_base", "without io_count"},
        {kDomain + "[[domain.device]]\nname = \"d\"\nio_base = 0x60\nio_count = 0\nirq = 1\n", 8, "domain[0].device[0].io_count", "must not be 0"},
        {kDomain + "[[domain.device]]\nname = \"d\"\nmmio_base = 0x1000\nmmio_size = 0\nirq = 1\n", 8, "domain[0].device[0].mmio_size", "zero-size MMIO"},
        {kDomain + "[[domain.device]]\nname = \"d\"\nmmio_base = 0x1000\nirq = 1\n", 7, "domain[0].device[0].mmio_base", "zero-size MMIO"},
        {kDomain + "[[domain.device]]\nname = \"d\"\nmmio_base = 0x1001\nmmio_size = 0x1000\n", 5, "domain[0].device[0].mmio_base", "4 KiB aligned"},
        {kDomain + "[[domain.device]]\nname = \"d\"\nio_base = 0x60\nio_count = 1\nirq = 24\n", 9, "domain[0].device[0].irq", "between 0 and 23"},
        {kDomain + "[[domain.device]]\nname = \"d\"\n", 5, "domain[0].device[0]", "grants nothing"},
        {kDomain + "[[domain.device]]\nname = \"d\"\nirq = 3\n[[domain.device]]\nname = \"d\"\nirq = 4\n", 8, "domain[0].device[1].name", "duplicate device name"},
        {kDomain + "[[domain.device]]\nname = \"d\"\nirq = 3\nspeed = 9\n", 8, "domain[0].device[0].speed", "unknown key"},
        {kDomain + "[[domain.device]]\nio_base = 0x60\nio_count = 1\n", 5, "domain[0].device[0].name", "is required"},
        {kDomain + "[[domain.device]]\nname = \"d\"\npci = \"0:32.0\"\n", 7, "domain[0].device[0].pci", "BB:DD.F"},
        {kDomain + "[[domain.device]]\nname = \"d\"\npci = \"00:01.0x\"\n", 7, "domain[0].device[0].pci", "BB:DD.F"},
        {kDomain + "[[domain.device]]\nname = \"d\"\npci = \"00:01.0\"\nmmio_base = 0x1000\nmmio_size = 0x1000\n", 5, "domain[0].device[0].pci", "no ports or MMIO"},
    };
    for (const Case& c : cases) {
        INFO(c.text);
        Problem p = only_problem(c.text);
        CHECK(p.file == "test.toml");
        CHECK(p.line == c.line);
        CHECK(p.key == c.key);
        CHECK_THAT(p.message, Catch::Matchers::Contains(c.says));
    }
}

TEST_CASE("ManifestTool.APciFunctionGoesToOneDomainAndRoundTrips") {
    std::string b = "[[domain]]\nname = \"b\"\nimage = \"b.elf\"\nmemory_kib = 1024\n";
    auto ps = problems_of(kDomain + "[[domain.device]]\nname = \"disk\"\npci = \"00:01.0\"\n" + b +
                          "[[domain.device]]\nname = \"disk\"\npci = \"00:01.0\"\n");
    REQUIRE(ps.size() == 1);
    CHECK(ps[0].message == "PCI function overlaps domain \"a\" device \"disk\"'s");
}

TEST_CASE("ManifestTool.DevicesOfDifferentDomainsMustNotOverlap") {
    std::string b = "[[domain]]\nname = \"b\"\nimage = \"b.elf\"\nmemory_kib = 1024\n";
    auto ps = problems_of(kDomain + "[[domain.device]]\nname = \"uart\"\nio_base = 0x3f8\nio_count = 8\nirq = 4\n" + b +
                          "[[domain.device]]\nname = \"uart2\"\nio_base = 0x3fc\nio_count = 2\nirq = 4\n"
                          "[[domain.device]]\nname = \"mem\"\nmmio_base = 0x10000\nmmio_size = 0x2000\n"
                          "[[domain.device]]\nname = \"mem2\"\nmmio_base = 0x11000\nmmio_size = 0x1000\n");
    REQUIRE(ps.size() == 3);
    CHECK(ps[0].message == "I/O port range overlaps domain \"a\" device \"uart\"'s");
    CHECK(ps[1].message == "IRQ overlaps domain \"a\" device \"uart\"'s");
    CHECK(ps[2].key == "domain[1].device[2]");
    CHECK(ps[2].message == "MMIO region overlaps domain \"b\" device \"mem\"'s");
}

TEST_CASE("ManifestTool.AllProblemsAreReportedNotJustTheFirst") {
    auto ps = problems_of("[[domain]]\nname = \"\"\nmemory_kib = 0\nweight = 0\n");
    CHECK(ps.size() == 4);  // name empty, image missing, memory 0, weight 0
}

namespace {
// A block backend with its disk and xenstore, and two client domains.
const std::string kBlk =
    "[[domain]]\nname = \"blkback\"\nimage = \"b.elf\"\nmemory_kib = 4096\nxenstore = { role = \"client\" }\n"
    "[[domain.device]]\nname = \"disk\"\npci = \"00:01.0\"\n";
const std::string kClients =
    "[[domain]]\nname = \"c1\"\nimage = \"c.elf\"\nmemory_kib = 1024\nxenstore = { role = \"client\" }\n"
    "[[domain]]\nname = \"c2\"\nimage = \"c.elf\"\nmemory_kib = 1024\nxenstore = { role = \"client\" }\n"
    "[[domain]]\nname = \"plain\"\nimage = \"c.elf\"\nmemory_kib = 1024\n";
// Encodes a topology that must have no problems.
std::vector<uint8_t> encode_clean(const std::string& text) {
    toml::table doc = toml::parse(std::string_view(text), std::string_view("test.toml"));
    auto enc = bh::topology::encode_topology(doc, "test.toml");
    for (auto& p : enc.problems) FAIL(p.text());
    return enc.bytes;
}
// The dump of a manifest encodes back to the same bytes.
void check_dump_round_trips(const std::vector<uint8_t>& bytes) {
    std::string dump, error;
    REQUIRE(bh::topology::dump_manifest(bytes, dump, error));
    toml::table again = toml::parse(std::string_view(dump), std::string_view("dump.toml"));
    CHECK(bh::topology::encode_topology(again, "dump.toml").bytes == bytes);
}
std::string disk(const std::string& fe, const std::string& vdev, const std::string& extra = "") {
    return "[[domain.disk]]\nfrontend = \"" + fe + "\"\nvdev = \"" + vdev + "\"\n" + extra;
}
}  // namespace

TEST_CASE("ManifestTool.VirtualDisksRoundTripAndReadInSystem") {
    std::string text = kBlk + disk("c1", "xvda", "offset_sectors = 0\nsectors = 65536\n") +
                       disk("c2", "xvdb", "offset_sectors = 65536\nread_only = true\n") + kClients;
    std::vector<uint8_t> bytes = encode_clean(text);
    bh::wire::Message msg;
    REQUIRE(msg.open(bytes) == bh::wire::Error::None);
    bh::manifest::Manifest::Reader m;
    REQUIRE(msg.root(m) == bh::wire::Error::None);
    auto disks = m.getDomains()[0].getCapabilities().getDisks();
    REQUIRE(disks.size() == 2);
    CHECK(disks[0].getFrontend() == bh::wire::Text("c1"));
    CHECK(disks[0].getSectors() == 65536);
    CHECK(disks[1].getVdev() == bh::wire::Text("xvdb"));
    CHECK(disks[1].getOffsetSectors() == 65536);
    CHECK(disks[1].getSectors() == 0);
    CHECK(disks[1].getReadOnly());
    check_dump_round_trips(bytes);
}

TEST_CASE("ManifestTool.VirtualDiskRules") {
    struct Case {
        std::string text, key, says;
    };
    std::string nopci = "[[domain]]\nname = \"blkback\"\nimage = \"b.elf\"\nmemory_kib = 4096\nxenstore = { role = \"client\" }\n";
    const Case cases[] = {
        {kBlk + disk("nobody", "xvda") + kClients, "domain[0].disk[0].frontend", "unknown domain \"nobody\""},
        {kBlk + disk("blkback", "xvda") + kClients, "domain[0].disk[0].frontend", "its own disk"},
        {kBlk + disk("plain", "xvda") + kClients, "domain[0].disk[0].frontend", "no xenstore access"},
        {kBlk + disk("c1", "sda") + kClients, "domain[0].disk[0].vdev", "\"xvda\" to \"xvdp\""},
        {kBlk + disk("c1", "xvdq") + kClients, "domain[0].disk[0].vdev", "\"xvda\" to \"xvdp\""},
        {kBlk + disk("c1", "xvda", "sectors = 100\n") + disk("c1", "xvda", "offset_sectors = 100\n") + kClients,
         "domain[0].disk[1].vdev", "already has a xvda"},
        {kBlk + disk("c1", "xvda", "sectors = 100\n") + disk("c2", "xvda", "offset_sectors = 99\nread_only = true\n") + kClients,
         "domain[0].disk[1]", "one of them writes"},
        {nopci + disk("c1", "xvda") + kClients, "domain[0].disk[0]", "give the domain a pci device"},
        {kBlk + disk("c1", "xvda", "read_only = true\n") + disk("c1", "xvdb", "read_only = true\n") +
             disk("c1", "xvdc", "read_only = true\n") + disk("c1", "xvdd", "read_only = true\n") +
             disk("c1", "xvde", "read_only = true\n") + disk("c1", "xvdf", "read_only = true\n") +
             disk("c1", "xvdg", "read_only = true\n") + kClients,
         "domain[0].disk", "at most 6 virtual disks"},
    };
    for (const Case& c : cases) {
        INFO(c.text);
        Problem p = only_problem(c.text);
        CHECK(p.key == c.key);
        CHECK_THAT(p.message, Catch::Matchers::Contains(c.says));
    }
    // Read-only slices may share sectors.
    CHECK(problems_of(kBlk + disk("c1", "xvda", "read_only = true\n") + disk("c2", "xvda", "read_only = true\n") +
                      kClients).empty());
}

namespace {
std::string nic(const std::string& fe, const std::string& extra = "") {
    return "[[domain.nic]]\nfrontend = \"" + fe + "\"\n" + extra;
}
}  // namespace

TEST_CASE("ManifestTool.VirtualNicsRoundTripAndReadInSystem") {
    std::string text = kBlk + nic("c1", "ip = \"10.0.2.16\"\n") +
                       nic("c2", "mac = \"00:16:3e:00:00:02\"\nrules = [\"deny in proto=udp dport=9\", \"allow\"]\n") + kClients;
    std::vector<uint8_t> bytes = encode_clean(text);
    bh::wire::Message msg;
    REQUIRE(msg.open(bytes) == bh::wire::Error::None);
    bh::manifest::Manifest::Reader m;
    REQUIRE(msg.root(m) == bh::wire::Error::None);
    auto nics = m.getDomains()[0].getCapabilities().getNics();
    REQUIRE(nics.size() == 2);
    CHECK(nics[0].getFrontend() == bh::wire::Text("c1"));
    CHECK(nics[0].getIp() == bh::wire::Text("10.0.2.16"));
    CHECK(nics[0].getMac().size() == 0);
    CHECK(nics[1].getMac() == bh::wire::Text("00:16:3e:00:00:02"));
    REQUIRE(nics[1].getRules().size() == 2);
    CHECK(nics[1].getRules()[0] == bh::wire::Text("deny in proto=udp dport=9"));
    check_dump_round_trips(bytes);
}

TEST_CASE("ManifestTool.VirtualNicRules") {
    struct Case {
        std::string text, key, says;
    };
    std::string nopci = "[[domain]]\nname = \"netback\"\nimage = \"b.elf\"\nmemory_kib = 4096\nxenstore = { role = \"client\" }\n";
    const Case cases[] = {
        {kBlk + nic("nobody") + kClients, "domain[0].nic[0].frontend", "unknown domain \"nobody\""},
        {kBlk + nic("blkback") + kClients, "domain[0].nic[0].frontend", "its own vif"},
        {kBlk + nic("plain") + kClients, "domain[0].nic[0].frontend", "no xenstore access"},
        {kBlk + nic("c1", "mac = \"00:16:3e:00\"\n") + kClients, "domain[0].nic[0].mac", "is not xx:xx:xx:xx:xx:xx"},
        {kBlk + nic("c1", "mac = \"01:16:3e:00:00:01\"\n") + kClients, "domain[0].nic[0].mac", "multicast"},
        {kBlk + nic("c1", "mac = \"00:16:3e:00:00:01\"\n") + nic("c2", "mac = \"00:16:3e:00:00:01\"\n") + kClients,
         "domain[0].nic[1].mac", "MAC address 00:16:3e:00:00:01 already in use (at domain[0].nic[0])"},
        {kBlk + nic("c1", "ip = \"10.0.2\"\n") + kClients, "domain[0].nic[0].ip", "not an IPv4 address"},
        {kBlk + nic("c1", "ip = \"10.0.2.16\"\n") + nic("c2", "ip = \"10.0.2.16\"\n") + kClients,
         "domain[0].nic[1].ip", "already in use"},
        {kBlk + nic("c1", "rules = [\"deny dport=9\"]\n") + kClients, "domain[0].nic[0].rules[0]",
         "\"deny dport=9\": ports need proto=udp or proto=tcp"},
        {kBlk + nic("c1", "rules = [7]\n") + kClients, "domain[0].nic[0].rules[0]", "must be a string"},
        {nopci + nic("c1") + kClients, "domain[0].nic[0]", "give the domain a pci device"},
    };
    for (const Case& c : cases) {
        INFO(c.text);
        Problem p = only_problem(c.text);
        CHECK(p.key == c.key);
        CHECK_THAT(p.message, Catch::Matchers::Contains(c.says));
    }
}
