// SocketServer: serves a Store on a Unix stream socket; every client is a privileged dom0.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "core/store.hpp"

namespace bh::xs::host {

// One poll() loop: accepts clients, feeds what they send into the store, writes back what the
// store queued (resuming partial writes), and closes a client on EOF, error or a protocol
// violation — only that client. Runs until `stop` turns true (set from a signal handler).
class SocketServer {
public:
    SocketServer(Store& store, std::string path) : store_(store), path_(std::move(path)) {}
    ~SocketServer();

    // Creates and binds the socket (replacing a stale one). False with errno on failure.
    bool listen();
    void run(const std::atomic<bool>& stop);
    // Closes every client connection (before the store is saved: sockets cannot be restored).
    void close_clients();

private:
    struct Client {
        int fd;
        Connection* conn;
        std::string unread;  // bytes read from the socket that the store has not taken yet
    };
    void accept_client();
    // False when the client must be closed.
    bool service_input(Client& c);
    bool service_output(Client& c);
    void close_client(size_t i);

    Store& store_;
    std::string path_;
    int listen_fd_ = -1;
    std::vector<Client> clients_;
};

}  // namespace bh::xs::host
