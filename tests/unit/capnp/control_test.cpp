// The control protocol end to end in memory: the host CLI's libcapnp request, the in-system
// endpoint's bh reader and builder, and the CLI's libcapnp reading of the reply.
#include <catch2/catch.hpp>

#include <string>

#include "control.bh.hpp"
#include "control.capnp.h"
#include "util.hpp"

namespace host = bh::host::control;
namespace ctl = bh::control;
using bh::wire::Error;

namespace {

// What the in-system endpoint would answer (a fake with two domains).
std::vector<uint8_t> serve(const std::vector<uint8_t>& request) {
    bh::wire::Message msg;
    ctl::Request::Reader req;
    static uint8_t buf[4096];
    bh::wire::Builder b(buf);
    auto reply = b.init_root<ctl::Reply>();
    if (msg.open(request) != Error::None || msg.root(req) != Error::None) {
        reply.setError(bh::wire::describe(msg.fault().error));
    } else {
        reply.setId(req.getId());
        switch (req.which()) {
        case ctl::Request::Which::LIST: {
            auto rows = reply.initDomains(2);
            rows[0].setName("supervisor");
            rows[0].setId(0);
            rows[0].setMemKib(8192);
            rows[0].setVcpus(1);
            rows[0].setState(ctl::DomainInfo::State::RUNNING);
            rows[1].setName("blkback");
            rows[1].setId(3);
            rows[1].setState(ctl::DomainInfo::State::CRASHED);
            rows[1].setRestarts(2);
            rows[1].setCpuTimeNs(1'500'000'000);
            break;
        }
        case ctl::Request::Which::PAUSE:
            if (req.getPause() == bh::wire::Text("blkback")) reply.setOk();
            else reply.setError("unknown domain");
            break;
        case ctl::Request::Which::XENSTORE_LS: {
            auto kids = reply.initChildren(2);
            kids.set(0, "domain");
            kids.set(1, req.getXenstoreLs().getPath());
            break;
        }
        case ctl::Request::Which::CONSOLE_WRITE: {
            auto log = reply.initLog();
            log.setText(req.getConsoleWrite().getData());
            log.setNext(static_cast<uint32_t>(req.getConsoleWrite().getData().size()));
            break;
        }
        default: reply.setError("unsupported request"); break;
        }
    }
    std::span<const uint8_t> out;
    REQUIRE(b.finish(out) == Error::None);
    return std::vector<uint8_t>(out.begin(), out.end());
}

template <class F>
std::vector<uint8_t> request(F&& fill) {
    ::capnp::MallocMessageBuilder mb;
    auto r = mb.initRoot<host::Request>();
    fill(r);
    return bh::capnp_test::to_bytes(mb);
}

struct HostReply {
    explicit HostReply(const std::vector<uint8_t>& bytes) : words(bytes.size() / 8) {
        std::memcpy(words.data(), bytes.data(), bytes.size());
    }
    host::Reply::Reader get() {
        reader = std::make_unique<::capnp::FlatArrayMessageReader>(kj::arrayPtr(words.data(), words.size()));
        return reader->getRoot<host::Reply>();
    }
    std::vector<::capnp::word> words;
    std::unique_ptr<::capnp::FlatArrayMessageReader> reader;
};

}  // namespace

TEST_CASE("Control.ListReturnsXlListColumnsAndRestartCount") {
    HostReply hr(serve(request([](host::Request::Builder r) {
        r.setId(1);
        r.setList();
    })));
    auto reply = hr.get();
    CHECK(reply.getId() == 1);
    REQUIRE(reply.isDomains());
    auto rows = reply.getDomains();
    REQUIRE(rows.size() == 2);
    CHECK(std::string(rows[1].getName().cStr()) == "blkback");
    CHECK(rows[1].getId() == 3);
    CHECK(rows[1].getState() == host::DomainInfo::State::CRASHED);
    CHECK(rows[1].getRestarts() == 2);
    CHECK(rows[1].getCpuTimeNs() == 1'500'000'000);
    CHECK(rows[0].getMemKib() == 8192);
}

TEST_CASE("Control.ErrorsNameWhatWasWrong") {
    HostReply hr(serve(request([](host::Request::Builder r) {
        r.setId(2);
        r.setPause("nosuch");
    })));
    auto reply = hr.get();
    REQUIRE(reply.isError());
    CHECK(std::string(reply.getError().cStr()) == "unknown domain");
}

TEST_CASE("Control.XenstoreLsAndConsoleWriteCarryTheirArguments") {
    HostReply ls(serve(request([](host::Request::Builder r) { r.initXenstoreLs().setPath("/local"); })));
    auto kids = ls.get().getChildren();
    REQUIRE(kids.size() == 2);
    CHECK(std::string(kids[1].cStr()) == "/local");

    HostReply cw(serve(request([](host::Request::Builder r) {
        auto w = r.initConsoleWrite();
        w.setName("console");
        w.setData(kj::arrayPtr(reinterpret_cast<const kj::byte*>("ls\n"), 3));
    })));
    auto log = cw.get().getLog();
    CHECK(log.getText().size() == 3);
    CHECK(log.getNext() == 3);
}

TEST_CASE("Control.CorruptRequestGetsAnErrorReply") {
    auto bytes = request([](host::Request::Builder r) { r.setPause("blkback"); });
    bytes.resize(bytes.size() - 8);
    HostReply hr(serve(bytes));
    REQUIRE(hr.get().isError());
    CHECK(std::string(hr.get().getError().cStr()).find("truncated") != std::string::npos);
}

TEST_CASE("Control.FrameSizeFindsMessageBoundariesInAStream") {
    auto a = request([](host::Request::Builder r) { r.setId(1); r.setList(); });
    auto b = request([](host::Request::Builder r) { r.setId(2); r.setDestroy("x"); });
    std::vector<uint8_t> stream = a;
    stream.insert(stream.end(), b.begin(), b.end());
    size_t n = 0;
    REQUIRE(bh::wire::Message::frame_size(stream, n) == Error::None);
    CHECK(n == a.size());
    CHECK(bh::wire::Message::frame_size(std::span<const uint8_t>(stream.data(), 3), n) == Error::Truncated);
    CHECK(bh::wire::Message::frame_size(std::span<const uint8_t>(stream.data(), a.size() - 1), n) == Error::Truncated);
    bh::wire::Message msg;
    ctl::Request::Reader second;
    REQUIRE(msg.open(std::span<const uint8_t>(stream.data() + n, stream.size() - n)) == Error::None);
    REQUIRE(msg.root(second) == Error::None);
    CHECK(second.isDestroy());
    CHECK(second.getDestroy() == bh::wire::Text("x"));
}
