// Which domain's event channel each device interrupt line is bound to.
#pragma once

#include <bulkhead/abi.h>

#include "lib/result.hpp"

namespace bh {

// Lines 0-23 are the I/O APIC's pins (level-triggered, masked until acknowledged); lines 24-55
// are message-signalled (MSI/MSI-X: edge, one message per event, nothing to mask or acknowledge).
inline constexpr uint32_t kNrIoapicLines = 24;
inline constexpr uint32_t kNrMsiLines = 32;
inline constexpr uint32_t kNrDeviceIrqs = kNrIoapicLines + kNrMsiLines;
inline bool irq_is_msi(uint32_t irq) { return irq >= kNrIoapicLines && irq < kNrDeviceIrqs; }

// One owner per line: Busy if another live domain holds it.
Result<void> irq_bind(uint32_t irq, bh_domid_t owner);
void irq_unbind(uint32_t irq, bh_domid_t owner);
void irq_unbind_all(bh_domid_t owner);
// The line fired: masked until the owner acknowledges it, then raised as an event.
void irq_fired(uint32_t irq);
Result<void> irq_ack(uint32_t irq, bh_domid_t owner);

}  // namespace bh
