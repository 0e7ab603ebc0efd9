// HostSink (see host_sink.hpp).
#include "host_sink.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace bh::cli {

HostSink::HostSink() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n) != 0) {
        error_ = std::string("cannot open a UDP socket on 127.0.0.1: ") + std::strerror(errno);
        return;
    }
    int big = 8 << 20;  // bursts of thousands of datagrams must not overflow the socket
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
}

HostSink::~HostSink() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
}

void HostSink::serve() {
    using Clock = std::chrono::steady_clock;
    uint64_t count = 0, bytes = 0;
    Clock::time_point first, last;
    char buf[2048];
    while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        sockaddr_in from{};
        socklen_t n = sizeof from;
        ssize_t len = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &n);
        if (len < 0) continue;
        if (len == 4 && std::memcmp(buf, "done", 4) == 0) {
            auto us = count > 1 ? std::chrono::duration_cast<std::chrono::microseconds>(last - first).count() : 0;
            std::string reply = std::to_string(count) + " " + std::to_string(bytes) + " " + std::to_string(us);
            count = bytes = 0;
            ++rounds_;  // before the answer: whoever has the answer sees the round counted
            sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), n);
            continue;
        }
        if (count++ == 0) first = Clock::now();
        last = Clock::now();
        bytes += static_cast<uint64_t>(len);
    }
}

}  // namespace bh::cli
