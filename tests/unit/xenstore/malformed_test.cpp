// Malformed input and chunked I/O: errors or a closed connection, never harm to others.
#include <catch2/catch.hpp>

#include "client.hpp"

using namespace xstest;
using bh::xs::MsgType;

TEST_CASE_METHOD(Fixture, "Malformed.OverlongPayloadBreaksOnlyThatConnection") {
    Client bad(store, 5), good(store, 6);
    MsgHeader h{uint32_t(MsgType::Write), 1, 0, 4097};
    bad.send_raw(std::string(reinterpret_cast<const char*>(&h), sizeof(h)));
    CHECK(bad.conn->broken());
    CHECK(good.op(MsgType::GetDomainPath, {"6"}).body == args({"/local/domain/6"}));
    store.disconnect(bad.conn);
    CHECK(ok(good.write("home", "1")) == false);  // unprivileged, no home: EACCES, still served
    CHECK(good.op(MsgType::GetDomainPath, {"6"}).body == args({"/local/domain/6"}));
}

TEST_CASE_METHOD(Fixture, "Malformed.MaximumPayloadIsAccepted") {
    Client c(store, 0, true);
    std::string payload = "/max" + std::string(1, '\0') + std::string(4096 - 5, 'v');
    REQUIRE(payload.size() == 4096);
    CHECK(ok(c.request(MsgType::Write, payload)));
    CHECK_FALSE(c.conn->broken());
}

TEST_CASE_METHOD(Fixture, "Malformed.BadTypesAndArgumentsGetErrors") {
    Client c(store, 5);
    CHECK(c.request(MsgType(0xdeadbeef), "x").is_error("ENOSYS"));
    CHECK(c.request(MsgType::Error, "").is_error("ENOSYS"));
    CHECK(c.request(MsgType::Read, "").is_error("EINVAL"));
    CHECK(c.request(MsgType::Read, "/local").is_error("EINVAL"));  // no NUL
    CHECK(c.request(MsgType::Watch, "/a").is_error("EINVAL"));
    CHECK(c.request(MsgType::Watch, args({"/a"})).is_error("EINVAL"));
    CHECK(c.request(MsgType::Unwatch, "").is_error("EINVAL"));
    CHECK(c.request(MsgType::SetPerms, "").is_error("EINVAL"));
    CHECK(c.request(MsgType::TransactionEnd, "").is_error("EINVAL"));
    CHECK(c.request(MsgType::GetDomainPath, "").is_error("EINVAL"));
    CHECK(c.request(MsgType::DirectoryPart, args({"/"})).is_error("EINVAL"));
    CHECK(c.request(MsgType::Read, std::string("/lo\0cal\0", 8)).is_error("EINVAL"));
    CHECK_FALSE(c.conn->broken());
    CHECK(store.check());
}

TEST_CASE_METHOD(Fixture, "Malformed.ByteAtATimeInputAndOutputWork") {
    Client c(store, 0, true);
    std::string stream = frame(MsgType::Write, "/chunk" + std::string(1, '\0') + "value", 0, 1) +
                         frame(MsgType::Watch, args({"/chunk", "tok"}), 0, 2) +
                         frame(MsgType::Read, args({"/chunk"}), 0, 3);
    c.send_raw(stream, 1);
    c.pump(1);
    REQUIRE(c.replies.size() == 3);
    CHECK(c.replies[0].req_id == 1);
    CHECK(c.replies[1].req_id == 2);
    CHECK(c.replies[2].body == "value");
    CHECK(c.events.size() == 1);
}

TEST_CASE_METHOD(Fixture, "Malformed.ArbitraryChunkingGivesTheSameReplies") {
    std::string stream;
    for (int i = 0; i < 50; i++)
        stream += frame(MsgType::Write, "/k" + std::to_string(i) + '\0' + std::to_string(i * i), 0, i);
    for (size_t chunk : {size_t(1), size_t(3), size_t(16), size_t(17), size_t(1000)}) {
        Store s;
        REQUIRE(s.init());
        Client c(s, 0, true);
        c.send_raw(stream, chunk);
        c.pump(chunk);
        REQUIRE(c.replies.size() == 50);
        for (int i = 0; i < 50; i++) CHECK(c.replies[size_t(i)].req_id == uint32_t(i));
        CHECK(c.read("/k7") == "49");
    }
}
