// The control verbs (see control_ops.hpp): xl's list/pause/unpause/destroy, restart under the
// same id, a domain's console buffer, the kernel log, and xenstore access as dom0.
#include "control_ops.hpp"

#include "children.hpp"
#include "store_link.hpp"

using namespace bh::rt;
namespace c = bh::control;
using bh::wire::Text;

namespace sup {
namespace {

constexpr uint32_t kLogChunk = 4096;
constexpr uint64_t kNsPerTick = uint64_t{BH_TICK_MS} * 1000000;
char g_err[160];
uint8_t g_buf[kLogChunk + 1];

// "what 'name': detail" into g_err, for Reply.error.
const char* err(const char* what, Text name = {}, const char* detail = "") {
    uint32_t i = 0;
    auto put = [&](const char* s, uint32_t n) {
        for (uint32_t k = 0; k < n && s[k] && i + 1 < sizeof g_err; ++k) g_err[i++] = s[k];
    };
    put(what, 0xffffffff);
    if (!name.empty()) {
        put(" '", 2);
        put(name.data(), name.size());
        put("'", 1);
    }
    if (*detail) {
        put(": ", 2);
        put(detail, 0xffffffff);
    }
    g_err[i] = '\0';
    return g_err;
}

bool same(Text t, const char* s) {
    uint32_t i = 0;
    for (; i < t.size(); ++i)
        if (s[i] != t.data()[i]) return false;
    return s[i] == '\0';
}

// The live child called `name`: index, or -1. The supervisor itself is "supervisor" (-2).
int32_t find(Text name) {
    if (same(name, "supervisor")) return -2;
    for (uint32_t i = 0; i < g_n; ++i)
        if (g_children[i].created && same(name, g_children[i].name)) return static_cast<int32_t>(i);
    return -1;
}

c::DomainInfo::State xl_state(uint8_t s) {
    switch (s) {
    case BH_DOM_RUNNING: return c::DomainInfo::State::RUNNING;
    case BH_DOM_PAUSED: return c::DomainInfo::State::PAUSED;
    case BH_DOM_FAULTED: return c::DomainInfo::State::CRASHED;
    case BH_DOM_EXITED: return c::DomainInfo::State::SHUTDOWN;
    case BH_DOM_DEAD: return c::DomainInfo::State::DYING;
    default: return c::DomainInfo::State::BLOCKED;  // built, not yet started
    }
}

void fill(c::DomainInfo::Builder row, const char* name, bh_slot_t slot, uint32_t restarts) {
    bh_domain_info info{};
    call(BH_CALL_DOMAIN_INFO, slot, reinterpret_cast<uint64_t>(&info));
    row.setName(name);
    row.setId(info.domid);
    row.setMemKib(info.mem_pages * 4);
    row.setVcpus(1);
    row.setState(xl_state(info.state));
    row.setCpuTimeNs(info.cpu_ticks * kNsPerTick);
    row.setRestarts(restarts);
}

void list(c::Reply::Builder& reply) {
    uint32_t n = 1;
    for (uint32_t i = 0; i < g_n; ++i) n += g_children[i].created;
    auto rows = reply.initDomains(n);
    fill(rows[0], "supervisor", BH_SLOT_SELF, 0);
    uint32_t r = 1;
    for (uint32_t i = 0; i < g_n; ++i)
        if (g_children[i].created)
            fill(rows[r++], g_children[i].name, kDomSlot0 + i, g_children[i].restarts);
}

// pause / unpause / destroy / restart by name.
void lifecycle(c::Reply::Builder& reply, Text name, uint64_t call_nr, const char* verb) {
    int32_t i = find(name);
    if (i == -2) return reply.setError(err("the supervisor cannot be", {}, verb));
    if (i < 0) return reply.setError(err("unknown domain", name));
    if (call_nr == 0) {  // restart
        restart_now(static_cast<uint32_t>(i));
        return g_children[i].created ? reply.setOk() : reply.setError(err("restart failed for", name));
    }
    if (call_nr == BH_CALL_DOMAIN_DESTROY) {
        destroy_child(static_cast<uint32_t>(i));
        return reply.setOk();
    }
    Ret r = call(call_nr, kDomSlot0 + static_cast<uint32_t>(i));
    if (!r.ok()) return reply.setError(err(verb, name, error_name(r.err)));
    refresh(g_children[i]);
    reply.setOk();
}

// Reply.log from a (dom or machine) read call: bytes and the next offset.
void log_reply(c::Reply::Builder& reply, uint64_t nr, bh_slot_t slot, uint32_t offset, Text name) {
    Ret r = call(nr, slot, offset, reinterpret_cast<uint64_t>(g_buf), kLogChunk);
    if (!r.ok()) return reply.setError(err("cannot read the log of", name, error_name(r.err)));
    auto log = reply.initLog();
    auto text = log.initText(static_cast<uint32_t>(r.r1));
    for (uint64_t k = 0; k < r.r1 && k < text.size(); ++k) text[k] = g_buf[k];
    log.setNext(static_cast<uint32_t>(r.r2));
}

void console(c::Reply::Builder& reply, Text name) {
    int32_t i = find(name);
    if (i == -1) return reply.setError(err("unknown domain", name));
    bh_slot_t slot = i == -2 ? BH_SLOT_SELF : kDomSlot0 + static_cast<uint32_t>(i);
    log_reply(reply, BH_CALL_DOMAIN_CONSOLE_READ, slot, 0, name);
}

// A C string copy of a Text for the xenstore client (paths are bounded by the store anyway).
const char* cstr(Text t, char* out, uint32_t n) {
    uint32_t i = 0;
    for (; i < t.size() && i + 1 < n; ++i) out[i] = t.data()[i];
    out[i] = '\0';
    return out;
}

void xenstore(const c::Request::Reader& req, c::Reply::Builder& reply) {
    bh::xenbus::XsClient* xs = store_client();
    if (!xs) return reply.setError(err("no xenstore in this system"));
    ChildState& store = g_children[store_index()];
    if (!store.created || store.state != BH_DOM_RUNNING)
        return reply.setError(err("the store is not running", Text(store.name)));
    static char path[3100], value[4097];
    const char* e = nullptr;
    size_t len = 0;
    switch (req.which()) {
    case c::Request::Which::XENSTORE_READ:
        cstr(req.getXenstoreRead().getPath(), path, sizeof path);
        e = xs->read(0, path, value, sizeof value, &len);
        if (!e) reply.setValue(Text(value, static_cast<uint32_t>(len)));
        break;
    case c::Request::Which::XENSTORE_WRITE:
        cstr(req.getXenstoreWrite().getPath(), path, sizeof path);
        e = xs->write(0, path, cstr(req.getXenstoreWrite().getValue(), value, sizeof value));
        if (!e) reply.setOk();
        break;
    case c::Request::Which::XENSTORE_RM:
        cstr(req.getXenstoreRm().getPath(), path, sizeof path);
        e = xs->rm(0, path);
        if (!e) reply.setOk();
        break;
    default: {  // XENSTORE_LS
        cstr(req.getXenstoreLs().getPath(), path, sizeof path);
        e = xs->directory(0, path, value, sizeof value - 1, &len);
        if (e) break;
        uint32_t n = 0;
        for (size_t k = 0; k < len; ++k) n += value[k] == '\0';
        auto kids = reply.initChildren(n);
        uint32_t at = 0, idx = 0;
        for (size_t k = 0; k < len && idx < n; ++k)
            if (value[k] == '\0') {
                kids.set(idx++, Text(value + at, static_cast<uint32_t>(k - at)));
                at = static_cast<uint32_t>(k + 1);
            }
    }
    }
    if (e) reply.setError(err("xenstore", Text(path), e));
}

}  // namespace

bool answer(const c::Request::Reader& req, c::Reply::Builder& reply) {
    switch (req.which()) {
    case c::Request::Which::LIST: list(reply); break;
    case c::Request::Which::PAUSE: lifecycle(reply, req.getPause(), BH_CALL_DOMAIN_PAUSE, "cannot pause"); break;
    case c::Request::Which::UNPAUSE:
        lifecycle(reply, req.getUnpause(), BH_CALL_DOMAIN_UNPAUSE, "cannot unpause");
        break;
    case c::Request::Which::DESTROY:
        lifecycle(reply, req.getDestroy(), BH_CALL_DOMAIN_DESTROY, "cannot destroy");
        break;
    case c::Request::Which::RESTART: lifecycle(reply, req.getRestart(), 0, "cannot restart"); break;
    case c::Request::Which::CONSOLE_READ: console(reply, req.getConsoleRead()); break;
    case c::Request::Which::CONSOLE_WRITE:
        reply.setError(err("console input is not supported for", req.getConsoleWrite().getName(),
                           "native services have no console ring"));
        break;
    case c::Request::Which::XENSTORE_READ:
    case c::Request::Which::XENSTORE_WRITE:
    case c::Request::Which::XENSTORE_LS:
    case c::Request::Which::XENSTORE_RM: xenstore(req, reply); break;
    case c::Request::Which::DMESG:
        log_reply(reply, BH_CALL_MACHINE_DMESG, BH_SLOT_MACHINE, req.getDmesg().getOffset(), "kernel");
        break;
    case c::Request::Which::SHUTDOWN: reply.setOk(); return true;
    default: reply.setError(err("unknown request kind (a newer CLI?)")); break;
    }
    return false;
}

}  // namespace sup
