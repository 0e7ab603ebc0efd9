// Node operations: every message type's success and error answers, permissions, relative paths.
#include <catch2/catch.hpp>

#include "client.hpp"

using namespace xstest;
using bh::xs::MsgType;

TEST_CASE_METHOD(Fixture, "Ops.RootLocalAndDomainExistOwnedByDom0") {
    Client c(store, 0, true);
    CHECK(c.read("/") == "");
    CHECK(c.op(MsgType::Directory, {"/"}).body == args({"local"}));
    CHECK(c.op(MsgType::Directory, {"/local"}).body == args({"domain"}));
    CHECK(c.op(MsgType::GetPerms, {"/local/domain"}).body == args({"n0"}));
    CHECK(store.check());
}

TEST_CASE_METHOD(Fixture, "Ops.WriteCreatesParentsAndReadReturnsRawValue") {
    Client c(store, 0, true);
    REQUIRE(ok(c.write("/a/b/c", std::string("v\0x", 3))));
    CHECK(c.read("/a/b/c") == std::string("v\0x", 3));
    CHECK(c.read("/a/b") == "");
    CHECK(c.op(MsgType::Directory, {"/a"}).body == args({"b"}));
    REQUIRE(ok(c.write("/a/b/c", "new")));
    CHECK(c.read("/a/b/c") == "new");
    CHECK(store.check());
}

TEST_CASE_METHOD(Fixture, "Ops.ReadOfMissingNodeIsEnoent") {
    Client c(store, 0, true);
    CHECK(c.op(MsgType::Read, {"/nope"}).is_error("ENOENT"));
    CHECK(c.op(MsgType::Directory, {"/nope"}).is_error("ENOENT"));
    CHECK(c.op(MsgType::GetPerms, {"/nope"}).is_error("ENOENT"));
}

TEST_CASE_METHOD(Fixture, "Ops.MalformedPathsAreEinval") {
    Client c(store, 0, true);
    CHECK(c.op(MsgType::Read, {"/a//b"}).is_error("EINVAL"));
    CHECK(c.write("/a/", "x").is_error("EINVAL"));
    CHECK(c.op(MsgType::Mkdir, {"/a b"}).is_error("EINVAL"));
    CHECK(c.op(MsgType::Rm, {"@releaseDomain"}).is_error("EINVAL"));
    // READ needs exactly one NUL-terminated string.
    CHECK(c.request(MsgType::Read, "/local").is_error("EINVAL"));
    CHECK(c.request(MsgType::Read, args({"/local", "x"})).is_error("EINVAL"));
    CHECK(c.request(MsgType::Write, "/no-nul").is_error("EINVAL"));
}

TEST_CASE_METHOD(Fixture, "Ops.MkdirKeepsExistingValue") {
    Client c(store, 0, true);
    REQUIRE(ok(c.write("/m", "keep")));
    REQUIRE(ok(c.op(MsgType::Mkdir, {"/m"})));
    CHECK(c.read("/m") == "keep");
    REQUIRE(ok(c.op(MsgType::Mkdir, {"/m/x/y"})));
    CHECK(c.read("/m/x/y") == "");
}

TEST_CASE_METHOD(Fixture, "Ops.RmRemovesSubtreeAndMissingNodeNeedsParent") {
    Client c(store, 0, true);
    REQUIRE(ok(c.write("/r/a/b", "1")));
    REQUIRE(ok(c.write("/r/a2", "2")));
    REQUIRE(ok(c.op(MsgType::Rm, {"/r/a"})));
    CHECK(c.op(MsgType::Read, {"/r/a/b"}).is_error("ENOENT"));
    CHECK(c.op(MsgType::Directory, {"/r"}).body == args({"a2"}));
    CHECK(ok(c.op(MsgType::Rm, {"/r/missing"})));
    CHECK(c.op(MsgType::Rm, {"/r/missing/deeper"}).is_error("ENOENT"));
    CHECK(c.op(MsgType::Rm, {"/"}).is_error("EINVAL"));
    CHECK(store.check());
}

