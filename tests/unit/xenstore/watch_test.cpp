// Watches: the initial event, changes below, removal, relative paths, special paths, perms.
#include <catch2/catch.hpp>

#include "client.hpp"

using namespace xstest;
using bh::xs::MsgType;
using V = std::vector<std::string>;

TEST_CASE_METHOD(Fixture, "Watch.FiresOnceOnRegistrationAfterTheReply") {
    Client c(store, 0, true);
    c.send_raw(frame(MsgType::Watch, args({"/w", "tok"})));
    auto p = c.conn->pending();
    auto msgs = parse(std::string(reinterpret_cast<const char*>(p.data()), p.size()));
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[0].type == uint32_t(MsgType::Watch));
    CHECK(msgs[1].type == uint32_t(MsgType::WatchEvent));
    CHECK(msgs[1].body == args({"/w", "tok"}));
    CHECK(msgs[1].req_id == 0);
    CHECK(msgs[1].tx_id == 0);
}

TEST_CASE_METHOD(Fixture, "Watch.FiresOnChangesAtAndBelowThePathOnly") {
    Client c(store, 0, true);
    REQUIRE(ok(c.op(MsgType::Watch, {"/w", "t"})));
    c.take_events();
    REQUIRE(ok(c.write("/w/a/b", "1")));
    REQUIRE(ok(c.write("/w", "2")));
    REQUIRE(ok(c.write("/wx", "3")));
    REQUIRE(ok(c.write("/other", "4")));
    CHECK(c.take_events() == V{"/w/a/b|t", "/w|t"});
    REQUIRE(ok(c.op(MsgType::SetPerms, {"/w/a", "n0"})));
    CHECK(c.take_events() == V{"/w/a|t"});
}

TEST_CASE_METHOD(Fixture, "Watch.RemovalFiresWatchesAboveAndBelow") {
    Client c(store, 0, true);
    REQUIRE(ok(c.write("/r/a/b", "1")));
    REQUIRE(ok(c.op(MsgType::Watch, {"/r", "up"})));
    REQUIRE(ok(c.op(MsgType::Watch, {"/r/a/b", "down"})));
    REQUIRE(ok(c.op(MsgType::Watch, {"/r/a/b/never", "deep"})));
    c.take_events();
    REQUIRE(ok(c.op(MsgType::Rm, {"/r/a"})));
    CHECK(c.take_events() == V{"/r/a|up", "/r/a/b|down", "/r/a/b/never|deep"});
}

TEST_CASE_METHOD(Fixture, "Watch.RelativeWatchReportsRelativePaths") {
    Client dom0(store, 0, true);
    REQUIRE(ok(dom0.op(MsgType::Mkdir, {"/local/domain/7"})));
    REQUIRE(ok(dom0.op(MsgType::SetPerms, {"/local/domain/7", "n7"})));
    Client d7(store, 7);
    REQUIRE(ok(d7.op(MsgType::Watch, {"device", "dev"})));
    CHECK(d7.take_events() == V{"device|dev"});
    REQUIRE(ok(dom0.write("/local/domain/7/device/vbd/1/state", "1")));
    CHECK(d7.take_events() == V{"device/vbd/1/state|dev"});
}

TEST_CASE_METHOD(Fixture, "Watch.UnwatchAndDuplicates") {
    Client c(store, 0, true);
    REQUIRE(ok(c.op(MsgType::Watch, {"/u", "t"})));
    CHECK(c.op(MsgType::Watch, {"/u", "t"}).is_error("EEXIST"));
    REQUIRE(ok(c.op(MsgType::Watch, {"/u", "t2"})));
    REQUIRE(ok(c.op(MsgType::Unwatch, {"/u", "t"})));
    CHECK(c.op(MsgType::Unwatch, {"/u", "t"}).is_error("ENOENT"));
    c.take_events();
    REQUIRE(ok(c.write("/u", "x")));
    CHECK(c.take_events() == V{"/u|t2"});
    CHECK(c.op(MsgType::Watch, {"/u", "t", "1"}).is_error("EINVAL"));
}

TEST_CASE_METHOD(Fixture, "Watch.ResetWatchesDropsWatchesAndTransactions") {
    Client c(store, 0, true);
    REQUIRE(ok(c.op(MsgType::Watch, {"/x", "t"})));
    uint32_t tx = c.start();
    REQUIRE(tx != 0);
    REQUIRE(ok(c.request(MsgType::ResetWatches, std::string(1, '\0'))));
    c.take_events();
    REQUIRE(ok(c.write("/x", "1")));
    CHECK(c.take_events().empty());
    CHECK(c.read("/x", tx) == "!ENOENT" + std::string(1, '\0'));
}

