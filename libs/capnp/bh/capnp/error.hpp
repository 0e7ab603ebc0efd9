// Wire-format errors of the in-system Cap'n Proto runtime: one enum, one sentence each.
#pragma once

#include <stdint.h>

namespace bh::wire {

// Every way a message can be refused. Values are stable: tests and logs name them.
enum class Error : uint8_t {
    None = 0,
    Truncated,         // framing: bytes end inside the segment table or a segment
    TrailingBytes,     // framing: bytes follow the last segment
    SegmentCount,      // framing: zero segments, or more than kMaxSegments
    NoRoot,            // first segment has no room for the root pointer
    OutOfBounds,       // a pointer's target lies (partly) outside its segment
    FarSegment,        // a far pointer names a segment the message does not have
    FarPad,            // a far landing pad is itself a single far pointer, or a double-far pad is not
    NotStruct,         // the schema expects a struct, the pointer is a list/capability
    NotList,           // the schema expects a list/text/data, the pointer is a struct/capability
    ElementSize,       // the list's element size cannot be read as the schema's element type
    CompositeTag,      // inline-composite tag is not a struct tag, or elements overrun the list
    NotBytes,          // Text/Data must be a list of bytes
    TextUnterminated,  // Text without its NUL terminator
    TraversalLimit,    // more words visited than the budget allows (overlapping pointers)
    DepthLimit,        // structs/lists nested deeper than the limit (or a pointer cycle)
    BufferTooSmall,    // builder: the caller's buffer is full
    TooLarge,          // builder: a list or blob longer than the wire format can encode
};

// One sentence naming what was wrong, for logs and error replies.
constexpr const char* describe(Error e) {
    switch (e) {
    case Error::None: return "no error";
    case Error::Truncated: return "message is truncated (ends inside its segment table or a segment)";
    case Error::TrailingBytes: return "bytes follow the message's last segment";
    case Error::SegmentCount: return "segment count is zero or above the limit";
    case Error::NoRoot: return "message has no root pointer";
    case Error::OutOfBounds: return "pointer target lies outside its segment";
    case Error::FarSegment: return "far pointer names a segment the message does not have";
    case Error::FarPad: return "far pointer landing pad is malformed";
    case Error::NotStruct: return "expected a struct pointer, found another pointer kind";
    case Error::NotList: return "expected a list pointer, found another pointer kind";
    case Error::ElementSize: return "list element size does not match the schema's element type";
    case Error::CompositeTag: return "inline-composite list tag is malformed or overruns the list";
    case Error::NotBytes: return "text/data pointer is not a list of bytes";
    case Error::TextUnterminated: return "text is not NUL-terminated";
    case Error::TraversalLimit: return "traversal limit exceeded (overlapping or amplified pointers)";
    case Error::DepthLimit: return "message nests too deeply (or contains a pointer cycle)";
    case Error::BufferTooSmall: return "builder buffer is too small for the message";
    case Error::TooLarge: return "list or blob is too long for the wire format";
    }
    return "unknown wire error";
}

// Where a message was refused: the error and the word (of the pointer, or of the segment
// table) that caused it, so a log line can point at the byte offset in a hex dump.
struct Fault {
    Error error = Error::None;
    uint32_t segment = 0;
    uint32_t word = 0;
};

}  // namespace bh::wire
