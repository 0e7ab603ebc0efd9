// Reply decoding: the only place the CLI touches a libcapnp reader of bytes the system sent,
// so the only place a kj::Exception from untrusted input has to be caught.
#include "control_reply.hpp"

#include <capnp/serialize.h>
#include <kj/exception.h>

#include "control.capnp.h"

namespace bh::cli {
namespace {

namespace ctl = bh::host::control;

DomainState state_of(ctl::DomainInfo::State s) {
    switch (s) {
        case ctl::DomainInfo::State::RUNNING: return DomainState::Running;
        case ctl::DomainInfo::State::BLOCKED: return DomainState::Blocked;
        case ctl::DomainInfo::State::PAUSED: return DomainState::Paused;
        case ctl::DomainInfo::State::SHUTDOWN: return DomainState::Shutdown;
        case ctl::DomainInfo::State::CRASHED: return DomainState::Crashed;
        case ctl::DomainInfo::State::DYING: return DomainState::Dying;
    }
    return DomainState::Unknown;  // an enumerant added after this CLI was built
}

void decode(ctl::Reply::Reader r, ControlReply& out) {
    out.id = r.getId();
    switch (r.which()) {
        case ctl::Reply::OK: out.kind = ControlReply::Kind::Ok; return;
        case ctl::Reply::ERROR:
            out.kind = ControlReply::Kind::Error;
            out.text = r.getError();
            return;
        case ctl::Reply::DOMAINS:
            out.kind = ControlReply::Kind::Domains;
            for (ctl::DomainInfo::Reader d : r.getDomains()) {
                out.domains.push_back({d.getName(), d.getId(), d.getMemKib(), d.getVcpus(), state_of(d.getState()),
                                       d.getCpuTimeNs(), d.getRestarts()});
            }
            return;
        case ctl::Reply::VALUE:
            out.kind = ControlReply::Kind::Value;
            out.text = r.getValue();
            return;
        case ctl::Reply::CHILDREN:
            out.kind = ControlReply::Kind::Children;
            for (capnp::Text::Reader c : r.getChildren()) out.children.emplace_back(c);
            return;
        case ctl::Reply::LOG: {
            out.kind = ControlReply::Kind::Log;
            capnp::Data::Reader text = r.getLog().getText();
            out.log.assign(reinterpret_cast<const char*>(text.begin()), text.size());
            out.log_next = r.getLog().getNext();
            return;
        }
    }
    out.kind = ControlReply::Kind::Unknown;
}

}  // namespace

std::string_view kind_name(ControlReply::Kind kind) {
    switch (kind) {
        case ControlReply::Kind::Ok: return "ok";
        case ControlReply::Kind::Error: return "error";
        case ControlReply::Kind::Domains: return "domains";
        case ControlReply::Kind::Value: return "value";
        case ControlReply::Kind::Children: return "children";
        case ControlReply::Kind::Log: return "log";
        case ControlReply::Kind::Unknown: break;
    }
    return "a reply member this CLI does not know";
}

std::string decode_reply(std::span<const uint64_t> framed, ControlReply& out) {
    out = ControlReply{};
    try {
        kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(framed.data()), framed.size());
        capnp::FlatArrayMessageReader reader(words);
        decode(reader.getRoot<ctl::Reply>(), out);
    } catch (const kj::Exception& e) {
        out = ControlReply{};
        return "malformed reply from the system: " + std::string(e.getDescription().cStr());
    }
    return {};
}

}  // namespace bh::cli
