// The supervisor's side of the store (see store_link.hpp).
#include "store_link.hpp"

#include <bh/grant.hpp>
#include <bh/xenbus/store_state.hpp>
#include <bh/xenbus/xs_client.hpp>
#include <bh/xenbus/xs_text.hpp>

using namespace bh::rt;

namespace sup {
namespace {

constexpr bh_slot_t kStateSlot0 = 48;  // our caps for the store's state-area runs
constexpr uint32_t kStateRuns = bh::xenbus::kStoreStateRuns;
constexpr bh_slot_t kStoreStateSlot0 = bh::xenbus::kStoreStateSlot;

// Our requests give up after this long: a dead or stuck store must not hang the supervisor.
constexpr uint64_t kXsTimeoutTicks = 2000 / BH_TICK_MS;
bh::xenbus::XsClient g_xs;
int32_t g_store = -1;

using Text = bh::xenbus::Text;

bool xs_ok(const char* what, const char* err) {
    if (err) print("supervisor: xenstore %s: %s", what, err);
    return !err;
}

}  // namespace

int32_t store_index() { return g_store; }

bh::xenbus::XsClient* store_client() { return g_store >= 0 ? &g_xs : nullptr; }

bh_port_t store_take_other() { return g_xs.take_other(); }

void store_teardown() {
    if (g_store < 0) return;
    call(BH_CALL_EVTCHN_CLOSE, BH_SLOT_XENSTORE);
    call(BH_CALL_FRAME_UNMAP, bh::xenbus::kXsRingVaddr);
    call(BH_CALL_CAP_DELETE, bh::xenbus::kXsRingFrameSlot);
    end_access(kGrantRefXenstore, false);
    for (uint32_t f = 0; f < kStateRuns; ++f) call(BH_CALL_CAP_DELETE, kStateSlot0 + f);
    g_store = -1;
}

bool store_prepare(uint32_t i) {
    ChildState& s = g_children[i];
    g_store = static_cast<int32_t>(i);
    Ret p = call(BH_CALL_EVTCHN_ALLOC_UNBOUND, BH_SLOT_XENSTORE, s.id);
    if (!p.ok()) {
        fail("cannot make a port for the store", s.name, p.err);
        return false;
    }
    s.start_arg0 = self_id() | (p.r1 << 16);
    for (uint32_t f = 0; f < kStateRuns; ++f) {
        Ret r = call(BH_CALL_FRAME_ALLOC, kStateSlot0 + f, bh::xenbus::kStoreStateRunPages);
        if (!r.ok()) {
            fail("cannot allocate the store's state area", s.name, r.err);
            return false;
        }
    }
    g_xs.set_timeout_ticks(kXsTimeoutTicks);
    if (!g_xs.connect()) {
        fail("cannot set up our xenstore ring for", s.name, BH_E_BAD_STATE);
        return false;
    }
    return store_give_state(i);
}

bool store_give_state(uint32_t i) {
    for (uint32_t f = 0; f < kStateRuns; ++f) {
        Ret r = call(BH_CALL_DOMAIN_GIVE_CAP, kDomSlot0 + i, kStateSlot0 + f, kStoreStateSlot0 + f,
                     BH_R_READ | BH_R_WRITE);
        if (!r.ok()) {
            fail("cannot hand the state area to", g_children[i].name, r.err);
            return false;
        }
    }
    return true;
}

bool store_introduce(uint32_t i) {
    ChildState& c = g_children[i];
    ChildState& s = g_children[g_store];
    Ret r = call(BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR, kDomSlot0 + i, kTmpSlot, s.id);
    Ret g = r.ok() ? call(BH_CALL_DOMAIN_GIVE_CAP, kDomSlot0 + i, kTmpSlot, BH_SLOT_XENSTORE, BH_R_ALL) : r;
    call(BH_CALL_CAP_DELETE, kTmpSlot);
    if (!g.ok()) {
        fail("cannot give a store port to", c.name, g.err);
        return false;
    }
    // /local/domain/<id> owned by the domain, readable by nobody else; name and domid in it.
    Text dir, perm, id, port, gfn;
    dir << "/local/domain/" << uint64_t{c.id};
    perm << "n" << uint64_t{c.id};
    id << uint64_t{c.id};
    port << r.r1;
    gfn << (bh::xenbus::kXsRingVaddr >> 12);
    const char* perms[] = {perm.s};
    bool ok = xs_ok("mkdir", g_xs.mkdir(0, dir.s)) && xs_ok("set_perms", g_xs.set_perms(0, dir.s, perms, 1));
    ok = ok && xs_ok("write name", g_xs.write(0, (Text() << dir.s << "/name").s, c.name));
    ok = ok && xs_ok("write domid", g_xs.write(0, (Text() << dir.s << "/domid").s, id.s));
    const char* args[] = {id.s, gfn.s, port.s};
    ok = ok && xs_ok("introduce", g_xs.request(bh::xs::MsgType::Introduce, 0, args, 3, nullptr, 0,
                                               nullptr, 0, nullptr));
    if (!ok) fail("cannot introduce", c.name, BH_E_BAD_STATE);
    return ok;
}

bool store_seed() {
    const char* perms[] = {"b0"};
    return xs_ok("write our name", g_xs.write(0, "/local/domain/0/name", "supervisor")) &&
           xs_ok("write our domid", g_xs.write(0, "/local/domain/0/domid", "0")) &&
           xs_ok("mkdir /test", g_xs.mkdir(0, "/test")) &&
           xs_ok("set_perms /test", g_xs.set_perms(0, "/test", perms, 1));
}

}  // namespace sup

