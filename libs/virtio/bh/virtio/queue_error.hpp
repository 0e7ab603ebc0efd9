// QueueError: what a virtqueue view reports instead of touching memory it must not.
#pragma once

#include <stdint.h>

namespace bh::virtio {

// Every value but None, Empty and Full means the peer broke the protocol: the view latches it
// and the driver should reset the device (the spec's DEVICE_NEEDS_RESET), as Linux does.
enum class QueueError : uint8_t {
    None = 0,
    Empty,      // nothing to take (not an error of the peer)
    Full,       // not enough free descriptors (not an error of the peer)
    UsedIdx,    // used.idx claims more completions than chains in flight, or moved backwards
    UsedId,     // a used element names no chain in flight
    UsedLen,    // a used element claims more bytes written than the chain lets the device write
    AvailIdx,   // avail.idx claims more heads than the queue holds
    Head,       // a head index outside the table
    Chain,      // a next link outside the table, a chain longer than the table, or
                // device-readable after device-writable
};

constexpr bool is_protocol_error(QueueError e) {
    return e != QueueError::None && e != QueueError::Empty && e != QueueError::Full;
}

// The error latch and the peer-index check both queue views share.
class QueueLatch {
public:
    QueueError error() const { return error_; }

protected:
    QueueError fail(QueueError e) {
        error_ = e;
        return e;
    }
    // Accepts the peer's producer index `idx` if it lies at most `room` past our consumer index
    // `cons` (into *seen); else latches `e`. True iff new entries became visible.
    bool accept(uint16_t idx, uint16_t cons, uint16_t room, uint16_t* seen, QueueError e) {
        if (error_ != QueueError::None) return false;
        if (static_cast<uint16_t>(idx - cons) > room) {
            fail(e);
            return false;
        }
        *seen = idx;
        return idx != cons;
    }

    QueueError error_ = QueueError::None;
};

}  // namespace bh::virtio