TEST_CASE_METHOD(Fixture, "Ops.DirectoryOverPayloadIsE2bigAndDirectoryPartPagesIt") {
    Client c(store, 0, true);
    std::vector<std::string> names;
    for (int i = 0; i < 300; i++) {
        names.push_back("child-with-a-long-name-" + std::to_string(i));
        REQUIRE(ok(c.op(MsgType::Mkdir, {"/big/" + names.back()})));
    }
    CHECK(c.op(MsgType::Directory, {"/big"}).is_error("E2BIG"));
    std::string all;
    std::string gen;
    size_t off = 0;
    for (int guard = 0; guard < 10; guard++) {
        Msg m = c.op(MsgType::DirectoryPart, {"/big", std::to_string(off)});
        REQUIRE(m.type == uint32_t(MsgType::DirectoryPart));
        REQUIRE(m.body.size() <= 4096);
        std::string g = m.body.substr(0, m.body.find('\0'));
        if (gen.empty()) gen = g;
        CHECK(g == gen);
        std::string part = m.body.substr(g.size() + 1);
        all += part;
        off += part.size();
        if (part.size() <= 1 || part[part.size() - 2] == '\0') break;
    }
    REQUIRE(!all.empty());
    all.pop_back();  // the terminating extra NUL
    std::string expect;
    for (auto& n : names) expect += n + '\0';
    CHECK(all == expect);
    CHECK(c.op(MsgType::DirectoryPart, {"/big", "x"}).is_error("EINVAL"));
}

TEST_CASE_METHOD(Fixture, "Ops.GetAndSetPerms") {
    Client c(store, 0, true);
    REQUIRE(ok(c.write("/p", "v")));
    REQUIRE(ok(c.op(MsgType::SetPerms, {"/p", "b5", "r6"})));
    CHECK(c.op(MsgType::GetPerms, {"/p"}).body == args({"b5", "r6"}));
    CHECK(c.op(MsgType::SetPerms, {"/p", "q1"}).is_error("EINVAL"));
    CHECK(c.op(MsgType::SetPerms, {"/p"}).is_error("EINVAL"));
    CHECK(ok(c.op(MsgType::SetPerms, {"@releaseDomain", "n0", "r5"})));
    CHECK(store.check());
}

TEST_CASE_METHOD(Fixture, "Ops.UnprivilegedDomainFollowsPermissions") {
    Client dom0(store, 0, true);
    Client d5(store, 5), d6(store, 6);
    REQUIRE(ok(dom0.op(MsgType::Mkdir, {"/local/domain/5"})));
    REQUIRE(ok(dom0.op(MsgType::SetPerms, {"/local/domain/5", "n5"})));
    // Relative paths land under the domain's own directory.
    REQUIRE(ok(d5.write("data/x", "1")));
    CHECK(dom0.read("/local/domain/5/data/x") == "1");
    CHECK(d5.read("/local/domain/5/data/x") == "1");
    // The new node is the creator's.
    CHECK(dom0.op(MsgType::GetPerms, {"/local/domain/5/data/x"}).body == args({"n5"}));
    // Another domain can neither read nor learn whether a node exists.
    CHECK(d6.op(MsgType::Read, {"/local/domain/5/data/x"}).is_error("EACCES"));
    CHECK(d6.op(MsgType::Read, {"/local/domain/5/data/none"}).is_error("EACCES"));
    CHECK(d6.write("/local/domain/5/data/y", "1").is_error("EACCES"));
    CHECK(d6.write("/other", "1").is_error("EACCES"));
    // Owner grants read: now d6 reads, still cannot write.
    REQUIRE(ok(d5.op(MsgType::SetPerms, {"data/x", "n5", "r6"})));
    CHECK(d6.read("/local/domain/5/data/x") == "1");
    CHECK(d6.write("/local/domain/5/data/x", "2").is_error("EACCES"));
    // Only dom0 may hand a node to another owner; non-owners may not change perms at all.
    CHECK(d5.op(MsgType::SetPerms, {"data/x", "n6"}).is_error("EPERM"));
    CHECK(d6.op(MsgType::SetPerms, {"/local/domain/5/data/x", "n6"}).is_error("EACCES"));
    CHECK(store.check());
}

