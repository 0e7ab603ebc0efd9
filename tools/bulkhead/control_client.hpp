// The host end of the control channel's transport: one framed message out, one framed message back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace bh::cli {

// Replies larger than this are refused before anything is allocated for them: a garbled
// segment table must not make the CLI try to read gigabytes.
inline constexpr size_t kMaxReplyBytes = 16u << 20;

// What the first bytes of a Cap'n Proto stream-framed message say about its length.
// The frame is: u32 (segment count - 1), one u32 size in words per segment, padding to 8 bytes,
// then the segments.
struct FrameLength {
    size_t need = 8;     // bytes to have before the length is known (grows with the segment count)
    size_t total = 0;    // the whole framed message in bytes, once `prefix` held `need` bytes
    std::string error;   // a segment table no message of at most `max_bytes` has
    bool known() const { return total != 0; }
};

// Reads the segment table at the start of `prefix` (which may be shorter than the table).
FrameLength frame_length(std::span<const uint8_t> prefix, size_t max_bytes = kMaxReplyBytes);

// How one exchange ended. Invariant: `reply` holds exactly one framed message iff Ok.
struct ControlCall {
    enum class Status { Ok, NotRunning, Failed };
    Status status = Status::Failed;
    std::string error;               // why, unless Ok
    std::vector<uint64_t> reply;     // the framed reply, 8-byte aligned for the capnp reader
};

// Says whether a framed reply is the one waited for. The control line is a serial port, so a
// reply meant for an earlier request (one whose CLI gave up) can still be in flight: `wanted`
// returning false skips it and the next framed message is read.
using ReplyFilter = std::function<bool(std::span<const uint64_t> framed)>;

// Connects to the Unix socket `socket`, writes `request` (a framed message), reads framed
// messages until one passes `wanted` (or the first one, without a filter), closes. Connecting,
// writing and reading together take at most `timeout_ms`. No socket file, or nobody listening on
// it, is NotRunning; everything else that fails is Failed.
ControlCall control_call(const std::filesystem::path& socket, std::span<const uint8_t> request,
                         int timeout_ms, const ReplyFilter& wanted = {});

}  // namespace bh::cli
