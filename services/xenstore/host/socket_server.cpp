// SocketServer: serves a Store on a Unix stream socket; every client is a privileged dom0.
#include "socket_server.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace bh::xs::host {

SocketServer::~SocketServer() {
    close_clients();
    if (listen_fd_ >= 0) {
        ::close(listen_fd_);
        ::unlink(path_.c_str());
    }
}

bool SocketServer::listen() {
    sockaddr_un addr{};
    if (path_.size() >= sizeof(addr.sun_path)) {
        errno = ENAMETOOLONG;
        return false;
    }
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd_ < 0) return false;
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    ::unlink(path_.c_str());
    return ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
           ::listen(listen_fd_, 64) == 0;
}

void SocketServer::accept_client() {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    // xenstored treats its socket's clients as the control domain.
    Connection* conn = store_.connect(0, true);
    if (conn == nullptr) {
        ::close(fd);
        return;
    }
    clients_.push_back(Client{fd, conn, {}});
}

bool SocketServer::service_input(Client& c) {
    if (c.unread.empty()) {
        char buf[8192];
        ssize_t n = ::read(c.fd, buf, sizeof(buf));
        if (n == 0) return false;
        if (n < 0) return errno == EAGAIN || errno == EINTR;
        c.unread.assign(buf, static_cast<size_t>(n));
    }
    size_t took = store_.receive(*c.conn, reinterpret_cast<const uint8_t*>(c.unread.data()),
                                 c.unread.size());
    c.unread.erase(0, took);
    return !c.conn->broken();
}

bool SocketServer::service_output(Client& c) {
    while (c.conn->pending_size() > 0) {
        auto p = c.conn->pending();
        ssize_t n = ::send(c.fd, p.data(), p.size(), MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EINTR;
        c.conn->consume(static_cast<size_t>(n));
    }
    return true;
}

void SocketServer::close_client(size_t i) {
    ::close(clients_[i].fd);
    store_.disconnect(clients_[i].conn);
    clients_.erase(clients_.begin() + static_cast<long>(i));
}

void SocketServer::close_clients() {
    while (!clients_.empty()) close_client(clients_.size() - 1);
}

void SocketServer::run(const std::atomic<bool>& stop) {
    std::vector<pollfd> fds;
    while (!stop.load()) {
        fds.clear();
        fds.push_back({listen_fd_, POLLIN, 0});
        for (const Client& c : clients_) {
            short ev = 0;
            // Stop reading a client whose replies pile up; its leftover input waits.
            if (c.unread.empty()) ev |= POLLIN;
            if (c.conn->pending_size() > 0) ev |= POLLOUT;
            fds.push_back({c.fd, ev, 0});
        }
        // Clients with leftover input are served without waiting.
        bool busy = false;
        for (const Client& c : clients_)
            busy |= !c.unread.empty() && c.conn->pending_size() <= store_.limits().out_backlog;
        int n = ::poll(fds.data(), fds.size(), busy ? 0 : 1000);
        if (n < 0 && errno != EINTR) break;
        if (n <= 0 && !busy) continue;
        if (fds[0].revents & POLLIN) accept_client();
        // Watch events for one client come from another's request, so drain everyone after.
        size_t count = fds.size() - 1;
        std::vector<bool> dead(count, false);
        for (size_t i = 0; i < count && i < clients_.size(); i++) {
            short re = fds[i + 1].revents;
            if ((re & (POLLIN | POLLHUP | POLLERR)) || !clients_[i].unread.empty())
                dead[i] = !service_input(clients_[i]);
        }
        for (size_t i = 0; i < clients_.size(); i++)
            if (i >= count || !dead[i]) {
                if (!service_output(clients_[i]) && i < count) dead[i] = true;
            }
        for (size_t i = count; i > 0; i--)
            if (i - 1 < clients_.size() && dead[i - 1]) close_client(i - 1);
    }
}

}  // namespace bh::xs::host
