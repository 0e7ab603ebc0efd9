// Driver and device on two threads: requests carry a checksummed payload in a buffer pool; the
// device checks it, writes a checksummed reply into the chain's writable buffer; the driver
// checks every reply. Both sides poll, then re-arm and re-check before spinning again, so a
// lost notification would show as a hang (the test's timeout) rather than pass.
#include <atomic>
#include <cstring>
#include <thread>

#include <catch2/catch.hpp>

#include "queue_pair.hpp"

using namespace bh::virtio;

namespace {

constexpr uint32_t kBuf = 64;

uint64_t sum(const uint8_t* p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

}  // namespace

TEST_CASE("Stress.TwoThreadsChecksummedRequestsAndReplies") {
    const uint32_t n = GENERATE(8u, 256u);
    const bool event_idx = GENERATE(true, false);
    constexpr uint64_t kRequests = 200000;
    QueuePair q(n, event_idx);
    // Each request uses two pool buffers: [2i] readable (payload), [2i+1] writable (reply);
    // cookies index the pool by the request's first descriptor-free slot.
    std::vector<uint8_t> pool(size_t{2} * n * kBuf);
    std::atomic<uint64_t> device_bad{0};
    std::atomic<bool> stop{false};
    std::thread device([&] {
        Chain c;
        uint64_t served = 0;
        while (served < kRequests && !stop) {
            QueueError e = q.device.pop(c);
            if (e == QueueError::Empty) {
                if (q.device.publish()) {}
                if (!q.device.enable_and_check()) std::this_thread::yield();
                continue;
            }
            if (e != QueueError::None || c.n != 2) {
                ++device_bad;
                break;
            }
            auto* in = reinterpret_cast<uint8_t*>(c.desc[0].addr);
            auto* out = reinterpret_cast<uint8_t*>(c.desc[1].addr);
            uint64_t got;
            std::memcpy(&got, in + kBuf - 8, 8);
            if (got != sum(in, kBuf - 8)) ++device_bad;
            for (uint32_t i = 0; i < kBuf - 8; ++i) out[i] = static_cast<uint8_t>(in[i] ^ 0x5a);
            uint64_t s = sum(out, kBuf - 8);
            std::memcpy(out + kBuf - 8, &s, 8);
            q.device.push(c.head, kBuf);
            ++served;
        }
        (void)q.device.publish();
    });
    uint64_t sent = 0, got = 0, bad = 0;
    std::vector<uint64_t> seq(n);  // what each pool pair carries
    std::vector<uint32_t> free_pairs;
    for (uint32_t i = 0; i < n / 2; ++i) free_pairs.push_back(i);
    while (got < kRequests && device_bad == 0) {
        bool progress = false;
        while (sent < kRequests && !free_pairs.empty() && q.driver.free_descriptors() >= 2) {
            uint32_t p = free_pairs.back();
            free_pairs.pop_back();
            uint8_t* in = &pool[size_t{2} * p * kBuf];
            for (uint32_t i = 0; i < kBuf - 8; ++i) in[i] = static_cast<uint8_t>(sent * 31 + i);
            uint64_t s = sum(in, kBuf - 8);
            std::memcpy(in + kBuf - 8, &s, 8);
            seq[p] = sent++;
            Segment segs[2] = {{reinterpret_cast<uint64_t>(in), kBuf, false},
                               {reinterpret_cast<uint64_t>(in + kBuf), kBuf, true}};
            REQUIRE(q.driver.add(segs, 2, p) == QueueError::None);
            progress = true;
        }
        (void)q.driver.kick();
        Completion done;
        while (q.driver.take(done) == QueueError::None) {
            auto p = static_cast<uint32_t>(done.cookie);
            const uint8_t* out = &pool[size_t{2} * p * kBuf + kBuf];
            uint64_t s;
            std::memcpy(&s, out + kBuf - 8, 8);
            bool ok = done.len == kBuf && s == sum(out, kBuf - 8) &&
                      out[0] == static_cast<uint8_t>((seq[p] * 31) ^ 0x5a);
            bad += !ok;
            free_pairs.push_back(p);
            ++got;
            progress = true;
        }
        if (!progress && !q.driver.enable_and_check()) std::this_thread::yield();
    }
    stop = true;
    device.join();
    CHECK(got == kRequests);
    CHECK(bad == 0);
    CHECK(device_bad == 0);
    CHECK(q.driver.error() == QueueError::None);
}
