// bench-xenstore: request latency through the whole core path (chunked input → dispatch →
// chunked output drain), alone and with a hostile domain flooding the same store round-robin.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/store.hpp"

using namespace bh::xs;
using Clock = std::chrono::steady_clock;

namespace {

std::string msg(MsgType type, uint32_t tx, const std::string& payload) {
    MsgHeader h{static_cast<uint32_t>(type), 1, tx, static_cast<uint32_t>(payload.size())};
    return std::string(reinterpret_cast<const char*>(&h), sizeof(h)) + payload;
}

// Feeds a request the way a ring delivers it (16-byte pieces) and drains the replies the way
// a ring takes them (64-byte pieces). Returns the bytes drained.
size_t serve(Store& s, Connection& c, const std::string& m) {
    for (size_t off = 0; off < m.size();) {
        size_t n = std::min<size_t>(16, m.size() - off);
        size_t took = s.receive(c, reinterpret_cast<const uint8_t*>(m.data()) + off, n);
        off += took;
        if (took < n) c.consume(c.pending_size());
    }
    size_t drained = 0;
    while (c.pending_size() > 0) {
        size_t n = std::min<size_t>(64, c.pending_size());
        c.consume(n);
        drained += n;
    }
    return drained;
}

void setup_home(Store& s, Connection& dom0, int domid) {
    std::string home = "/local/domain/" + std::to_string(domid);
    serve(s, dom0, msg(MsgType::Mkdir, 0, home + '\0'));
    serve(s, dom0, msg(MsgType::SetPerms, 0, home + '\0' + "n" + std::to_string(domid) + '\0'));
}

// The hostile domain's next request: giant values, deep paths, thousands of watches, endless
// transactions, and node creation up to its quota, in rotation.
std::string flood_request(uint64_t i, std::vector<uint32_t>& txs, Connection& hostile) {
    std::string deep;
    while (deep.size() < 2000) deep += "d/";
    deep += "x";
    switch (i % 6) {
    case 0: return msg(MsgType::Write, 0, "giant" + std::string(1, '\0') + std::string(4000, 'g'));
    case 1: return msg(MsgType::Write, 0, deep + '\0' + "v");
    case 2: return msg(MsgType::Watch, 0, "w/" + std::to_string(i) + '\0' + "t" + '\0');
    case 3: {
        txs.clear();
        for (Transaction* t : hostile.transactions()) txs.push_back(t->id());
        if (txs.size() < 10 || i % 5 == 0) return msg(MsgType::TransactionStart, 0, std::string(1, '\0'));
        return msg(MsgType::Write, txs[i % txs.size()], "tx/" + std::to_string(i) + '\0' + "v");
    }
    case 4: return msg(MsgType::Write, 0, "n/" + std::to_string(i) + '\0' + std::string(2000, 'n'));
    default: return msg(MsgType::Directory, 0, "n" + std::string(1, '\0'));
    }
}

double p99_us(std::vector<double>& ns) {
    std::sort(ns.begin(), ns.end());
    return ns[std::min(ns.size() - 1, ns.size() * 99 / 100)] / 1000.0;
}

// One measured run: `requests` READ/WRITE round trips by a well-behaved domain, optionally each
// preceded (round-robin) by one request of a flooding domain.
double run(size_t requests, bool flooded) {
    Store s;
    if (!s.init()) return -1;
    Connection* dom0 = s.connect(0, true);
    setup_home(s, *dom0, 1);
    setup_home(s, *dom0, 2);
    Connection* good = s.connect(1, false);
    Connection* hostile = s.connect(2, false);
    serve(s, *good, msg(MsgType::Watch, 0, std::string("data") + '\0' + "w" + '\0'));
    std::vector<uint32_t> txs;
    std::vector<double> ns;
    ns.reserve(requests);
    for (size_t i = 0; i < requests; i++) {
        std::string key = "data/k" + std::to_string(i % 64);
        std::string req = i % 2 == 0 ? msg(MsgType::Write, 0, key + '\0' + "value-" + std::to_string(i))
                                     : msg(MsgType::Read, 0, key + '\0');
        std::string flood = flooded ? flood_request(i, txs, *hostile) : std::string();
        auto t0 = Clock::now();
        // The request arrives; the front end serves the hostile domain's turn first.
        if (flooded) serve(s, *hostile, flood);
        serve(s, *good, req);
        auto t1 = Clock::now();
        ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    }
    return p99_us(ns);
}

}  // namespace

int main(int argc, char** argv) {
    bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    size_t n = quick ? 2000 : 20000;
    run(n / 4, false);  // warm caches and the allocator
    double base = run(n, false);
    double flooded = run(n, true);
    std::printf("BH-BENCH name=xenstore_core_p99_us value=%.3f unit=us\n", base);
    std::printf("BH-BENCH name=xenstore_core_p99_us_flooded value=%.3f unit=us\n", flooded);
    std::printf("BH-BENCH name=xenstore_core_flood_ratio value=%.2f unit=x\n", flooded / base);
    return base > 0 && flooded > 0 ? 0 : 1;
}