namespace sup {
namespace {

bool write_node(const Text& dir, const char* key, const Text& value) {
    Text path;
    path << dir.s << "/" << key;
    return xs_ok(key, g_xs.write(0, path.s, value.s));
}

// The directory `dir` (and everything under it) owned by `owner`, readable by `reader`.
bool own(const Text& dir, bh_domid_t owner, bh_domid_t reader) {
    Text o, r;
    o << "n" << uint64_t{owner};
    r << "r" << uint64_t{reader};
    const char* perms[] = {o.s, r.s};
    return xs_ok("mkdir", g_xs.mkdir(0, dir.s)) && xs_ok("set_perms", g_xs.set_perms(0, dir.s, perms, 2));
}

}  // namespace

// Xen's toolstack (libxl) writes both halves of a vbd before either side runs; blkback and
// blkfront then take the xenbus handshake from state 1 (Initialising). virtual-device is the
// xvd major 202 with 16 minors per disk. offset-sectors and sectors (the slice) are Bulkhead's:
// Xen's hotplug scripts would name a block device in `params` instead.
bool store_vbds(const Scenario& s) {
    for (uint32_t k = 0; k < s.nr_disks; ++k) {
        const Disk& d = s.disks[k];
        bh_domid_t be = g_children[d.backend].id, fe = g_children[d.frontend].id;
        uint64_t devid = 202 << 8 | uint64_t{d.letter} << 4;
        Text fdir, bdir;
        fdir << "/local/domain/" << uint64_t{fe} << "/device/vbd/" << devid;
        bdir << "/local/domain/" << uint64_t{be} << "/backend/vbd/" << uint64_t{fe} << "/" << devid;
        char dev[5] = {'x', 'v', 'd', static_cast<char>('a' + d.letter), '\0'};
        bool ok = own(fdir, fe, be) && own(bdir, be, fe);
        ok = ok && write_node(fdir, "backend", Text() << bdir.s) &&
             write_node(fdir, "backend-id", Text() << uint64_t{be}) &&
             write_node(fdir, "virtual-device", Text() << devid) &&
             write_node(fdir, "device-type", Text() << "disk") &&
             write_node(fdir, "state", Text() << "1");
        ok = ok && write_node(bdir, "frontend", Text() << fdir.s) &&
             write_node(bdir, "frontend-id", Text() << uint64_t{fe}) &&
             write_node(bdir, "online", Text() << "1") &&
             write_node(bdir, "removable", Text() << "0") &&
             write_node(bdir, "dev", Text() << dev) &&
             write_node(bdir, "type", Text() << "phy") &&
             write_node(bdir, "mode", Text() << (d.read_only ? "r" : "w")) &&
             write_node(bdir, "device-type", Text() << "disk") &&
             write_node(bdir, "offset-sectors", Text() << d.offset_sectors) &&
             write_node(bdir, "sectors", Text() << d.sectors) &&
             write_node(bdir, "state", Text() << "1");
        if (!ok) {
            fail("cannot write the vbd directories of", g_children[d.frontend].name, BH_E_BAD_STATE);
            return false;
        }
        print("supervisor: vbd %s of %s: %lu sectors at %lu on %s (%s)", dev, g_children[d.frontend].name,
              d.sectors, d.offset_sectors, g_children[d.backend].name, d.read_only ? "read-only" : "read-write");
    }
    return true;
}

}  // namespace sup

