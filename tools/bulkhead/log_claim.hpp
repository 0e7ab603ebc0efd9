// Exclusive use of a serial-log file, so parallel runs of one scenario never share a log.
#pragma once

#include <filesystem>
#include <string>

namespace bh::cli {

// Holds an flock on the log file it names for as long as it lives. Invariant: while a LogClaim
// owns `path`, no other bulkhead process truncates or writes it.
class LogClaim {
public:
    LogClaim() = default;
    LogClaim(LogClaim&& o) noexcept : path(std::move(o.path)), fd_(o.fd_) { o.fd_ = -1; }
    LogClaim& operator=(LogClaim&& o) noexcept;
    LogClaim(const LogClaim&) = delete;
    ~LogClaim();

    std::filesystem::path path;  // the claimed, now empty, log file
    bool ok() const { return fd_ >= 0; }

private:
    friend LogClaim claim_log(const std::filesystem::path&, std::string&);
    int fd_ = -1;
};

// Claims `preferred` (build/logs/NAME.log), or if another run holds it, NAME.2.log, NAME.3.log...
// Creates the directory, empties the file once claimed. On failure !ok() and `err` says why.
LogClaim claim_log(const std::filesystem::path& preferred, std::string& err);

}  // namespace bh::cli
