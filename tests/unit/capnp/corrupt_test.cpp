// Corrupt and hostile messages: each is refused with an error value naming what was wrong and
// where, never read out of bounds (ASan/UBSan watch every case).
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "fields.bh.hpp"
#include "fields.capnp.h"

#include <capnp/schema.h>
#include "util.hpp"

namespace host = bh::host::fields;
namespace fields = bh::fields;
using namespace bh::capnp_test;
using bh::wire::ElementSize;
using bh::wire::Error;

namespace {

std::vector<uint8_t> sample() {
    ::capnp::MallocMessageBuilder mb;
    auto a = mb.initRoot<host::AllTypes>();
    a.setText("hello world");
    auto l = a.initInnerList(2);
    l[1].setLabel("x");
    return to_bytes(mb);
}

// AllTypes's layout, from libcapnp's compiled-in schema (so the hand-built messages below
// follow the schema if it changes).
const auto kSchema = ::capnp::Schema::from<host::AllTypes>();
const uint16_t kData = kSchema.getProto().getStruct().getDataWordCount();
const uint16_t kPtrs = kSchema.getProto().getStruct().getPointerCount();
uint16_t slot(const char* field) {
    return static_cast<uint16_t>(kSchema.getFieldByName(field).getProto().getSlot().getOffset());
}
const uint16_t kText = slot("text"), kInnerList = slot("innerList"), kU32List = slot("u32List"),
               kBoolList = slot("boolList");

// A root AllTypes whose pointer `slot` holds `ptr`, followed by `tail` words.
std::vector<uint8_t> alltypes_with(uint16_t at, uint64_t ptr, std::vector<uint64_t> tail = {}) {
    std::vector<uint64_t> seg{struct_ptr(0, kData, kPtrs)};
    seg.resize(1 + kData + kPtrs);
    seg[1 + kData + at] = ptr;
    seg.insert(seg.end(), tail.begin(), tail.end());
    return frame({seg});
}
// Offset from pointer slot `at` of the root above to the first tail word.
int32_t to_tail(uint16_t at) { return static_cast<int32_t>(kPtrs - at - 1); }

template <class R = fields::AllTypes::Reader>
Error verdict(const std::vector<uint8_t>& bytes, bh::wire::Limits lim = {}) {
    bh::wire::Message msg;
    R r;
    return read(msg, bytes, r, lim);
}

}  // namespace

TEST_CASE("Corrupt.GeneratedLayoutMatchesLibcapnps") {
    CHECK(fields::AllTypes::kSize.data_words == kData);
    CHECK(fields::AllTypes::kSize.pointers == kPtrs);
    CHECK(fields::AllTypes::kTypeId == kSchema.getProto().getId());
}

TEST_CASE("Corrupt.EveryTruncationIsRefusedAsTruncated") {
    auto bytes = sample();
    for (size_t n = 0; n < bytes.size(); ++n) {
        std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n));
        bh::wire::Message msg;
        INFO("length " << n);
        CHECK(msg.open(cut) == Error::Truncated);
        CHECK(msg.fault().error == Error::Truncated);
    }
}

TEST_CASE("Corrupt.BytesAfterTheLastSegmentAreRefused") {
    auto bytes = sample();
    bytes.resize(bytes.size() + 8);
    CHECK(verdict(bytes) == Error::TrailingBytes);
}

TEST_CASE("Corrupt.HugeSegmentCountIsRefused") {
    for (uint32_t count_minus_one : {32u, 511u, 0xffffu, 0xffffffffu}) {
        auto bytes = sample();
        std::memcpy(bytes.data(), &count_minus_one, 4);
        CHECK(verdict(bytes) == Error::SegmentCount);
    }
}

TEST_CASE("Corrupt.SegmentSizeBeyondTheBytesIsTruncated") {
    auto bytes = sample();
    uint32_t huge = 0x7fffffff;
    std::memcpy(bytes.data() + 4, &huge, 4);
    CHECK(verdict(bytes) == Error::Truncated);
}

TEST_CASE("Corrupt.EmptyFirstSegmentHasNoRoot") {
    CHECK(verdict(frame({{}})) == Error::NoRoot);
}

TEST_CASE("Corrupt.StructPointerOutOfBoundsIsRefused") {
    CHECK(verdict(frame({{struct_ptr(100, 1, 0)}})) == Error::OutOfBounds);
    CHECK(verdict(frame({{struct_ptr(-5, 1, 0)}})) == Error::OutOfBounds);
    CHECK(verdict(frame({{struct_ptr(0, 2, 0), 0}})) == Error::OutOfBounds);  // body runs past the end
}

