// ClientLink (see client_link.hpp).
#include "client_link.hpp"

#include <bh/grant.hpp>
#include <bh/rt.hpp>

using namespace bh::rt;
using bh::ring::RingError;
using bh::ring::XsStream;

namespace xsd {
namespace {

// Each link's ring page sits at its own address, picked by the link's slot.
constexpr uint64_t kRingBase = 0x100000000;

}  // namespace

void ClientLink::init(uint16_t domid, uint32_t remote_port, bool privileged, bh_slot_t slot) {
    *this = ClientLink{};
    domid_ = domid;
    remote_port_ = remote_port;
    privileged_ = privileged;
    slot_ = slot;
    used_ = true;
}

bh::ring::XsRingPage* ClientLink::page() const {
    return reinterpret_cast<bh::ring::XsRingPage*>(kRingBase + uint64_t{slot_} * 0x1000);
}

bool ClientLink::bind() {
    Ret r = call(BH_CALL_EVTCHN_BIND_INTERDOMAIN, slot_, domid_, remote_port_);
    if (!r.ok()) {
        print("xenstored: cannot bind domain %u port %u: %s", domid_, remote_port_, error_name(r.err));
        return false;
    }
    local_port_ = static_cast<bh_port_t>(r.r1);
    return true;
}

bool ClientLink::ensure_mapped() {
    if (mapped_) return true;
    Ret r = call(BH_CALL_GNTTAB_MAP, BH_SLOT_GNTTAB, domid_, kGrantRefXenstore,
                 reinterpret_cast<uint64_t>(page()), 0);
    if (!r.ok()) return false;  // not granted yet: the client has not connected
    map_handle_ = r.r1;
    mapped_ = true;
    if (!have_plan_) {  // a fresh link starts where the page is
        req_cons_ = __atomic_load_n(&page()->req_cons, __ATOMIC_ACQUIRE);
        rsp_prod_ = __atomic_load_n(&page()->rsp_prod, __ATOMIC_ACQUIRE);
        have_plan_ = true;
    }
    return true;
}

void ClientLink::restore_indexes(uint32_t req_cons, uint32_t rsp_prod) {
    req_cons_ = req_cons;
    rsp_prod_ = rsp_prod;
    have_plan_ = dirty_ = true;
}

bool ClientLink::serve(bh::xs::Store& store, bh::xs::Connection& conn, uint32_t budget) {
    if (!ensure_mapped() || conn.broken()) return false;
    bh::ring::XsRingPage& pg = *page();
    bool moved = false;
    // Requests: read at the planned cons (a private copy), keep only what the store took.
    uint8_t buf[512];
    while (budget) {
        uint32_t cons = req_cons_;
        XsStream in(pg.req, cons, pg.req_prod);
        uint32_t want = budget < sizeof buf ? budget : static_cast<uint32_t>(sizeof buf);
        bh::ring::StreamResult r = in.read(buf, want);
        if (r.error != RingError::None) {
            print("xenstored: domain %u broke its request ring; connection closed", domid_);
            conn.set_broken();
            return moved;
        }
        if (!r.bytes) break;
        size_t took = store.receive(conn, buf, r.bytes);
        req_cons_ += static_cast<uint32_t>(took);
        budget -= static_cast<uint32_t>(took);
        moved = moved || took;
        if (took < r.bytes || conn.broken()) break;  // backlog full or bad message
    }
    // Replies and events: write at the planned prod.
    while (conn.pending_size()) {
        std::span<const uint8_t> out = conn.pending();
        uint32_t prod = rsp_prod_;
        XsStream rsp(pg.rsp, pg.rsp_cons, prod);
        bh::ring::StreamResult w = rsp.write(out.data(), static_cast<uint32_t>(out.size()));
        if (w.error != RingError::None) {
            print("xenstored: domain %u broke its response ring; connection closed", domid_);
            conn.set_broken();
            break;
        }
        if (!w.bytes) break;
        conn.consume(w.bytes);
        rsp_prod_ += w.bytes;
        moved = true;
    }
    dirty_ = dirty_ || moved;
    return moved;
}

void ClientLink::publish() {
    if (!mapped_ || !dirty_) return;
    __atomic_store_n(&page()->req_cons, req_cons_, __ATOMIC_RELEASE);
    __atomic_store_n(&page()->rsp_prod, rsp_prod_, __ATOMIC_RELEASE);
    dirty_ = false;
    call(BH_CALL_EVTCHN_SEND, slot_);
}

void ClientLink::close() {
    if (mapped_) call(BH_CALL_GNTTAB_UNMAP, BH_SLOT_GNTTAB, map_handle_);
    if (local_port_) call(BH_CALL_EVTCHN_CLOSE, slot_);
    *this = ClientLink{};
}

}  // namespace xsd
