// libcapnp writes, capnpc-bh's generated readers read: every field kind, defaults, unions,
// groups, lists, constants, schema evolution, and multi-segment messages with far pointers.
#include <catch2/catch.hpp>

#include <string>

#include "fields.bh.hpp"
#include "fields.capnp.h"
#include "util.hpp"

namespace host = bh::host::fields;
namespace fields = bh::fields;
using bh::capnp_test::read;
using bh::capnp_test::to_bytes;
using bh::wire::Error;

namespace {

std::string s(bh::wire::Text t) { return std::string(t.data(), t.size()); }

void fill(host::AllTypes::Builder a) {
    a.setB(true);
    a.setBDefault(false);
    a.setI8(-128);
    a.setI16(-2);
    a.setI32(123456);
    a.setI64(-9000000000LL);
    a.setU8(255);
    a.setU16(0);
    a.setU32(0xfffffffe);
    a.setU64(1);
    a.setF32(2.25f);
    a.setF64(-0.5);
    a.setColor(host::Color::BLUE);
    a.setText("text with \xc3\xa9 and more than eight bytes");
    a.setData(kj::arrayPtr(reinterpret_cast<const kj::byte*>("\0\1\2"), 3));
    a.initInner().setId(77);
    a.getInner().setLabel("inner");
    auto bl = a.initBoolList(10);
    for (uint32_t i = 0; i < 10; ++i) bl.set(i, i % 3 == 0);
    auto u8 = a.initU8List(3);
    u8.set(0, 1), u8.set(1, 2), u8.set(2, 255);
    auto i16 = a.initI16List(2);
    i16.set(0, -1), i16.set(1, 32767);
    auto u32 = a.initU32List(1);
    u32.set(0, 0xabcdef01);
    auto i64 = a.initI64List(2);
    i64.set(0, INT64_MIN), i64.set(1, 5);
    auto colors = a.initColorList(2);
    colors.set(0, host::Color::RED), colors.set(1, host::Color::BLUE);
    auto inners = a.initInnerList(3);
    for (uint32_t i = 0; i < 3; ++i) {
        inners[i].setId(i * 10);
        inners[i].setLabel(std::to_string(i));
    }
    auto texts = a.initTextList(2);
    texts.set(0, "a"), texts.set(1, "");
    auto datas = a.initDataList(1);
    datas.set(0, kj::arrayPtr(reinterpret_cast<const kj::byte*>("xyz"), 3));
    auto f64 = a.initF64List(1);
    f64.set(0, 1.0);
    a.getGrp().setX(0);
    a.getGrp().setY("grp");
    a.getChoice().initWords(2);
    a.getChoice().getWords().set(0, "w0");
    a.getChoice().getWords().set(1, "w1");
    a.setLocal(host::AllTypes::Local::ONE);
    a.initNested().setV(-3);
    auto pair = a.initPair();
    pair.setA(9);
    pair.setB("pair");
}

void expect_filled(fields::AllTypes::Reader a) {
    CHECK(a.getB());
    CHECK_FALSE(a.getBDefault());
    CHECK(a.getI8() == -128);
    CHECK(a.getI16() == -2);
    CHECK(a.getI32() == 123456);
    CHECK(a.getI64() == -9000000000LL);
    CHECK(a.getU8() == 255);
    CHECK(a.getU16() == 0);
    CHECK(a.getU32() == 0xfffffffe);
    CHECK(a.getU64() == 1);
    float f32 = 2.25f;
    double f64 = -0.5;
    CHECK(a.getF32Bits() == std::bit_cast<uint32_t>(f32));
    CHECK(a.getF64Bits() == std::bit_cast<uint64_t>(f64));
    CHECK(a.getColor() == fields::Color::BLUE);
    CHECK(s(a.getText()) == "text with \xc3\xa9 and more than eight bytes");
    CHECK(a.getText().data()[a.getText().size()] == '\0');  // the terminator is there, not counted
    REQUIRE(a.getData().size() == 3);
    CHECK(a.getData()[2] == 2);
    CHECK(a.getInner().getId() == 77);
    CHECK(s(a.getInner().getLabel()) == "inner");
    REQUIRE(a.getBoolList().size() == 10);
    for (uint32_t i = 0; i < 10; ++i) CHECK(a.getBoolList()[i] == (i % 3 == 0));
    CHECK(a.getU8List()[2] == 255);
    CHECK(a.getI16List()[0] == -1);
    CHECK(a.getI16List()[1] == 32767);
    CHECK(a.getU32List()[0] == 0xabcdef01);
    CHECK(a.getI64List()[0] == INT64_MIN);
    CHECK(a.getColorList()[1] == fields::Color::BLUE);
    REQUIRE(a.getInnerList().size() == 3);
    uint32_t i = 0;
    for (auto inner : a.getInnerList()) {
        CHECK(inner.getId() == i * 10);
        CHECK(s(inner.getLabel()) == std::to_string(i));
        ++i;
    }
    CHECK(s(a.getTextList()[0]) == "a");
    CHECK(a.getTextList()[1].empty());
    CHECK(a.getDataList()[0].size() == 3);
    CHECK(a.getF64List()[0] == std::bit_cast<uint64_t>(1.0));
    CHECK(a.getGrp().getX() == 0);
    CHECK(s(a.getGrp().getY()) == "grp");
    REQUIRE(a.getChoice().which() == fields::AllTypes::Choice::Which::WORDS);
    CHECK(s(a.getChoice().getWords()[1]) == "w1");
    CHECK(a.getLocal() == fields::AllTypes::Local::ONE);
    CHECK(a.getNested().getV() == -3);
    REQUIRE(a.which() == fields::AllTypes::Which::PAIR);
    CHECK(a.isPair());
    CHECK(a.getPair().getA() == 9);
    CHECK(s(a.getPair().getB()) == "pair");
}

}  // namespace