TEST_CASE("Corrupt.ListLongerThanItsSegmentIsRefused") {
    CHECK(verdict(alltypes_with(kU32List, list_ptr(to_tail(kU32List), ElementSize::FourBytes, 3), {0})) ==
          Error::OutOfBounds);
    CHECK(verdict(alltypes_with(kU32List, list_ptr(to_tail(kU32List), ElementSize::FourBytes, (1u << 29) - 1))) ==
          Error::OutOfBounds);
}

TEST_CASE("Corrupt.CompositeListWhoseElementsOverrunItsWordCountIsRefused") {
    // 1 word of elements claimed, tag says 5 elements of 2 words each.
    CHECK(verdict(alltypes_with(kInnerList, list_ptr(to_tail(kInnerList), ElementSize::InlineComposite, 1),
                                {struct_ptr(5, 1, 1), 0})) == Error::CompositeTag);
    // A tag that is not struct-shaped.
    CHECK(verdict(alltypes_with(kInnerList, list_ptr(to_tail(kInnerList), ElementSize::InlineComposite, 1),
                                {list_ptr(1, ElementSize::Byte, 1), 0})) == Error::CompositeTag);
}

TEST_CASE("Corrupt.WrongPointerKindIsRefused") {
    CHECK(verdict(frame({{list_ptr(0, ElementSize::Byte, 8), 0}})) == Error::NotStruct);  // root
    CHECK(verdict(frame({{3}})) == Error::NotStruct);  // capability pointer as root
    CHECK(verdict(alltypes_with(kText, struct_ptr(to_tail(kText), 1, 0), {0})) == Error::NotList);
    CHECK(verdict(alltypes_with(kText, list_ptr(to_tail(kText), ElementSize::FourBytes, 2), {0})) ==
          Error::NotBytes);
    CHECK(verdict(alltypes_with(kInnerList, list_ptr(to_tail(kInnerList), ElementSize::Bit, 3), {0})) ==
          Error::ElementSize);
    CHECK(verdict(alltypes_with(kBoolList, list_ptr(to_tail(kBoolList), ElementSize::Byte, 3), {0})) ==
          Error::ElementSize);
    CHECK(verdict(alltypes_with(kU32List, list_ptr(to_tail(kU32List), ElementSize::TwoBytes, 3), {0})) ==
          Error::ElementSize);
}

TEST_CASE("Corrupt.TextWithoutNulIsRefused") {
    CHECK(verdict(alltypes_with(kText, list_ptr(to_tail(kText), ElementSize::Byte, 5), {chars("hello")})) ==
          Error::TextUnterminated);
    CHECK(verdict(alltypes_with(kText, list_ptr(to_tail(kText), ElementSize::Byte, 0))) == Error::TextUnterminated);
    // The same bytes with the NUL counted are fine.
    CHECK(verdict(alltypes_with(kText, list_ptr(to_tail(kText), ElementSize::Byte, 6), {chars("hello")})) ==
          Error::None);
}

TEST_CASE("Corrupt.FaultNamesTheOffendingPointer") {
    bh::wire::Message msg;
    fields::AllTypes::Reader r;
    auto bytes = alltypes_with(kText, list_ptr(to_tail(kText), ElementSize::Byte, 5), {chars("hello")});
    REQUIRE(read(msg, bytes, r) == Error::TextUnterminated);
    CHECK(msg.fault().error == Error::TextUnterminated);
    CHECK(msg.fault().segment == 0);
    CHECK(msg.fault().word == 1u + kData + kText);
    CHECK(std::string(bh::wire::describe(msg.fault().error)) == "text is not NUL-terminated");
}

TEST_CASE("Corrupt.FarPointerProblemsAreRefused") {
    CHECK(verdict(frame({{far_ptr(false, 0, 7)}})) == Error::FarSegment);
    CHECK(verdict(frame({{far_ptr(false, 3, 1)}, {0}})) == Error::OutOfBounds);   // pad outside
    CHECK(verdict(frame({{far_ptr(true, 0, 1)}, {0}})) == Error::OutOfBounds);    // 2-word pad
    CHECK(verdict(frame({{far_ptr(true, 0, 1)}, {struct_ptr(0, 0, 0), struct_ptr(0, 0, 0)}})) == Error::FarPad);
    CHECK(verdict(frame({{far_ptr(true, 0, 1)}, {far_ptr(false, 0, 9), struct_ptr(0, 1, 0)}})) ==
          Error::FarSegment);
    CHECK(verdict(frame({{far_ptr(true, 0, 1)}, {far_ptr(false, 5, 0), struct_ptr(0, 1, 0)}})) ==
          Error::OutOfBounds);
    CHECK(verdict(frame({{far_ptr(false, 0, 1)}, {far_ptr(false, 0, 0)}})) == Error::FarPad);  // far to far
}

