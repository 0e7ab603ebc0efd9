// netdrv: a driver domain given a virtio NIC (the manifest's pci = "00:02.0"), on QEMU's user
// networking (slirp: we are 10.0.2.15, the gateway 10.0.2.2). Through the IOMMU and MSI-X it
// asks who has 10.0.2.2 (ARP), then pings it (ICMP echo) and checks the reply carries our data.
#include <bh/rt.hpp>
#include <virtio_net.hpp>

using namespace bh::rt;

namespace {

constexpr uint64_t kConfigVa = 0x60000000, kBarVa = 0x61000000, kDmaVa = 0x62000000;
constexpr uint8_t kOurIp[4] = {10, 0, 2, 15}, kGatewayIp[4] = {10, 0, 2, 2};

bh::virtio::VirtioNet g_nic;
uint8_t g_frame[1514];

void put16(uint8_t* p, uint16_t v) { p[0] = static_cast<uint8_t>(v >> 8), p[1] = static_cast<uint8_t>(v); }
uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
void copy(uint8_t* d, const uint8_t* s, uint32_t n) { __builtin_memcpy(d, s, n); }
bool same(const uint8_t* a, const uint8_t* b, uint32_t n) { return __builtin_memcmp(a, b, n) == 0; }

// RFC 1071: the ones' complement of the ones'-complement sum of 16-bit words.
uint16_t checksum(const uint8_t* p, uint32_t n) {
    uint32_t sum = 0;
    for (uint32_t i = 0; i + 1 < n; i += 2) sum += get16(p + i);
    if (n & 1) sum += static_cast<uint32_t>(p[n - 1]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

// Waits (on the MSI-X event channel) for a frame `match` accepts; its length, or 0 after ~2 s.
template <class F>
uint32_t wait_frame(F match) {
    uint64_t t0 = call(BH_CALL_TIME).r1;
    while (call(BH_CALL_TIME).r1 - t0 < 2000 / BH_TICK_MS) {
        while (uint32_t n = g_nic.receive(g_frame, sizeof g_frame))
            if (match(n)) return n;
        call(BH_CALL_YIELD);
    }
    return 0;
}

}  // namespace

int bh_main(uint64_t, uint64_t) {
    if (!g_nic.open(bh::virtio::NetLayout{kConfigVa, kBarVa, kDmaVa, BH_SLOT_FIRST_FREE, BH_SLOT_FIRST_FREE + 1})) {
        print("netdrv: FAIL no NIC");
        return 1;
    }
    const uint8_t* mac = g_nic.mac();
    print("netdrv: virtio NIC %02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);

    // ARP request (RFC 826): who has 10.0.2.2? tell 10.0.2.15.
    uint8_t f[64] = {};
    for (int i = 0; i < 6; ++i) f[i] = 0xff;
    copy(f + 6, mac, 6);
    put16(f + 12, 0x0806);
    put16(f + 14, 1), put16(f + 16, 0x0800), f[18] = 6, f[19] = 4, put16(f + 20, 1);
    copy(f + 22, mac, 6), copy(f + 28, kOurIp, 4), copy(f + 38, kGatewayIp, 4);
    if (!g_nic.send(f, 60)) return 1;
    uint32_t n = wait_frame([](uint32_t len) {
        return len >= 42 && get16(g_frame + 12) == 0x0806 && get16(g_frame + 20) == 2 && same(g_frame + 28, kGatewayIp, 4);
    });
    if (!n) {
        print("netdrv: FAIL no ARP reply from 10.0.2.2 (%lu sent, %lu received, broken %d)", g_nic.sent(), g_nic.received(), g_nic.broken());
        return 1;
    }
    uint8_t gw[6];
    copy(gw, g_frame + 22, 6);
    print("netdrv: ARP: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x", gw[0], gw[1], gw[2], gw[3], gw[4], gw[5]);

    // ICMP echo request (RFC 792) with 32 bytes of data, in an IPv4 packet (RFC 791).
    uint8_t p[14 + 20 + 8 + 32] = {};
    copy(p, gw, 6), copy(p + 6, mac, 6), put16(p + 12, 0x0800);
    uint8_t* ip = p + 14;
    ip[0] = 0x45, put16(ip + 2, 20 + 8 + 32), put16(ip + 4, 0x1234), ip[8] = 64, ip[9] = 1;
    copy(ip + 12, kOurIp, 4), copy(ip + 16, kGatewayIp, 4);
    put16(ip + 10, checksum(ip, 20));
    uint8_t* icmp = ip + 20;
    icmp[0] = 8, put16(icmp + 4, 0xb1c0), put16(icmp + 6, 1);
    for (int i = 0; i < 32; ++i) icmp[8 + i] = static_cast<uint8_t>('a' + i % 26);
    put16(icmp + 2, checksum(icmp, 40));
    if (!g_nic.send(p, sizeof p)) return 1;
    n = wait_frame([&](uint32_t len) {
        const uint8_t* rip = g_frame + 14;
        return len >= sizeof p && get16(g_frame + 12) == 0x0800 && rip[9] == 1 && rip[20] == 0 &&
               get16(rip + 24) == 0xb1c0 && same(rip + 28, icmp + 8, 32) && checksum(rip + 20, 40) == 0;
    });
    print("netdrv: ping 10.0.2.2: %s (%lu frames sent, %lu received)", n ? "echo reply with our data" : "NO REPLY",
          g_nic.sent(), g_nic.received());
    if (!n) return 1;
    report_ready();
    return 0;
}
