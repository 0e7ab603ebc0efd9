// Control-socket transport with one deadline for the whole exchange: a system that hangs, or a
// peer that sends half a message, ends in a clear error instead of a stuck CLI.
#include "control_client.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include <fmt/format.h>

namespace bh::cli {
namespace {

using Clock = std::chrono::steady_clock;

// libcapnp refuses more segments than this too.
constexpr uint64_t kMaxSegments = 512;

uint32_t le32(std::span<const uint8_t> b, size_t at) {
    return static_cast<uint32_t>(b[at]) | static_cast<uint32_t>(b[at + 1]) << 8 |
           static_cast<uint32_t>(b[at + 2]) << 16 | static_cast<uint32_t>(b[at + 3]) << 24;
}

// Closes the descriptor on every path out of control_call.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) close(fd);
    }
};

int ms_left(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Waits until `fd` is ready for `events`; false when the deadline passed first.
bool wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        int left = ms_left(deadline);
        if (left == 0) return false;
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, left);
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return true;  // let the following read/write report it
    }
}

// A Unix socket connected to `path`; the error fills `call` when it returns -1.
int connect_socket(const std::filesystem::path& path, Clock::time_point deadline, ControlCall& call) {
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    if (path.native().size() >= sizeof addr.sun_path) {
        call.error = fmt::format("control socket path {} is longer than {} bytes", path.string(),
                                 sizeof addr.sun_path - 1);
        return -1;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.native().size());
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        call.error = fmt::format("cannot create a socket: {}", std::strerror(errno));
        return -1;
    }
    for (;;) {
        if (connect(fd, reinterpret_cast<const struct sockaddr*>(&addr), sizeof addr) == 0) return fd;
        int e = errno;
        // A full backlog (another client is being served) answers EAGAIN: try again until the deadline.
        if ((e == EAGAIN || e == EINTR) && ms_left(deadline) > 0) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, nullptr);
            continue;
        }
        close(fd);
        if (e == ENOENT || e == ECONNREFUSED) {
            call.status = ControlCall::Status::NotRunning;
            call.error = path.string();
        } else if (e == EAGAIN) {
            call.error = fmt::format("the system at {} did not accept a connection in time (is another "
                                     "bulkhead command connected?)",
                                     path.string());
        } else {
            call.error = fmt::format("cannot connect to {}: {}", path.string(), std::strerror(e));
        }
        return -1;
    }
}

}  // namespace

FrameLength frame_length(std::span<const uint8_t> prefix, size_t max_bytes) {
    FrameLength f;
    if (prefix.size() < 8) return f;
    uint64_t segments = uint64_t{le32(prefix, 0)} + 1;
    if (segments > kMaxSegments) {
        f.error = fmt::format("its segment table claims {} segments", segments);
        return f;
    }
    size_t table = static_cast<size_t>((4 + 4 * segments + 7) / 8 * 8);
    f.need = table;
    if (prefix.size() < table) return f;
    uint64_t bytes = table;
    for (size_t i = 0; i < segments; ++i) bytes += uint64_t{le32(prefix, 4 + 4 * i)} * 8;
    if (bytes > max_bytes) {
        f.error = fmt::format("its segment table claims {} bytes, more than the {} allowed", bytes, max_bytes);
        return f;
    }
    f.total = static_cast<size_t>(bytes);
    return f;
}

namespace {

// Reads one framed message into call.reply; false with call.error set on failure.
bool read_reply(int fd, Clock::time_point deadline, const std::filesystem::path& socket,
                const std::function<std::string()>& timeout_text, ControlCall& call) {
    std::vector<uint8_t> got;
    FrameLength frame;
    while (!frame.known() || got.size() < frame.total) {
        size_t want = frame.known() ? frame.total : frame.need;
        size_t old = got.size();
        got.resize(want);
        if (!wait_for(fd, POLLIN, deadline)) {
            call.error = timeout_text();
            return false;
        }
        ssize_t n = read(fd, got.data() + old, want - old);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            got.resize(old);
            continue;
        }
        if (n < 0) {
            call.error = fmt::format("cannot read the reply on {}: {}", socket.string(), std::strerror(errno));
            return false;
        }
        if (n == 0) {
            call.error = old == 0 ? "the system closed the control connection without replying"
                                  : fmt::format("the system closed the control connection after {} bytes "
                                                "of a reply",
                                                old);
            return false;
        }
        got.resize(old + static_cast<size_t>(n));
        if (!frame.known()) {
            frame = frame_length(got);
            if (!frame.error.empty()) {
                call.error = "malformed reply from the system: " + frame.error;
                return false;
            }
        }
    }
    call.reply.resize(got.size() / 8);
    std::memcpy(call.reply.data(), got.data(), got.size());
    return true;
}

}  // namespace

ControlCall control_call(const std::filesystem::path& socket, std::span<const uint8_t> request,
                         int timeout_ms, const ReplyFilter& wanted) {
    ControlCall call;
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    auto timeout_text = [&] {
        return fmt::format("no reply from the system within {} s on {} (is another bulkhead command "
                           "connected, or is the system stuck?)",
                           (timeout_ms + 999) / 1000, socket.string());
    };
    Fd fd{connect_socket(socket, deadline, call)};
    if (fd.fd < 0) return call;

    for (size_t sent = 0; sent < request.size();) {
        if (!wait_for(fd.fd, POLLOUT, deadline)) {
            call.error = timeout_text();
            return call;
        }
        // MSG_NOSIGNAL: a peer that hung up is an error to report, not a SIGPIPE.
        ssize_t n = send(fd.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0) {
            call.error = fmt::format("cannot send the request on {}: {}", socket.string(), std::strerror(errno));
            return call;
        }
        sent += static_cast<size_t>(n);
    }

    for (;;) {
        if (!read_reply(fd.fd, deadline, socket, timeout_text, call)) return call;
        if (!wanted || wanted(call.reply)) break;
    }
    call.status = ControlCall::Status::Ok;
    return call;
}



}  // namespace bh::cli