TEST_CASE("Corrupt.DeepNestingIsRefusedAndLimitIsAdjustable") {
    ::capnp::MallocMessageBuilder mb;
    auto n = mb.initRoot<host::Node>();
    for (int i = 0; i < 40; ++i) n = n.initNext();
    auto bytes = to_bytes(mb);
    CHECK(verdict<fields::Node::Reader>(bytes) == Error::DepthLimit);
    CHECK(verdict<fields::Node::Reader>(bytes, {0, 64}) == Error::None);
}

TEST_CASE("Corrupt.PointerCycleIsRefusedAsTooDeep") {
    // Node: 1 data word, pointers next and children; next points back at the node itself.
    auto bytes = frame({{struct_ptr(0, 1, 2), 0, struct_ptr(-2, 1, 2), 0}});
    CHECK(verdict<fields::Node::Reader>(bytes) != Error::None);  // whichever limit trips first
    CHECK(verdict<fields::Node::Reader>(bytes, {1'000'000, 32}) == Error::DepthLimit);
}

TEST_CASE("Corrupt.OverlappingPointersExhaustTheTraversalBudget") {
    // K list elements all point `next` at one shared node owning M children: the message has
    // about 3(K+M) words but a walk visits about 3KM.
    const uint32_t K = 100, M = 100;
    std::vector<uint64_t> seg{struct_ptr(0, 1, 2), 0, 0, list_ptr(0, ElementSize::InlineComposite, 3 * K),
                              struct_ptr(static_cast<int32_t>(K), 1, 2)};
    const uint32_t shared = 5 + 3 * K;
    for (uint32_t i = 0; i < K; ++i) {
        uint32_t next_slot = 5 + 3 * i + 1;
        seg.insert(seg.end(), {0, struct_ptr(static_cast<int32_t>(shared - next_slot - 1), 1, 2), 0});
    }
    seg.insert(seg.end(), {0, 0, list_ptr(0, ElementSize::InlineComposite, 3 * M),
                           struct_ptr(static_cast<int32_t>(M), 1, 2)});
    seg.resize(seg.size() + 3 * M);
    auto bytes = frame({seg});
    bh::wire::Message msg;
    fields::Node::Reader r;
    CHECK(read(msg, bytes, r) == Error::TraversalLimit);
    CHECK(read(msg, bytes, r, {10'000'000, 32}) == Error::None);
    CHECK(r.getChildren()[K - 1].getNext().getChildren().size() == M);
}

TEST_CASE("Corrupt.AmplifiedEmptyStructListIsChargedPerElement") {
    // 2^29-1 zero-sized Inner structs cost no bytes on the wire; the walk charges each one.
    CHECK(verdict(alltypes_with(kInnerList, list_ptr(to_tail(kInnerList), ElementSize::InlineComposite, 0),
                                {struct_ptr((1 << 29) - 1, 0, 0)})) == Error::TraversalLimit);
}

TEST_CASE("Corrupt.EveryErrorHasItsOwnDescription") {
    std::set<std::string> seen;
    for (int e = 0; e <= static_cast<int>(Error::TooLarge); ++e) {
        std::string d = bh::wire::describe(static_cast<Error>(e));
        CHECK_FALSE(d.empty());
        CHECK(seen.insert(d).second);
    }
}

TEST_CASE("Corrupt.RandomByteFlipsNeverCrashTheReader") {
    auto bytes = sample();
    uint32_t seed = 12345;
    for (int round = 0; round < 20000; ++round) {
        auto m = bytes;
        for (int k = 0; k < 3; ++k) {
            seed = seed * 1103515245 + 12345;
            m[(seed >> 8) % m.size()] ^= static_cast<uint8_t>(seed >> 24 | 1);
        }
        bh::wire::Message msg;
        fields::AllTypes::Reader r;
        if (read(msg, m, r) != Error::None) continue;
        // Accepted: every getter must stay in bounds.
        size_t sum = r.getText().size() + r.getInnerList().size();
        for (auto i : r.getInnerList()) sum += i.getLabel().size() + i.getId();
        for (auto t : r.getTextList()) sum += t.size();
        static_cast<void>(sum);
    }
}
