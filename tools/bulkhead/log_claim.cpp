// Log claims: a non-blocking flock per candidate name; truncation only after the lock is held.
#include "log_claim.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <system_error>

#include <fmt/format.h>

namespace bh::cli {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxCandidates = 64;

fs::path candidate(const fs::path& preferred, int i) {
    if (i == 1) return preferred;
    fs::path p = preferred;
    p.replace_filename(fmt::format("{}.{}{}", preferred.stem().string(), i, preferred.extension().string()));
    return p;
}

}  // namespace

LogClaim::~LogClaim() {
    if (fd_ >= 0) close(fd_);  // releases the flock
}

LogClaim& LogClaim::operator=(LogClaim&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) close(fd_);
        path = std::move(o.path);
        fd_ = o.fd_;
        o.fd_ = -1;
    }
    return *this;
}

LogClaim claim_log(const fs::path& preferred, std::string& err) {
    LogClaim claim;
    std::error_code ec;
    fs::create_directories(preferred.parent_path(), ec);
    if (ec) {
        err = fmt::format("cannot create {}: {}", preferred.parent_path().string(), ec.message());
        return claim;
    }
    for (int i = 1; i <= kMaxCandidates; ++i) {
        fs::path p = candidate(preferred, i);
        int fd = open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            err = fmt::format("cannot create {}: {}", p.string(), std::strerror(errno));
            return claim;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            close(fd);
            continue;  // another run is using this log
        }
        if (ftruncate(fd, 0) != 0) {
            err = fmt::format("cannot empty {}: {}", p.string(), std::strerror(errno));
            close(fd);
            return claim;
        }
        claim.path = p;
        claim.fd_ = fd;
        return claim;
    }
    err = fmt::format("{} and {} other logs of this scenario are all in use", preferred.string(),
                      kMaxCandidates - 1);
    return claim;
}

}  // namespace bh::cli