TEST_CASE_METHOD(Fixture, "Watch.SpecialPathsFireOnIntroduceAndRelease") {
    Client dom0(store, 0, true);
    Client d9(store, 9);
    REQUIRE(ok(dom0.op(MsgType::Watch, {"@introduceDomain", "in"})));
    REQUIRE(ok(dom0.op(MsgType::Watch, {"@releaseDomain", "out"})));
    REQUIRE(ok(d9.op(MsgType::Watch, {"@introduceDomain", "in9"})));
    dom0.take_events();
    d9.take_events();
    REQUIRE(ok(dom0.op(MsgType::Introduce, {"9", "1", "3"})));
    REQUIRE(ok(dom0.op(MsgType::Introduce, {"8", "1", "3"})));
    REQUIRE(ok(dom0.op(MsgType::Release, {"8"})));
    CHECK(dom0.take_events() == V{"@introduceDomain|in", "@introduceDomain|in", "@releaseDomain|out"});
    // Unprivileged domains get special events only where the special node's perms allow.
    CHECK(d9.take_events().empty());
    REQUIRE(ok(dom0.op(MsgType::SetPerms, {"@introduceDomain", "n0", "r9"})));
    CHECK(d9.take_events() == V{"@introduceDomain|in9"});  // the perms change itself
    REQUIRE(ok(dom0.op(MsgType::Introduce, {"10", "1", "3"})));
    CHECK(d9.take_events() == V{"@introduceDomain|in9"});
}

TEST_CASE_METHOD(Fixture, "Watch.EventsRespectReadPermission") {
    Client dom0(store, 0, true);
    Client d5(store, 5);
    REQUIRE(ok(d5.op(MsgType::Watch, {"/", "all"})));
    d5.take_events();
    REQUIRE(ok(dom0.write("/secret", "x")));  // inherits n0 from "/"
    CHECK(d5.take_events().empty());
    REQUIRE(ok(dom0.op(MsgType::SetPerms, {"/secret", "n0", "r5"})));
    CHECK(d5.take_events() == V{"/secret|all"});
}

TEST_CASE_METHOD(Fixture, "Watch.EventsOfOtherDomainsChangesArrive") {
    Client dom0(store, 0, true);
    REQUIRE(ok(dom0.op(MsgType::Mkdir, {"/shared"})));
    REQUIRE(ok(dom0.op(MsgType::SetPerms, {"/shared", "b0"})));
    Client a(store, 1), b(store, 2);
    REQUIRE(ok(a.op(MsgType::Watch, {"/shared", "a"})));
    a.take_events();
    REQUIRE(ok(b.write("/shared/k", "v")));
    CHECK(a.take_events() == V{"/shared/k|a"});
}

namespace {
// Records what the store tells its front end.
struct RecordingHooks final : bh::xs::StoreHooks {
    std::vector<std::string> calls;
    void introduced(const bh::xs::DomainInfo& d) override {
        calls.push_back("in " + std::to_string(d.domid) + " port " + std::to_string(d.port));
    }
    void released(uint16_t domid) override { calls.push_back("out " + std::to_string(domid)); }
};
}  // namespace

TEST_CASE_METHOD(Fixture, "Introduce.AgainForARestartedDomainTellsTheFrontEndWithoutAnEvent") {
    RecordingHooks hooks;
    store.set_hooks(&hooks);
    Client dom0(store, 0, true);
    REQUIRE(ok(dom0.op(MsgType::Watch, {"@introduceDomain", "in"})));
    dom0.take_events();
    REQUIRE(ok(dom0.op(MsgType::Introduce, {"9", "1", "3"})));
    // Restarted under the same id with a new port: the front end must rebind, nobody else cares.
    REQUIRE(ok(dom0.op(MsgType::Introduce, {"9", "1", "5"})));
    CHECK(hooks.calls == std::vector<std::string>{"in 9 port 3", "in 9 port 5"});
    CHECK(dom0.take_events() == V{"@introduceDomain|in"});
    REQUIRE(store.domain(9) != nullptr);
    CHECK(store.domain(9)->port == 5);
    store.set_hooks(nullptr);
}
