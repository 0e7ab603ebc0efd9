// A fake in-system control endpoint for the CLI's end-to-end tests: a thread serving the
// control socket with libcapnp, and helpers to build its canned replies.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "control.capnp.h"
#include "test_cli_support.hpp"

namespace bh_cli_test {

namespace ctl = bh::host::control;

using Handler = std::function<void(int fd, ctl::Request::Reader req)>;

// "(id = 7, pause = ...)" without the id, which the CLI picks at random.
inline std::string without_id(const std::string& text) {
    size_t comma = text.find(", ");
    return text.rfind("(id = ", 0) == 0 && comma != std::string::npos ? "(" + text.substr(comma + 2) : text;
}

// A socket bound at `path` and listening (or, with listen_too false, bound and left unserved).
inline int bind_unix(const fs::path& path, bool listen_too) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.native().size() < sizeof addr.sun_path);
    std::memcpy(addr.sun_path, path.c_str(), path.native().size());
    fs::create_directories(path.parent_path());
    REQUIRE(bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) == 0);
    if (listen_too) REQUIRE(listen(fd, 4) == 0);
    return fd;
}

// The in-system endpoint's stand-in: one thread accepting connections on `socket`; for each it
// reads one framed Request with libcapnp, records it, lets `handler` answer, and closes.
class FakeControl {
public:
    FakeControl(fs::path socket, Handler handler) : path_(std::move(socket)), handler_(std::move(handler)) {
        signal(SIGPIPE, SIG_IGN);  // a CLI that gave up must not kill the test with its hang-up
        listen_fd_ = bind_unix(path_, true);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeControl() {
        stop_ = true;
        thread_.join();
        close(listen_fd_);
        fs::remove(path_);
    }

    // Each request in capnp's text form, with its id left out ("(pause = \"netback\")").
    std::vector<std::string> seen() {
        std::lock_guard<std::mutex> lock(mutex_);
        return seen_;
    }

private:
    void serve() {
        while (!stop_) {
            struct pollfd p = {listen_fd_, POLLIN, 0};
            if (poll(&p, 1, 20) <= 0) continue;
            int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            try {
                capnp::StreamFdMessageReader reader(fd);
                ctl::Request::Reader req = reader.getRoot<ctl::Request>();
                std::string text = req.toString().flatten().cStr();
                {
                    std::lock_guard<std::mutex> lock(mutex_);
                    seen_.push_back(without_id(text));
                }
                handler_(fd, req);
            } catch (const kj::Exception& e) {
                std::lock_guard<std::mutex> lock(mutex_);
                seen_.push_back(std::string("unreadable: ") + e.getDescription().cStr());
            }
            close(fd);
        }
    }

    fs::path path_;
    Handler handler_;
    int listen_fd_ = -1;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::vector<std::string> seen_;
    std::thread thread_;
};

inline void send_all(int fd, const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = send(fd, p, size, MSG_NOSIGNAL);
        if (n <= 0) return;
        p += n;
        size -= static_cast<size_t>(n);
    }
}

// A handler answering every request with the reply `fill` builds, under the request's id.
inline Handler answer(std::function<void(ctl::Reply::Builder, ctl::Request::Reader)> fill) {
    return [fill](int fd, ctl::Request::Reader req) {
        capnp::MallocMessageBuilder mb;
        ctl::Reply::Builder r = mb.initRoot<ctl::Reply>();
        r.setId(req.getId());
        fill(r, req);
        capnp::writeMessageToFd(fd, mb);
    };
}

inline Handler answer_ok() {
    return answer([](ctl::Reply::Builder r, ctl::Request::Reader) { r.setOk(); });
}

// A handler writing these bytes whatever was asked.
inline Handler answer_bytes(std::string bytes) {
    return [bytes](int fd, ctl::Request::Reader) { send_all(fd, bytes.data(), bytes.size()); };
}

inline void set_log(ctl::Reply::Builder r, const std::string& text, uint32_t next) {
    auto log = r.initLog();
    log.setText(kj::arrayPtr(reinterpret_cast<const kj::byte*>(text.data()), text.size()));
    log.setNext(next);
}

inline fs::path default_socket(const FakeBuild& b) { return b.dir / "run/default.ctl"; }

}  // namespace bh_cli_test