TEST_CASE("Roundtrip.LibcapnpMessageReadsBackEveryFieldKind") {
    ::capnp::MallocMessageBuilder mb;
    fill(mb.initRoot<host::AllTypes>());
    auto bytes = to_bytes(mb);
    bh::wire::Message msg;
    fields::AllTypes::Reader a;
    REQUIRE(read(msg, bytes, a) == Error::None);
    expect_filled(a);
}

TEST_CASE("Roundtrip.UnsetFieldsReadAsSchemaDefaults") {
    ::capnp::MallocMessageBuilder mb;
    mb.initRoot<host::AllTypes>();
    auto bytes = to_bytes(mb);
    bh::wire::Message msg;
    fields::AllTypes::Reader a;
    REQUIRE(read(msg, bytes, a) == Error::None);
    CHECK_FALSE(a.getB());
    CHECK(a.getBDefault());
    CHECK(a.getI8() == -5);
    CHECK(a.getI32() == -100000);
    CHECK(a.getU16() == 300);
    CHECK(a.getU64() == 0xdeadbeefcafeull);
    CHECK(a.getF32Bits() == std::bit_cast<uint32_t>(1.5f));
    CHECK(a.getColor() == fields::Color::GREEN);
    CHECK(a.getLocal() == fields::AllTypes::Local::TWO);
    CHECK(s(a.getTextDefault()) == "hello");
    CHECK_FALSE(a.hasTextDefault());
    REQUIRE(a.getDataDefault().size() == 3);
    CHECK(a.getDataDefault()[2] == 3);
    CHECK(a.getText().empty());
    CHECK(a.getInner().getId() == 0);
    CHECK(a.getInnerList().empty());
    CHECK(a.getGrp().getX() == 9);
    CHECK(a.which() == fields::AllTypes::Which::NONE);
    CHECK(fields::ANSWER == 42);
    CHECK(fields::GREETING == bh::wire::Text("hi"));
}

TEST_CASE("Roundtrip.AnEmptyRootPointerReadsAsAllDefaults") {
    auto bytes = bh::capnp_test::frame({{0}});
    bh::wire::Message msg;
    fields::AllTypes::Reader a;
    REQUIRE(read(msg, bytes, a) == Error::None);
    CHECK(a.getU16() == 300);
    CHECK(s(a.getTextDefault()) == "hello");
}

TEST_CASE("Roundtrip.UnionMembersReportWhichAndValue") {
    for (int which = 0; which < 4; ++which) {
        ::capnp::MallocMessageBuilder mb;
        auto a = mb.initRoot<host::AllTypes>();
        if (which == 0) a.setNum(0);
        if (which == 1) a.setName("n");
        if (which == 2) a.setFlag(true);
        if (which == 3) a.getChoice().initBig().setId(5);
        auto bytes = to_bytes(mb);
        bh::wire::Message msg;
        fields::AllTypes::Reader r;
        REQUIRE(read(msg, bytes, r) == Error::None);
        if (which == 0) CHECK((r.isNum() && r.getNum() == 0));
        if (which == 1) CHECK((r.isName() && s(r.getName()) == "n"));
        if (which == 2) CHECK((r.isFlag() && r.getFlag()));
        if (which == 3) CHECK((r.getChoice().isBig() && r.getChoice().getBig().getId() == 5));
    }
}

