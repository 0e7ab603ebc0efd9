// The host's end of the network benchmarks: a UDP sink on 127.0.0.1 (a free port), which the
// guests reach as 10.0.2.2:PORT through QEMU's user network. It speaks libs/netif's
// udp_stream protocol: it counts every datagram; "done" is answered with "COUNT BYTES
// MICROSECONDS" (first to last arrival) and starts a new round.
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace bh::cli {

class HostSink {
public:
    HostSink();  // binds and starts serving; port() is 0 (and error() says why) if it could not
    ~HostSink();
    HostSink(const HostSink&) = delete;
    HostSink& operator=(const HostSink&) = delete;
    int port() const { return port_; }
    const std::string& error() const { return error_; }
    uint64_t rounds() const { return rounds_; }

private:
    void serve();
    int fd_ = -1, port_ = 0;
    std::string error_;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> rounds_{0};
    std::thread thread_;
};

}  // namespace bh::cli
