// Transactions: isolation, commit, abort, conflicts (EAGAIN) and retry, events on commit only.
#include <catch2/catch.hpp>

#include "client.hpp"

using namespace xstest;
using bh::xs::MsgType;
using V = std::vector<std::string>;

namespace {

std::string enoent() { return "!ENOENT" + std::string(1, '\0'); }

}  // namespace

TEST_CASE_METHOD(Fixture, "Tx.WritesAreInvisibleUntilCommit") {
    Client c(store, 0, true), other(store, 0, true);
    uint32_t tx = c.start();
    REQUIRE(tx != 0);
    REQUIRE(ok(c.write("/t/a", "1", tx)));
    CHECK(c.read("/t/a", tx) == "1");
    CHECK(c.op(MsgType::Directory, {"/t"}, tx).body == args({"a"}));
    CHECK(other.read("/t/a") == enoent());
    REQUIRE(ok(c.end(tx, true)));
    CHECK(other.read("/t/a") == "1");
    CHECK(store.check());
}

TEST_CASE_METHOD(Fixture, "Tx.AbortDiscardsAndFiresNothing") {
    Client c(store, 0, true);
    REQUIRE(ok(c.op(MsgType::Watch, {"/t", "w"})));
    c.take_events();
    uint32_t tx = c.start();
    REQUIRE(ok(c.write("/t/a", "1", tx)));
    CHECK(c.take_events().empty());
    REQUIRE(ok(c.end(tx, false)));
    CHECK(c.take_events().empty());
    CHECK(c.read("/t/a") == enoent());
    CHECK(c.end(tx, true).is_error("ENOENT"));
}

TEST_CASE_METHOD(Fixture, "Tx.CommitFiresWatchesOfChangedNodes") {
    Client c(store, 0, true), w(store, 0, true);
    REQUIRE(ok(c.write("/t/old", "x")));
    REQUIRE(ok(w.op(MsgType::Watch, {"/t", "w"})));
    w.take_events();
    uint32_t tx = c.start();
    REQUIRE(ok(c.write("/t/a", "1", tx)));
    REQUIRE(ok(c.op(MsgType::Rm, {"/t/old"}, tx)));
    CHECK(w.take_events().empty());
    REQUIRE(ok(c.end(tx, true)));
    CHECK(w.take_events() == V{"/t/a|w", "/t/old|w"});
}

TEST_CASE_METHOD(Fixture, "Tx.ConflictingCommitIsEagainAndRetrySucceeds") {
    Client a(store, 0, true), b(store, 0, true);
    REQUIRE(ok(a.write("/c/state", "1")));
    uint32_t tx = a.start();
    CHECK(a.read("/c/state", tx) == "1");
    REQUIRE(ok(a.write("/c/state", "2", tx)));
    REQUIRE(ok(b.write("/c/state", "9")));  // intervening write
    CHECK(a.end(tx, true).is_error("EAGAIN"));
    CHECK(a.read("/c/state") == "9");
    // The retry, as Linux's xenbus does it.
    tx = a.start();
    CHECK(a.read("/c/state", tx) == "9");
    REQUIRE(ok(a.write("/c/state", "10", tx)));
    REQUIRE(ok(a.end(tx, true)));
    CHECK(b.read("/c/state") == "10");
    CHECK(store.check());
}

TEST_CASE_METHOD(Fixture, "Tx.UnrelatedWritesDoNotConflict") {
    Client a(store, 0, true), b(store, 0, true);
    REQUIRE(ok(a.write("/c1/x", "1")));
    REQUIRE(ok(b.write("/c2/y", "1")));
    uint32_t tx = a.start();
    CHECK(a.read("/c1/x", tx) == "1");
    REQUIRE(ok(a.write("/c1/x", "2", tx)));
    REQUIRE(ok(b.write("/c2/y", "2")));
    REQUIRE(ok(a.end(tx, true)));
}

TEST_CASE_METHOD(Fixture, "Tx.ReadOfNodeCreatedMeanwhileConflicts") {
    Client a(store, 0, true), b(store, 0, true);
    uint32_t tx = a.start();
    CHECK(a.read("/late", tx) == enoent());
    REQUIRE(ok(a.write("/other", "1", tx)));
    REQUIRE(ok(b.write("/late", "1")));
    CHECK(a.end(tx, true).is_error("EAGAIN"));
}

TEST_CASE_METHOD(Fixture, "Tx.RemoveInsideTransactionThenRecreate") {
    Client a(store, 0, true);
    REQUIRE(ok(a.write("/d/x/y", "1")));
    REQUIRE(ok(a.write("/d/x/z", "2")));
    uint32_t tx = a.start();
    REQUIRE(ok(a.op(MsgType::Rm, {"/d/x"}, tx)));
    CHECK(a.read("/d/x/y", tx) == enoent());
    CHECK(a.read("/d/x/y") == "1");
    REQUIRE(ok(a.write("/d/x/new", "3", tx)));
    CHECK(a.op(MsgType::Directory, {"/d/x"}, tx).body == args({"new"}));
    REQUIRE(ok(a.end(tx, true)));
    CHECK(a.op(MsgType::Directory, {"/d/x"}).body == args({"new"}));
    CHECK(a.read("/d/x/z") == enoent());
    CHECK(store.check());
}

TEST_CASE_METHOD(Fixture, "Tx.StartInsideTransactionIsEbusyAndUnknownIdIsEnoent") {
    Client a(store, 0, true);
    uint32_t tx = a.start();
    CHECK(a.request(MsgType::TransactionStart, std::string(1, '\0'), tx).is_error("EBUSY"));
    CHECK(a.op(MsgType::Read, {"/"}, tx + 100).is_error("ENOENT"));
    CHECK(a.op(MsgType::TransactionEnd, {"X"}, tx).is_error("EINVAL"));
    // Another connection cannot use this connection's transaction.
    Client b(store, 0, true);
    CHECK(b.op(MsgType::Read, {"/"}, tx).is_error("ENOENT"));
}

TEST_CASE_METHOD(Fixture, "Tx.WatchIgnoresTransactionId") {
    Client a(store, 0, true);
    uint32_t tx = a.start();
    REQUIRE(ok(a.op(MsgType::Watch, {"/wt", "t"}, tx)));
    REQUIRE(ok(a.end(tx, false)));
    a.take_events();
    REQUIRE(ok(a.write("/wt", "1")));
    CHECK(a.take_events() == V{"/wt|t"});
}

TEST_CASE_METHOD(Fixture, "Tx.ChildCreatedUnderNodeRemovedInTransactionConflictsAndSurvivesRestore") {
    Client a(store, 0, true), b(store, 0, true);
    REQUIRE(ok(a.write("/gone/keep", "1")));
    uint32_t tx = a.start();
    REQUIRE(ok(a.op(MsgType::Rm, {"/gone"}, tx)));
    REQUIRE(ok(b.write("/gone/late", "2")));
    bh::ds::Bytes image;
    REQUIRE(store.save(&image));
    Store restored;
    REQUIRE(restored.load({image.bytes(), image.size()}) == bh::xs::XsErr::Ok);
    CHECK(a.end(tx, true).is_error("EAGAIN"));
    CHECK(b.read("/gone/late") == "2");
    CHECK(store.check());
}
