// The control verbs: list, pause, unpause, destroy, restart, console, xenstore, dmesg, shutdown.
// Each request is one connection: connect, one Request out, one Reply back, close.
#include <time.h>

#include <cstdio>
#include <functional>
#include <random>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>

#include "commands.hpp"
#include "control.capnp.h"
#include "control_client.hpp"
#include "control_format.hpp"
#include "control_reply.hpp"

namespace bh::cli {
namespace {

namespace ctl = bh::host::control;
using Fill = std::function<void(ctl::Request::Builder)>;

constexpr long kFollowPollNs = 500'000'000;

void fail(const std::string& why) { fmt::print(stderr, "bulkhead: {}\n", why); }

// Fresh per request, so a reply meant for an earlier (timed-out) request is never taken for ours.
uint32_t next_request_id() {
    static uint32_t next = std::random_device{}();
    return ++next;
}

// Sends the request `fill` builds to the chosen system and decodes the reply into `reply`.
// On any failure (not running, transport, malformed, no reply with our id, an error reply, a reply member
// other than `want`) prints why and returns false.
bool ask(const Layout& layout, const ControlOptions& opts, const Fill& fill, ControlReply::Kind want,
         ControlReply& reply) {
    capnp::MallocMessageBuilder mb;
    ctl::Request::Builder req = mb.initRoot<ctl::Request>();
    uint32_t id = next_request_id();
    req.setId(id);
    fill(req);
    kj::Array<capnp::word> words = capnp::messageToFlatArray(mb);
    kj::ArrayPtr<const kj::byte> bytes = words.asBytes();

    std::filesystem::path socket = layout.control_socket(opts.scenario);
    // Replies to other requests (left on the line by a CLI that gave up) are skipped; anything
    // that does not decode is taken, so that its problem is reported.
    auto ours = [id](std::span<const uint64_t> framed) {
        ControlReply r;
        return !decode_reply(framed, r).empty() || r.id == id;
    };
    ControlCall call = control_call(socket, {bytes.begin(), bytes.size()}, opts.timeout_s * 1000, ours);
    if (call.status == ControlCall::Status::NotRunning) {
        std::string how = opts.scenario == "default" ? "./bulkhead demo" : "./bulkhead scenario " + opts.scenario;
        fail(fmt::format("system not running (no control socket at {}; start it with {})", socket.string(), how));
        return false;
    }
    if (call.status != ControlCall::Status::Ok) {
        fail(call.error);
        return false;
    }
    std::string problem = decode_reply(call.reply, reply);
    if (!problem.empty()) {
        fail(problem);
        return false;
    }
    if (reply.kind == ControlReply::Kind::Error) {
        fail(reply.text);
        return false;
    }
    if (reply.kind != want) {
        fail(fmt::format("unexpected reply from the system: expected {}, got {}", kind_name(want),
                         kind_name(reply.kind)));
        return false;
    }
    return true;
}

void write_bytes(const std::string& bytes) {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    std::fflush(stdout);
}

}  // namespace

int cmd_list(const Layout& layout, const ControlOptions& opts, bool json) {
    ControlReply r;
    if (!ask(layout, opts, [](ctl::Request::Builder q) { q.setList(); }, ControlReply::Kind::Domains, r)) return 1;
    write_bytes(json ? format_list_json(r.domains) : format_list_table(r.domains));
    return 0;
}

int cmd_domain(const Layout& layout, const ControlOptions& opts, DomainOp op, const std::string& name) {
    Fill fill = [&](ctl::Request::Builder q) {
        switch (op) {
            case DomainOp::Pause: q.setPause(name); break;
            case DomainOp::Unpause: q.setUnpause(name); break;
            case DomainOp::Destroy: q.setDestroy(name); break;
            case DomainOp::Restart: q.setRestart(name); break;
        }
    };
    ControlReply r;
    return ask(layout, opts, fill, ControlReply::Kind::Ok, r) ? 0 : 1;
}

int cmd_console(const Layout& layout, const ControlOptions& opts, const std::string& name, bool follow) {
    Fill fill = [&](ctl::Request::Builder q) { q.setConsoleRead(name); };
    ControlReply r;
    if (!ask(layout, opts, fill, ControlReply::Kind::Log, r)) return 1;
    write_bytes(r.log);
    // Following relies on log.next counting every byte the domain ever wrote (the text being
    // the buffered tail ending there): the growth of `next` is how much of the text is new.
    for (uint32_t seen = r.log_next; follow;) {
        struct timespec ts = {0, kFollowPollNs};
        nanosleep(&ts, nullptr);
        if (!ask(layout, opts, fill, ControlReply::Kind::Log, r)) return 1;
        uint32_t fresh = r.log_next - seen;  // wraps like the counter does
        if (r.log_next < seen) fresh = static_cast<uint32_t>(r.log.size());  // restarted: all of it is new
        size_t n = std::min<size_t>(fresh, r.log.size());
        write_bytes(r.log.substr(r.log.size() - n));
        seen = r.log_next;
    }
    return 0;
}

int cmd_xenstore(const Layout& layout, const ControlOptions& opts, XenstoreOp op, const std::string& path,
                 const std::string& value) {
    ControlReply r;
    switch (op) {
        case XenstoreOp::Read:
            if (!ask(layout, opts, [&](ctl::Request::Builder q) { q.initXenstoreRead().setPath(path); },
                     ControlReply::Kind::Value, r))
                return 1;
            write_bytes(r.text + "\n");
            return 0;
        case XenstoreOp::Write: {
            Fill fill = [&](ctl::Request::Builder q) {
                ctl::Request::XenstoreWrite::Builder w = q.initXenstoreWrite();
                w.setPath(path);
                w.setValue(value);
            };
            return ask(layout, opts, fill, ControlReply::Kind::Ok, r) ? 0 : 1;
        }
        case XenstoreOp::Ls: {
            if (!ask(layout, opts, [&](ctl::Request::Builder q) { q.initXenstoreLs().setPath(path); },
                     ControlReply::Kind::Children, r))
                return 1;
            std::string out;
            for (const std::string& c : r.children) out += c + "\n";
            write_bytes(out);
            return 0;
        }
        case XenstoreOp::Rm:
            return ask(layout, opts, [&](ctl::Request::Builder q) { q.initXenstoreRm().setPath(path); },
                       ControlReply::Kind::Ok, r)
                       ? 0
                       : 1;
    }
    return 1;
}

int cmd_dmesg(const Layout& layout, const ControlOptions& opts) {
    uint32_t offset = 0;
    for (;;) {
        ControlReply r;
        if (!ask(layout, opts, [&](ctl::Request::Builder q) { q.initDmesg().setOffset(offset); },
                 ControlReply::Kind::Log, r))
            return 1;
        if (r.log.empty()) return 0;
        write_bytes(r.log);
        // A reply that does not move forward would make this loop forever.
        if (r.log_next <= offset) {
            fail(fmt::format("the system's kernel log did not advance past offset {} (next {})", offset, r.log_next));
            return 1;
        }
        offset = r.log_next;
    }
}

int cmd_shutdown(const Layout& layout, const ControlOptions& opts) {
    ControlReply r;
    return ask(layout, opts, [](ctl::Request::Builder q) { q.setShutdown(); }, ControlReply::Kind::Ok, r) ? 0 : 1;
}

}  // namespace bh::cli