namespace sup {
namespace {

// Xen's OUI (00:16:3e), then the frontend's id and the vif's handle: unique per vif.
void derived_mac(char (&out)[18], bh_domid_t fe, uint8_t handle) {
    const uint8_t b[6] = {0x00, 0x16, 0x3e, static_cast<uint8_t>(fe >> 8), static_cast<uint8_t>(fe), handle};
    const char* hex = "0123456789abcdef";
    for (int i = 0; i < 6; ++i) {
        out[3 * i] = hex[b[i] >> 4], out[3 * i + 1] = hex[b[i] & 15];
        out[3 * i + 2] = i < 5 ? ':' : '\0';
    }
}

}  // namespace

// libxl's vif nodes, both halves, before either side runs. ip (Xen's vif-route key, Qubes'
// address) and filter/N (the port's rules) are what netback guards the port with.
bool store_vifs(const Scenario& s) {
    for (uint32_t k = 0; k < s.nr_nics; ++k) {
        const Nic& n = s.nics[k];
        bh_domid_t be = g_children[n.backend].id, fe = g_children[n.frontend].id;
        char mac[18];
        if (n.mac[0]) bh::xenbus::copy(mac, sizeof mac, n.mac);
        else derived_mac(mac, fe, n.handle);
        Text fdir, bdir;
        fdir << "/local/domain/" << uint64_t{fe} << "/device/vif/" << uint64_t{n.handle};
        bdir << "/local/domain/" << uint64_t{be} << "/backend/vif/" << uint64_t{fe} << "/" << uint64_t{n.handle};
        bool ok = own(fdir, fe, be) && own(bdir, be, fe);
        ok = ok && write_node(fdir, "backend", Text() << bdir.s) &&
             write_node(fdir, "backend-id", Text() << uint64_t{be}) &&
             write_node(fdir, "handle", Text() << uint64_t{n.handle}) &&
             write_node(fdir, "mac", Text() << mac) &&
             write_node(fdir, "state", Text() << "1");
        ok = ok && write_node(bdir, "frontend", Text() << fdir.s) &&
             write_node(bdir, "frontend-id", Text() << uint64_t{fe}) &&
             write_node(bdir, "online", Text() << "1") &&
             write_node(bdir, "handle", Text() << uint64_t{n.handle}) &&
             write_node(bdir, "mac", Text() << mac) &&
             write_node(bdir, "type", Text() << "vif") &&
             (!n.ip[0] || write_node(bdir, "ip", Text() << n.ip));
        for (uint32_t r = 0; ok && r < n.nr_rules; ++r)
            ok = write_node(bdir, (Text() << "filter/" << uint64_t{r}).s, Text() << s.rules[n.first_rule + r]);
        ok = ok && write_node(bdir, "state", Text() << "1");
        if (!ok) {
            fail("cannot write the vif directories of", g_children[n.frontend].name, BH_E_BAD_STATE);
            return false;
        }
        print("supervisor: vif %u of %s: %s%s%s on %s, %u filter rules", n.handle, g_children[n.frontend].name, mac,
              n.ip[0] ? " " : "", n.ip, g_children[n.backend].name, n.nr_rules);
    }
    return true;
}

}  // namespace sup
