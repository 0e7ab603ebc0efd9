// State records: save mid-message and mid-transaction, restore, finish, commit, see events.
#include <catch2/catch.hpp>

#include "client.hpp"

using namespace xstest;
using bh::xs::MsgType;
using bh::xs::XsErr;
using V = std::vector<std::string>;

namespace {

std::vector<uint8_t> save(const Store& s) {
    bh::ds::Bytes b;
    REQUIRE(s.save(&b));
    return std::vector<uint8_t>(b.bytes(), b.bytes() + b.size());
}

// A client bound to an existing (restored) connection.
Client attach(Store& s, uint32_t id) {
    Client c(s, 0, true);
    s.disconnect(c.conn);
    c.conn = s.find_connection(id);
    REQUIRE(c.conn != nullptr);
    return c;
}

}  // namespace

TEST_CASE("State.RestartKeepsTreeWatchesTransactionsAndHalfMessages") {
    std::vector<uint8_t> image;
    uint32_t guest_id = 0, tool_id = 0, tx = 0;
    std::string rest_of_request;
    {
        Store s;
        REQUIRE(s.init());
        Client tool(s, 0, true);
        REQUIRE(ok(tool.op(MsgType::Mkdir, {"/local/domain/3"})));
        REQUIRE(ok(tool.op(MsgType::SetPerms, {"/local/domain/3", "n3"})));
        Client guest(s, 3);
        REQUIRE(ok(guest.op(MsgType::Watch, {"device", "dev"})));
        guest.take_events();
        REQUIRE(ok(guest.write("device/state", "1")));
        guest.take_events();
        tx = guest.start();
        REQUIRE(tx != 0);
        CHECK(guest.read("device/state", tx) == "1");
        REQUIRE(ok(guest.write("device/state", "4", tx)));
        // Half a request in, and a reply left unread.
        std::string req = frame(MsgType::Read, args({"device/state"}), 0, 77);
        guest.send_raw(req.substr(0, 10));
        rest_of_request = req.substr(10);
        tool.send_raw(frame(MsgType::Read, args({"/local/domain/3/device/state"}), 0, 88));
        guest_id = guest.conn->id();
        tool_id = tool.conn->id();
        image = save(s);
    }
    Store s2;
    REQUIRE(s2.load(image) == XsErr::Ok);
    REQUIRE(s2.check());
    Client guest = attach(s2, guest_id);
    Client tool = attach(s2, tool_id);
    tool.pump();
    REQUIRE(tool.replies.size() == 1);
    CHECK(tool.replies[0].req_id == 88);
    CHECK(tool.replies[0].body == "1");
    guest.send_raw(rest_of_request);
    guest.pump();
    REQUIRE(guest.replies.size() == 1);
    CHECK(guest.replies[0].req_id == 77);
    CHECK(guest.replies[0].body == "1");
    REQUIRE(ok(guest.end(tx, true)));
    CHECK(guest.take_events() == V{"device/state|dev"});
    CHECK(tool.read("/local/domain/3/device/state") == "4");
    CHECK(s2.check());
}

TEST_CASE("State.RestoredTransactionStillDetectsConflicts") {
    std::vector<uint8_t> image;
    uint32_t id = 0, tx = 0;
    {
        Store s;
        REQUIRE(s.init());
        Client c(s, 0, true);
        REQUIRE(ok(c.write("/x", "1")));
        tx = c.start();
        CHECK(c.read("/x", tx) == "1");
        REQUIRE(ok(c.write("/y", "2", tx)));
        id = c.conn->id();
        image = save(s);
    }
    Store s2;
    REQUIRE(s2.load(image) == XsErr::Ok);
    Client c = attach(s2, id);
    Client other(s2, 0, true);
    REQUIRE(ok(other.write("/x", "changed")));
    CHECK(c.end(tx, true).is_error("EAGAIN"));
    // New ids never collide with restored ones.
    CHECK(other.conn->id() != id);
}

TEST_CASE("State.SaveLoadSaveIsIdentical") {
    Store s;
    REQUIRE(s.init());
    Client c(s, 0, true);
    REQUIRE(ok(c.write("/a/b", std::string("x\0y", 3))));
    REQUIRE(ok(c.op(MsgType::SetPerms, {"/a", "r4", "b5"})));
    REQUIRE(ok(c.op(MsgType::Introduce, {"4", "-1", "9"})));
    REQUIRE(ok(c.op(MsgType::Watch, {"@releaseDomain", "r"})));
    uint32_t tx = c.start();
    REQUIRE(ok(c.op(MsgType::Rm, {"/a"}, tx)));
    auto first = save(s);
    Store s2;
    REQUIRE(s2.load(first) == XsErr::Ok);
    CHECK(save(s2) == first);
}

TEST_CASE("State.CorruptRecordsAreRefused") {
    Store s;
    REQUIRE(s.init());
    Client c(s, 0, true);
    REQUIRE(ok(c.write("/a/b", "v")));
    uint32_t tx = c.start();
    REQUIRE(ok(c.write("/a/c", "w", tx)));
    auto good = save(s);
    {
        Store t;
        REQUIRE(t.load(good) == XsErr::Ok);
    }
    // Every truncation and every single-byte change is either refused or yields a sound store.
    for (size_t cut = 0; cut < good.size(); cut += 7) {
        Store t;
        std::vector<uint8_t> part(good.begin(), good.begin() + long(cut));
        CHECK(t.load(part) == XsErr::Inval);
    }
    int refused = 0;
    for (size_t i = 0; i < good.size(); i++) {
        for (uint8_t flip : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xff)}) {
            std::vector<uint8_t> bad = good;
            bad[i] ^= flip;
            Store t;
            if (t.load(bad) != XsErr::Ok) {
                refused++;
                CHECK(t.tree().size() == 0);
            } else {
                CHECK(t.check());
            }
        }
    }
    CHECK(refused > 0);
}

TEST_CASE("State.ReleasedConnectionWithHalfAMessageRoundTrips") {
    Store s;
    REQUIRE(s.init());
    Client dom0(s, 0, true);
    REQUIRE(ok(dom0.op(MsgType::Introduce, {"5", "1", "1"})));
    Client d5(s, 5);
    d5.send_raw(frame(MsgType::Read, args({"/local"})).substr(0, 20));
    REQUIRE(ok(dom0.op(MsgType::Release, {"5"})));
    REQUIRE(d5.conn->broken());
    auto image = save(s);
    Store s2;
    REQUIRE(s2.load(image) == XsErr::Ok);
    REQUIRE(s2.find_connection(d5.conn->id()) != nullptr);
    CHECK(s2.find_connection(d5.conn->id())->broken());
    CHECK(save(s2) == image);
}

TEST_CASE("State.TheLongestPermissionListAPrivilegedClientCanSetReloads") {
    Store s;
    REQUIRE(s.init());
    Client tool(s, 0, true);
    REQUIRE(ok(tool.write("/p", "x")));
    std::string payload = std::string("/p") + '\0' + "n0" + '\0';
    while (payload.size() + 3 <= 4096) payload += std::string("r1") + '\0';
    Msg m = tool.request(MsgType::SetPerms, payload);
    REQUIRE(ok(m));
    std::vector<uint8_t> image = save(s);
    Store s2;
    REQUIRE(s2.load(image) == XsErr::Ok);
    CHECK(s2.tree().find("/p")->perms.size() > 1300);
}
