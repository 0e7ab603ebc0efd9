// libFuzzer harness: capnpc-bh's manifest reader against libcapnp's. On every input either bh
// refuses the message, or libcapnp also reads it and both see the same field values; accepted
// messages are then re-encoded with the bh Builder and must read back identically.
// Inputs are tried as-is and as byte patches over two valid manifests (one single-segment, one
// spilling across segments through far pointers), so corruption reaches deep structure fast.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "manifest.bh.hpp"
#include "manifest.capnp.h"
#include "render.hpp"

namespace {

namespace host = bh::host::manifest;

std::vector<uint8_t> seed(uint32_t first_segment_words) {
    ::capnp::MallocMessageBuilder mb(first_segment_words, ::capnp::AllocationStrategy::GROW_HEURISTICALLY);
    auto m = mb.initRoot<host::Manifest>();
    m.setVersion(1);
    m.setStoreDomain("xenstore");
    m.setConsoleDomain("console");
    auto ds = m.initDomains(2);
    ds[0].setName("xenstore");
    ds[0].setImage("xenstore.elf");
    ds[0].setMemoryKib(4096);
    ds[0].getCapabilities().getXenstore().setRole(host::XenstoreAccess::Role::PRIVILEGED);
    ds[1].setName("console");
    ds[1].setImage("console.elf");
    ds[1].setMemoryKib(2048);
    ds[1].setWeight(512);
    ds[1].getRestart().setMode(host::RestartPolicy::Mode::ON_FAULT);
    ds[1].getRestart().setMaxRestarts(3);
    auto devs = ds[1].getCapabilities().initDevices(1);
    devs[0].setName("com1");
    devs[0].setIoBase(0x3f8);
    devs[0].setIoCount(8);
    devs[0].setIrq(4);
    auto peers = ds[1].getCapabilities().initPeers(1);
    peers.set(0, "xenstore");
    auto paths = ds[1].getCapabilities().getXenstore().initPaths(1);
    paths[0].setPath("/tool");
    paths[0].setPerm("r");
    auto words = ::capnp::messageToFlatArray(mb);
    auto bytes = words.asBytes();
    return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

// Copies every field through the bh Builder (the in-system writer).
std::vector<uint8_t> rebuild(bh::manifest::Manifest::Reader m, size_t cap) {
    std::vector<uint8_t> buf(cap);
    bh::wire::Builder b(buf);
    auto o = b.init_root<bh::manifest::Manifest>();
    o.setVersion(m.getVersion());
    o.setStoreDomain(m.getStoreDomain());
    o.setConsoleDomain(m.getConsoleDomain());
    o.setMinDomExc(m.getMinDomExc());
    auto ds = o.initDomains(m.getDomains().size());
    for (uint32_t i = 0; i < m.getDomains().size(); ++i) {
        auto d = m.getDomains()[i];
        auto od = ds[i];
        od.setName(d.getName());
        od.setImage(d.getImage());
        od.setMemoryKib(d.getMemoryKib());
        od.setWeight(d.getWeight());
        od.setVcpus(d.getVcpus());
        od.setKind(d.getKind());
        auto r = od.initRestart();
        r.setMode(d.getRestart().getMode());
        r.setMaxRestarts(d.getRestart().getMaxRestarts());
        r.setBackoffMs(d.getRestart().getBackoffMs());
        auto t = od.initTest();
        t.setRole(d.getTest().getRole());
        t.setOutcome(d.getTest().getOutcome());
        t.setFault(d.getTest().getFault());
        t.setKillsStore(d.getTest().getKillsStore());
        t.setKills(d.getTest().getKills());
        auto caps = d.getCapabilities();
        auto oc = od.initCapabilities();
        auto devs = oc.initDevices(caps.getDevices().size());
        for (uint32_t j = 0; j < devs.size(); ++j) {
            auto dev = caps.getDevices()[j];
            devs[j].setName(dev.getName());
            devs[j].setIoBase(dev.getIoBase());
            devs[j].setIoCount(dev.getIoCount());
            devs[j].setMmioBase(dev.getMmioBase());
            devs[j].setMmioSize(dev.getMmioSize());
            devs[j].setIrq(dev.getIrq());
            devs[j].setPci(dev.getPci());
        }
        auto disks = oc.initDisks(caps.getDisks().size());
        for (uint32_t j = 0; j < disks.size(); ++j) {
            auto v = caps.getDisks()[j];
            disks[j].setFrontend(v.getFrontend());
            disks[j].setVdev(v.getVdev());
            disks[j].setOffsetSectors(v.getOffsetSectors());
            disks[j].setSectors(v.getSectors());
            disks[j].setReadOnly(v.getReadOnly());
        }
        auto peers = oc.initPeers(caps.getPeers().size());
        for (uint32_t j = 0; j < peers.size(); ++j) peers.set(j, caps.getPeers()[j]);
        auto xs = oc.initXenstore();
        xs.setRole(caps.getXenstore().getRole());
        auto paths = xs.initPaths(caps.getXenstore().getPaths().size());
        for (uint32_t j = 0; j < paths.size(); ++j) {
            paths[j].setPath(caps.getXenstore().getPaths()[j].getPath());
            paths[j].setPerm(caps.getXenstore().getPaths()[j].getPerm());
        }
    }
    std::span<const uint8_t> out;
    if (b.finish(out) != bh::wire::Error::None) return {};
    return std::vector<uint8_t>(out.begin(), out.end());
}

[[noreturn]] void mismatch(const char* what, const std::string& a, const std::string& b) {
    std::fprintf(stderr, "capnp differential: %s\n--- bh\n%s--- other\n%s", what, a.c_str(), b.c_str());
    std::abort();
}

void check_one(const uint8_t* data, size_t size) {
    bh::wire::Message msg;
    bh::manifest::Manifest::Reader r;
    if (msg.open(std::span<const uint8_t>(data, size)) != bh::wire::Error::None) return;
    if (msg.root(r) != bh::wire::Error::None) return;
    std::string ours = bh::capnp_fuzz::render(r);

    // bh accepted: libcapnp must accept too, with the same values. bh's limits are tighter
    // (depth 32 vs 64, budget 8x the message vs 8M words), so libcapnp never runs out first.
    std::vector<::capnp::word> words(size / sizeof(::capnp::word));
    std::memcpy(words.data(), data, words.size() * sizeof(::capnp::word));
    std::string theirs;
    try {
        ::capnp::FlatArrayMessageReader reader(kj::arrayPtr(words.data(), words.size()));
        theirs = bh::capnp_fuzz::render(reader.getRoot<host::Manifest>());
    } catch (const kj::Exception& e) {
        mismatch("bh accepted a message libcapnp refuses", ours, e.getDescription().cStr());
    }
    if (ours != theirs) mismatch("field values differ", ours, theirs);

    // Zero-sized elements (a void list read as a struct list) cost the sender nothing but are
    // rebuilt as full structs: size the buffer by the traversal budget, which bounds them.
    // Each rebuilt domain costs a fixed number of words, so grow the buffer until it fits.
    std::vector<uint8_t> again;
    for (size_t cap = 128 * (size + 64); again.empty() && cap <= (size_t{1} << 28); cap *= 4)
        again = rebuild(r, cap);
    bh::wire::Message msg2;
    bh::manifest::Manifest::Reader r2;
    if (again.empty() || msg2.open(again) != bh::wire::Error::None || msg2.root(r2) != bh::wire::Error::None)
        mismatch("bh builder output does not read back", ours, "");
    if (bh::capnp_fuzz::render(r2) != ours) mismatch("bh builder round trip differs", ours, bh::capnp_fuzz::render(r2));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::vector<uint8_t> seeds[2] = {seed(1024), seed(4)};
    check_one(data, size);
    if (size == 0) return 0;
    std::vector<uint8_t> m = seeds[data[0] & 1];
    for (size_t i = 1; i + 2 < size; i += 3) m[(data[i] | data[i + 1] << 8) % m.size()] = data[i + 2];
    check_one(m.data(), m.size());
    return 0;
}