TEST_CASE("Roundtrip.MultiSegmentMessageFollowsFarPointers") {
    // A 1-word first segment forces every object into later segments behind far pointers.
    ::capnp::MallocMessageBuilder mb(1, ::capnp::AllocationStrategy::GROW_HEURISTICALLY);
    fill(mb.initRoot<host::AllTypes>());
    REQUIRE(mb.getSegmentsForOutput().size() > 1);
    auto bytes = to_bytes(mb);
    bh::wire::Message msg;
    fields::AllTypes::Reader a;
    REQUIRE(read(msg, bytes, a) == Error::None);
    CHECK(msg.segment_count() > 1);
    expect_filled(a);
}

TEST_CASE("Roundtrip.FixedSizeSegmentsProduceDoubleFarPointersThatRead") {
    // Segments exactly as large as each object leave no room for landing pads: libcapnp then
    // writes double-far pointers (a pad in yet another segment).
    ::capnp::MallocMessageBuilder mb(1, ::capnp::AllocationStrategy::FIXED_SIZE);
    auto root = mb.initRoot<host::Inner>();
    root.setId(3);
    root.setLabel("far away label");
    auto bytes = to_bytes(mb);
    bh::wire::Message msg;
    fields::Inner::Reader r;
    REQUIRE(read(msg, bytes, r) == Error::None);
    CHECK(r.getId() == 3);
    CHECK(s(r.getLabel()) == "far away label");
}

TEST_CASE("Roundtrip.HandBuiltDoubleFarPointerReads") {
    using namespace bh::capnp_test;
    // seg0: root = double far -> seg1 word 0; seg1: [far -> seg2 word 0][tag: struct 1 data 0 ptrs]
    // seg2: the struct's data word.
    auto bytes = frame({{far_ptr(true, 0, 1)}, {far_ptr(false, 0, 2), struct_ptr(0, 1, 0)}, {41}});
    bh::wire::Message msg;
    fields::Inner::Reader r;
    REQUIRE(read(msg, bytes, r) == Error::None);
    CHECK(r.getId() == 41);
}

TEST_CASE("Roundtrip.OlderReaderIgnoresNewerFieldsAndNewerReaderDefaultsOldOnes") {
    ::capnp::MallocMessageBuilder mb;
    auto inner = mb.initRoot<host::Inner>();
    inner.setId(5);
    inner.setLabel("new");
    auto bytes = to_bytes(mb);
    bh::wire::Message msg;
    fields::InnerV0::Reader old;
    REQUIRE(read(msg, bytes, old) == Error::None);
    CHECK(old.getId() == 5);

    ::capnp::MallocMessageBuilder mb0;
    mb0.initRoot<host::InnerV0>().setId(6);
    auto bytes0 = to_bytes(mb0);
    bh::wire::Message msg0;
    fields::Inner::Reader now;
    REQUIRE(read(msg0, bytes0, now) == Error::None);
    CHECK(now.getId() == 6);
    CHECK(now.getLabel().empty());
}

TEST_CASE("Roundtrip.PrimitiveListUpgradedToStructListReadsBothWays") {
    ::capnp::MallocMessageBuilder old;
    auto v = old.initRoot<host::Upgraded>().initValues(2);
    v.set(0, 10), v.set(1, 20);
    auto old_bytes = to_bytes(old);
    bh::wire::Message m1;
    fields::UpgradedV2::Reader wide;
    REQUIRE(read(m1, old_bytes, wide) == Error::None);
    REQUIRE(wide.getValues().size() == 2);
    CHECK(wide.getValues()[1].getValue() == 20);
    CHECK(wide.getValues()[1].getExtra().empty());

    ::capnp::MallocMessageBuilder now;
    auto w = now.initRoot<host::UpgradedV2>().initValues(2);
    w[0].setValue(30), w[1].setValue(40), w[1].setExtra("x");
    auto new_bytes = to_bytes(now);
    bh::wire::Message m2;
    fields::Upgraded::Reader narrow;
    REQUIRE(read(m2, new_bytes, narrow) == Error::None);
    CHECK(narrow.getValues()[0] == 30);
    CHECK(narrow.getValues()[1] == 40);
}

TEST_CASE("Roundtrip.ListIndexPastTheEndReadsAsDefault") {
    ::capnp::MallocMessageBuilder mb;
    mb.initRoot<host::AllTypes>().initU32List(1).set(0, 8);
    auto bytes = to_bytes(mb);
    bh::wire::Message msg;
    fields::AllTypes::Reader a;
    REQUIRE(read(msg, bytes, a) == Error::None);
    CHECK(a.getU32List()[0] == 8);
    CHECK(a.getU32List()[1] == 0);
    CHECK(a.getInnerList()[5].getId() == 0);
}
