// blkback: a block-device driver domain. It drives the virtio-blk disk the supervisor gave it
// (its PCI function, behind the IOMMU) and exports slices of it as Xen virtual block devices
// to the frontends the manifest names: Linux's xen-blkfront, or Bulkhead's own (libs/blkif).
// The toolstack (the supervisor) has written each vbd's two xenstore directories; we watch our
// backend/vbd directory, take each vbd through the xenbus handshake, and serve its ring.
#include <bh/blkif/workload.hpp>
#include <bh/rt.hpp>
#include <bh/xenbus/backend_dirs.hpp>
#include <bh/xenbus/xs_client.hpp>
#include <bh/xenbus/xs_text.hpp>
#include <virtio_disk.hpp>

#include "vbd.hpp"

using namespace bh::rt;
using namespace bh::xenbus;

namespace {

constexpr uint64_t kConfigVa = 0x60000000, kBarVa = 0x61000000, kDmaVa = 0x68000000;
constexpr bh_slot_t kDmaSlot = 8, kDiskPortSlot = 9, kBenchSlot = 10;
constexpr uint64_t kBenchVa = 0x80000000;
constexpr uint64_t kBenchCookie = 1ull << 40;  // not a vbd's request
constexpr uint32_t kRoleBench = 2;

XsClient g_xs;
bh::virtio::VirtioDisk g_disk;
blkback::Vbd g_vbd[blkback::kMaxVbds];
uint32_t g_nvbd = 0;
char g_base[64];

// The benchmark's reference (role 2): the same workload as a client's, on the disk directly.
struct DirectDev {
    bool submit(bool write, uint64_t sector, uint64_t va, uint32_t pages, uint64_t cookie) {
        bh::virtio::Segment s{va, pages * 4096, !write};
        return g_disk.submit(write ? bh::virtio::blk::kOut : bh::virtio::blk::kIn, sector, &s, 1, kBenchCookie | cookie);
    }
    void kick() { g_disk.kick(); }
    bool wait_take(uint64_t& cookie, bool& ok) {
        uint8_t status = 0;
        for (;;) {
            if (g_disk.take(cookie, status)) {
                if (cookie & kBenchCookie) break;
                if ((cookie >> 16) < g_nvbd) g_vbd[cookie >> 16].complete(static_cast<uint32_t>(cookie & 0xffff), status);
                continue;
            }
            if (g_disk.broken()) return false;
            wait_event();
        }
        cookie &= ~kBenchCookie;
        ok = status == bh::virtio::blk::kOk;
        return true;
    }
};
uint32_t g_bench_round = 0;

// A client asked for round r of the direct figures (/test/blkbench/round): run it, publish it.
void bench_round() {
    uint64_t r = 0;
    if (!read_u64(g_xs, "/test/blkbench", "round", &r) || r <= g_bench_round) return;
    g_bench_round = static_cast<uint32_t>(r);
    DirectDev d;
    auto res = bh::blkif::workload::run(d, 16, kBenchVa, bh::rt::rdtsc);
    Text key, value;
    key << "/test/blkbench/direct-" << r;
    value << res.seq_cycles << " " << res.rand_cycles << " " << res.errors;
    g_xs.write(0, key.s, value.s);
}

// New vbds under backend/vbd/<fe>/<devid>: set each up once.
void scan() {
    for_each_backend_device(g_xs, g_base, 0xffffffff, [](uint16_t fe, uint64_t devid) {
        bool known = false;
        for (uint32_t v = 0; v < g_nvbd; ++v) known = known || (g_vbd[v].frontend() == fe && g_vbd[v].devid() == devid);
        if (known || g_nvbd == blkback::kMaxVbds) return;
        if (g_vbd[g_nvbd].init(g_nvbd, fe, static_cast<uint32_t>(devid), g_xs, g_disk)) {
            g_vbd[g_nvbd].on_store(g_xs);
            g_vbd[g_nvbd].serve(g_disk);  // re-attached: requests may be waiting already
            ++g_nvbd;
        }
    });
}

void store_events() {
    XsWatchEvent ev;
    while (g_xs.next_watch(ev)) {
        if (text_is(ev.token, "vbd")) scan();
        if (text_is(ev.token, "bench")) bench_round();
        for (uint32_t v = 0; v < g_nvbd; ++v)
            if (g_vbd[v].watches(ev.path)) g_vbd[v].on_store(g_xs);
    }
}

}  // namespace

int bh_main(uint64_t, uint64_t arg1) {
    if (!g_xs.connect()) {
        print("blkback: no xenstore connection");
        return 1;
    }
    uint64_t wanted = uint64_t{1} << bh::virtio::blk::kFeatureFlush | uint64_t{1} << bh::virtio::blk::kFeatureDiscard;
    if (!g_disk.open(bh::virtio::DiskLayout{kConfigVa, kBarVa, kDmaVa, kDmaSlot, kDiskPortSlot}, wanted)) {
        print("blkback: no disk");
        return 1;
    }
    print("blkback: virtio disk of %lu sectors (%lu MiB), features %lx%s%s", g_disk.capacity(),
          g_disk.capacity() / 2048, g_disk.features(), g_disk.has(bh::virtio::blk::kFeatureFlush) ? ", flush" : "",
          g_disk.has(bh::virtio::blk::kFeatureDiscard) ? ", discard" : "");
    Text base;
    base << "/local/domain/" << uint64_t{self_id()} << "/backend/vbd";
    copy(g_base, sizeof g_base, base.s);
    if (const char* e = g_xs.watch(g_base, "vbd")) {
        print("blkback: cannot watch %s: %s", g_base, e);
        return 1;
    }
    if (static_cast<uint32_t>(arg1) == kRoleBench) {
        Ret a = call(BH_CALL_FRAME_ALLOC, kBenchSlot, bh::blkif::workload::kBufferPages);
        Ret m = a.ok() ? call(BH_CALL_FRAME_MAP, kBenchSlot, kBenchVa, 1) : a;
        if (!m.ok() || g_xs.watch("/test/blkbench/round", "bench")) {
            print("blkback: cannot set the benchmark up: %s", error_name(m.err));
            return 1;
        }
    }
    report_ready();
    for (;;) {
        store_events();
        bh_port_t p = g_xs.take_other();
        if (!p) p = wait_event();
        if (p == g_xs.port()) continue;  // store traffic: handled at the top
        if (p == g_disk.port()) {
            uint64_t cookie = 0;
            uint8_t status = 0;
            while (g_disk.take(cookie, status))
                if ((cookie >> 16) < g_nvbd) g_vbd[cookie >> 16].complete(static_cast<uint32_t>(cookie & 0xffff), status);
            for (uint32_t v = 0; v < g_nvbd; ++v) g_vbd[v].serve(g_disk);
            continue;
        }
        for (uint32_t v = 0; v < g_nvbd; ++v)
            if (g_vbd[v].owns_port(p)) g_vbd[v].serve(g_disk);
        for (uint32_t v = 0; v < g_nvbd; ++v)
            if (g_vbd[v].broken_by_frontend()) g_vbd[v].close(g_xs);
    }
}