TEST_CASE_METHOD(Fixture, "Ops.DomainPathsAndIntroduction") {
    Client dom0(store, 0, true);
    Client d3(store, 3);
    CHECK(d3.op(MsgType::GetDomainPath, {"12"}).body == args({"/local/domain/12"}));
    CHECK(d3.op(MsgType::GetDomainPath, {"x"}).is_error("EINVAL"));
    CHECK(dom0.op(MsgType::IsDomainIntroduced, {"3"}).body == args({"F"}));
    REQUIRE(ok(dom0.op(MsgType::Introduce, {"3", "4096", "7"})));
    CHECK(dom0.op(MsgType::IsDomainIntroduced, {"3"}).body == args({"T"}));
    CHECK(dom0.op(MsgType::Introduce, {"3", "4096", "0"}).is_error("EINVAL"));
    CHECK(d3.op(MsgType::Introduce, {"4", "1", "1"}).is_error("EACCES"));
    CHECK(d3.op(MsgType::IsDomainIntroduced, {"3"}).is_error("EACCES"));
    REQUIRE(ok(dom0.op(MsgType::Resume, {"3"})));
    REQUIRE(ok(dom0.op(MsgType::Release, {"3"})));
    CHECK(dom0.op(MsgType::IsDomainIntroduced, {"3"}).body == args({"F"}));
    CHECK(dom0.op(MsgType::Release, {"3"}).is_error("ENOENT"));
}

TEST_CASE_METHOD(Fixture, "Ops.ReleaseRemovesNodesTheDomainOwned") {
    Client dom0(store, 0, true);
    REQUIRE(ok(dom0.op(MsgType::Introduce, {"4", "1", "1"})));
    Client d4(store, 4);
    REQUIRE(ok(dom0.op(MsgType::Mkdir, {"/local/domain/4"})));
    REQUIRE(ok(dom0.op(MsgType::SetPerms, {"/local/domain/4", "n0", "b4"})));
    REQUIRE(ok(d4.write("mine/x", "1")));
    REQUIRE(ok(dom0.op(MsgType::Release, {"4"})));
    CHECK(d4.conn->broken());
    CHECK(dom0.op(MsgType::Read, {"/local/domain/4/mine"}).is_error("ENOENT"));
    CHECK(dom0.op(MsgType::GetPerms, {"/local/domain/4"}).body == args({"n0"}));
    CHECK(store.check());
}

TEST_CASE_METHOD(Fixture, "Ops.UnsupportedTypesAreEnosys") {
    Client c(store, 0, true);
    CHECK(c.op(MsgType::Control, {"check"}).is_error("ENOSYS"));
    CHECK(c.request(MsgType(20), "").is_error("ENOSYS"));
    CHECK(c.request(MsgType(999), "").is_error("ENOSYS"));
    CHECK(c.request(MsgType::WatchEvent, "").is_error("ENOSYS"));
    CHECK(c.request(MsgType::GetFeature, "").body == args({"0"}));
    CHECK(c.op(MsgType::GetQuota, {"nodes"}).body == args({"1000"}));
    CHECK(ok(c.op(MsgType::SetQuota, {"nodes", "50"})));
    CHECK(store.limits().nodes == 50);
}

TEST_CASE_METHOD(Fixture, "Ops.RepliesEchoRequestAndTransactionIds") {
    Client c(store, 0, true);
    c.send_raw(frame(MsgType::Read, args({"/"}), 0, 4242));
    c.pump();
    REQUIRE(c.replies.size() == 1);
    CHECK(c.replies[0].req_id == 4242);
    CHECK(c.replies[0].type == uint32_t(MsgType::Read));
}
