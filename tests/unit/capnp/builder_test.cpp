// capnpc-bh's generated builders write, libcapnp reads: every field kind, plus the fixed
// buffer's limits.
#include <catch2/catch.hpp>

#include <string>

#include "control.bh.hpp"
#include "control.capnp.h"
#include "fields.bh.hpp"
#include "fields.capnp.h"
#include "util.hpp"

namespace host = bh::host::fields;
namespace fields = bh::fields;
using bh::wire::Error;

namespace {

// Reads bh-built bytes with libcapnp (which wants word-aligned storage).
struct HostReader {
    explicit HostReader(std::span<const uint8_t> bytes) : words(bytes.size() / 8) {
        std::memcpy(words.data(), bytes.data(), words.size() * 8);
        reader.emplace(kj::arrayPtr(words.data(), words.size()));
    }
    std::vector<::capnp::word> words;
    kj::Maybe<::capnp::FlatArrayMessageReader> reader;
    template <class T>
    typename T::Reader root() {
        KJ_IF_MAYBE(r, reader) { return r->getRoot<T>(); }
        throw std::runtime_error("no reader");
    }
};

std::string s(::capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

}  // namespace

TEST_CASE("Builder.EveryFieldKindReadsBackInLibcapnp") {
    alignas(8) uint8_t buf[4096];
    bh::wire::Builder b(buf);
    auto a = b.init_root<fields::AllTypes>();
    a.setB(true);
    a.setBDefault(false);
    a.setI8(-7);
    a.setI32(-100000);  // equal to the default: stored as zero
    a.setU16(301);
    a.setU64(42);
    a.setF32Bits(std::bit_cast<uint32_t>(3.5f));
    a.setColor(fields::Color::RED);
    a.setText("some text");
    const uint8_t raw[] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
    a.setData(raw);
    auto inner = a.initInner();
    inner.setId(12);
    inner.setLabel("in");
    auto bl = a.initBoolList(9);
    bl.set(8, true);
    bl.set(0, true);
    auto i16 = a.initI16List(2);
    i16.set(1, -300);
    auto colors = a.initColorList(1);
    colors.set(0, fields::Color::BLUE);
    auto inners = a.initInnerList(2);
    inners[1].setId(99);
    inners[1].setLabel("second");
    auto texts = a.initTextList(3);
    texts.set(2, "third");
    auto datas = a.initDataList(1);
    datas.set(0, std::span<const uint8_t>(raw, 2));
    a.initGrp().setY("g");
    a.initChoice().initBig().setId(4);
    auto nested = a.initNested();
    nested.setV(-1);
    a.setName("union name");
    std::span<const uint8_t> out;
    REQUIRE(b.finish(out) == Error::None);

    HostReader hr(out);
    auto r = hr.root<host::AllTypes>();
    CHECK(r.getB());
    CHECK_FALSE(r.getBDefault());
    CHECK(r.getI8() == -7);
    CHECK(r.getI32() == -100000);
    CHECK(r.getU16() == 301);
    CHECK(r.getU64() == 42);
    CHECK(r.getF32() == 3.5f);
    CHECK(r.getColor() == host::Color::RED);
    CHECK(s(r.getText()) == "some text");
    CHECK(r.getData().size() == 9);
    CHECK(r.getInner().getId() == 12);
    CHECK(s(r.getInner().getLabel()) == "in");
    CHECK(r.getBoolList().size() == 9);
    CHECK(r.getBoolList()[0]);
    CHECK_FALSE(r.getBoolList()[1]);
    CHECK(r.getBoolList()[8]);
    CHECK(r.getI16List()[1] == -300);
    CHECK(r.getColorList()[0] == host::Color::BLUE);
    CHECK(r.getInnerList()[1].getId() == 99);
    CHECK(s(r.getInnerList()[1].getLabel()) == "second");
    CHECK(s(r.getTextList()[2]) == "third");
    CHECK(r.getTextList()[0].size() == 0);
    CHECK(r.getDataList()[0].size() == 2);
    CHECK(s(r.getGrp().getY()) == "g");
    CHECK(r.getGrp().getX() == 9);
    CHECK(r.getChoice().isBig());
    CHECK(r.getChoice().getBig().getId() == 4);
    CHECK(r.getNested().getV() == -1);
    CHECK(r.isName());
    CHECK(s(r.getName()) == "union name");
    CHECK(r.getTextDefault() == "hello");
}

TEST_CASE("Builder.InitDataFillsInPlace") {
    alignas(8) uint8_t buf[512];
    bh::wire::Builder b(buf);
    auto reply = b.init_root<bh::control::Reply>();
    reply.setId(3);
    auto log = reply.initLog();
    auto text = log.initText(5);
    REQUIRE(text.size() == 5);
    std::memcpy(text.data(), "dmesg", 5);
    log.setNext(5);
    std::span<const uint8_t> out;
    REQUIRE(b.finish(out) == Error::None);
    HostReader hr(out);
    auto r = hr.root<bh::host::control::Reply>();
    REQUIRE(r.isLog());
    CHECK(std::string(reinterpret_cast<const char*>(r.getLog().getText().begin()), 5) == "dmesg");
    CHECK(r.getLog().getNext() == 5);
}

TEST_CASE("Builder.BufferTooSmallIsReportedAtFinish") {
    for (size_t size : {0, 8, 16, 40, 100}) {
        std::vector<uint8_t> buf(size);
        bh::wire::Builder b(buf);
        auto a = b.init_root<fields::AllTypes>();
        a.setText("this does not fit");
        a.initInnerList(4)[3].setId(1);  // writes into a failed allocation must be harmless
        std::span<const uint8_t> out;
        CHECK(b.finish(out) == Error::BufferTooSmall);
        CHECK(out.empty());
    }
}

TEST_CASE("Builder.FullBufferLeavesEarlierFieldsIntactAndStillFails") {
    alignas(8) uint8_t buf[8 * 12];  // table + root + 1-word struct + small text, then full
    bh::wire::Builder b(buf);
    auto inner = b.init_root<fields::Inner>();
    inner.setId(1);
    inner.setLabel(std::string_view(std::string(200, 'x')));
    inner.setId(2);
    std::span<const uint8_t> out;
    CHECK(b.finish(out) == Error::BufferTooSmall);
}

TEST_CASE("Builder.MessageFramingIsReadableByTheBhReaderToo") {
    alignas(8) uint8_t buf[1024];
    bh::wire::Builder b(buf);
    auto req = b.init_root<bh::control::Request>();
    req.setId(17);
    auto w = req.initXenstoreWrite();
    w.setPath("/local/domain/1/name");
    w.setValue("guest");
    std::span<const uint8_t> out;
    REQUIRE(b.finish(out) == Error::None);
    CHECK(out.size() == b.used_bytes());
    size_t size = 0;
    REQUIRE(bh::wire::Message::frame_size(out, size) == Error::None);
    CHECK(size == out.size());
    bh::wire::Message msg;
    REQUIRE(msg.open(out) == Error::None);
    bh::control::Request::Reader r;
    REQUIRE(msg.root(r) == Error::None);
    CHECK(r.getId() == 17);
    REQUIRE(r.isXenstoreWrite());
    CHECK(r.getXenstoreWrite().getPath() == bh::wire::Text("/local/domain/1/name"));
    CHECK(r.getXenstoreWrite().getValue() == bh::wire::Text("guest"));
}

TEST_CASE("Builder.EmptyStructPointerIsNotNull") {
    alignas(8) uint8_t buf[256];
    bh::wire::Builder b(buf);
    b.init_root<fields::AllTypes>().initEmpty();  // a zero-sized struct: offset -1, not null
    std::span<const uint8_t> out;
    REQUIRE(b.finish(out) == Error::None);
    HostReader hr(out);
    CHECK(hr.root<host::AllTypes>().hasEmpty());
    bh::wire::Message msg;
    REQUIRE(msg.open(out) == Error::None);
    fields::AllTypes::Reader r;
    REQUIRE(msg.root(r) == Error::None);
    CHECK(r.hasEmpty());
}
