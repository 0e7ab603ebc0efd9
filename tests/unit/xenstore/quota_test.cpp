// Quotas: a hostile domain hits its limits and gets errors; everyone else carries on.
#include <catch2/catch.hpp>

#include "client.hpp"

using namespace xstest;
using bh::xs::MsgType;

namespace {

struct QuotaFixture {
    Store store;
    Client dom0{store, 0, true};
    QuotaFixture() {
        REQUIRE(store.init());
        for (int d : {5, 6}) {
            std::string home = "/local/domain/" + std::to_string(d);
            REQUIRE(ok(dom0.op(MsgType::Mkdir, {home})));
            REQUIRE(ok(dom0.op(MsgType::SetPerms, {home, "n" + std::to_string(d)})));
        }
    }
};

}  // namespace

TEST_CASE_METHOD(QuotaFixture, "Quota.NodeCountIsEnforcedPerDomain") {
    store.limits().nodes = 20;
    Client evil(store, 5), good(store, 6);
    int created = 0;
    for (int i = 0; i < 40; i++) {
        Msg m = evil.write("n" + std::to_string(i), "x");
        if (ok(m))
            created++;
        else
            CHECK(m.is_error("ENOSPC"));
    }
    CHECK(created == 19);  // its home directory (owned by it) is the 20th
    CHECK(store.quota().count(5) == 20);
    // A deep path that would need more nodes than are left fails whole, creating nothing.
    CHECK(evil.write("a/b/c/d", "x").is_error("ENOSPC"));
    CHECK(ok(good.write("fine", "1")));
    CHECK(good.read("fine") == "1");
    // Removing frees quota again.
    REQUIRE(ok(evil.op(MsgType::Rm, {"n0"})));
    CHECK(ok(evil.write("again", "1")));
    CHECK(store.check());
}

TEST_CASE_METHOD(QuotaFixture, "Quota.ValueSizeIsE2big") {
    Client evil(store, 5);
    CHECK(evil.write("big", std::string(2049, 'x')).is_error("E2BIG"));
    CHECK(ok(evil.write("ok", std::string(2048, 'x'))));
    CHECK(ok(dom0.write("/dom0big", std::string(4000, 'x'))));  // dom0 is not limited
}

TEST_CASE_METHOD(QuotaFixture, "Quota.WatchesAndTransactionsAreLimited") {
    Client evil(store, 5), good(store, 6);
    int watches = 0;
    for (int i = 0; i < 200; i++) {
        Msg m = evil.op(MsgType::Watch, {"w" + std::to_string(i), "t"});
        if (ok(m)) watches++; else CHECK(m.is_error("ENOSPC"));
    }
    CHECK(watches == 128);
    int txs = 0;
    for (int i = 0; i < 30; i++) txs += evil.start() != 0;
    CHECK(txs == 10);
    CHECK(evil.request(MsgType::TransactionStart, std::string(1, '\0')).is_error("ENOSPC"));
    CHECK(good.start() != 0);
    CHECK(ok(good.op(MsgType::Watch, {"x", "t"})));
}

TEST_CASE_METHOD(QuotaFixture, "Quota.TooManyPermsIsEnospc") {
    Client evil(store, 5);
    REQUIRE(ok(evil.write("p", "1")));
    CHECK(evil.op(MsgType::SetPerms, {"p", "n5", "r1", "r2", "r3", "r4", "r6"}).is_error("ENOSPC"));
    CHECK(ok(evil.op(MsgType::SetPerms, {"p", "n5", "r1", "r2", "r3", "r4"})));
}

TEST_CASE_METHOD(QuotaFixture, "Quota.TransactionCreationsCountAgainstTheQuota") {
    store.limits().nodes = 10;
    Client evil(store, 5);
    uint32_t tx = evil.start();
    int created = 0;
    for (int i = 0; i < 20; i++) created += ok(evil.write("t" + std::to_string(i), "x", tx));
    CHECK(created == 9);
    REQUIRE(ok(evil.end(tx, true)));
    CHECK(store.quota().count(5) == 10);
    CHECK(store.check());
}

TEST_CASE_METHOD(QuotaFixture, "Quota.FloodedWatchEventsAreDroppedNotHoarded") {
    store.limits().event_backlog = 4096;
    Client lazy(store, 6);  // never reads its ring
    REQUIRE(ok(lazy.op(MsgType::Watch, {"/local/domain/6", "t"})));
    for (int i = 0; i < 1000; i++) REQUIRE(ok(dom0.write("/local/domain/6/k", std::to_string(i))));
    CHECK(lazy.conn->pending_size() < 4096 + 200);
    CHECK(lazy.conn->dropped_events() > 0);
}

TEST_CASE_METHOD(QuotaFixture, "Quota.ClientThatDoesNotReadRepliesIsNotServed") {
    store.limits().out_backlog = 1024;
    Connection* c = store.connect(6, false);
    std::string req = frame(MsgType::Read, args({"/local/domain/6"}));
    std::string many;
    for (int i = 0; i < 500; i++) many += req;
    size_t took = store.receive(*c, reinterpret_cast<const uint8_t*>(many.data()), many.size());
    CHECK(took < many.size());
    CHECK(c->pending_size() <= 1024 + 64);
    CHECK_FALSE(c->broken());
}

namespace {
struct LowMemory final : bh::xs::StoreHooks {
    bool low = false;
    bool memory_low() override { return low; }
};
}  // namespace

TEST_CASE_METHOD(Fixture, "Quota.LowMemoryRefusesGrowthToUnprivilegedOnly") {
    LowMemory hooks;
    store.set_hooks(&hooks);
    Client tool(store, 0, true);
    REQUIRE(ok(tool.op(MsgType::Mkdir, {"/local/domain/4"})));
    REQUIRE(ok(tool.op(MsgType::SetPerms, {"/local/domain/4", "n4"})));
    Client guest(store, 4);
    REQUIRE(ok(guest.write("a", "1")));
    uint32_t tx = guest.start();
    REQUIRE(tx != 0);
    hooks.low = true;
    CHECK(guest.write("b", "2").is_error("ENOMEM"));
    CHECK(guest.op(MsgType::Mkdir, {"c"}).is_error("ENOMEM"));
    CHECK(guest.op(MsgType::Watch, {"a", "t"}).is_error("ENOMEM"));
    CHECK(guest.op(MsgType::TransactionStart, {""}).is_error("ENOMEM"));
    CHECK(guest.write("a", "3", tx).is_error("ENOMEM"));  // a transaction's copies are memory too
    // What frees or only reads still works, and so does the privileged toolstack.
    CHECK(guest.read("a") == "1");
    CHECK(guest.read("a", tx) == std::string("!ENOMEM") + '\0');  // reads in one are recorded
    CHECK(ok(guest.end(tx, false)));
    CHECK(ok(guest.op(MsgType::Rm, {"a"})));
    CHECK(ok(tool.write("/local/domain/4/b", "x")));
    hooks.low = false;
    CHECK(ok(guest.write("b", "2")));
    store.set_hooks(nullptr);
}

TEST_CASE_METHOD(QuotaFixture, "Quota.MemoryIsCountedPerDomainAndRefusedAtItsLimit") {
    store.limits().memory = 64 * 1024;
    Client hostile(store, 5), good(store, 6);
    CHECK(dom0.op(MsgType::GetQuota, {"memory"}).body == std::string("65536") + '\0');
    // Big values fill the hostile domain's share well before its node quota.
    int written = 0;
    for (; written < 100; ++written) {
        Msg m = hostile.write("n" + std::to_string(written), std::string(2000, 'x'));
        if (m.is_error("ENOMEM")) break;
        REQUIRE(ok(m));
    }
    CHECK(written > 20);
    CHECK(written < 40);
    uint64_t held = store.memory_of(5);
    CHECK(held >= 64 * 1024);
    CHECK(held < 64 * 1024 + 4096);  // one request's overshoot at most
    // Watches, transactions and their copies count too; reads and removals still work.
    CHECK(hostile.op(MsgType::Watch, {"n1", "t"}).is_error("ENOMEM"));
    CHECK(hostile.op(MsgType::TransactionStart, {""}).is_error("ENOMEM"));
    CHECK(hostile.read("n1") == std::string(2000, 'x'));
    // Another domain is not affected.
    CHECK(ok(good.write("mine", std::string(2000, 'y'))));
    CHECK(store.memory_of(6) < 8 * 1024);
    // Freeing makes room again.
    for (int i = 0; i < 10; ++i) REQUIRE(ok(hostile.op(MsgType::Rm, {"n" + std::to_string(i)})));
    CHECK(store.memory_of(5) < held - 10 * 2000);
    CHECK(ok(hostile.write("again", "1")));
    uint32_t tx = hostile.start();
    REQUIRE(tx != 0);
    uint64_t before = store.memory_of(5);
    REQUIRE(ok(hostile.write("n20", std::string(1500, 'z'), tx)));  // a copy, held by the tx
    CHECK(store.memory_of(5) > before + 1500);
    REQUIRE(ok(hostile.end(tx, true)));
    CHECK(store.check());
}
