// Device interrupts become events: mask the line, raise the owner's bound port, and unmask
// when the driver domain acknowledges (so a level-triggered line cannot storm).
#include "domain/irq_routing.hpp"

#include "domain/platform.hpp"
#include "domain/console.hpp"
#include "domain/domain.hpp"
#include "domain/registry.hpp"
#include "evtchn/evtchn_table.hpp"

namespace bh {
namespace {

constexpr int32_t kNoOwner = -1;
struct Owners {
    int32_t of[kNrDeviceIrqs];
    constexpr Owners() : of() {
        for (int32_t& o : of) o = kNoOwner;
    }
};
Owners g_owners;
int32_t (&g_owner)[kNrDeviceIrqs] = g_owners.of;

// The I/O APIC's pins are masked and unmasked; a message-signalled line has no pin.
void line(uint32_t irq, bool routed, bool masked) {
    if (!irq_is_msi(irq)) platform::irq_line(irq, routed, masked);
}
uint64_t g_fired[kNrDeviceIrqs];

}  // namespace

Result<void> irq_bind(uint32_t irq, bh_domid_t owner) {
    if (irq >= kNrDeviceIrqs) return Error::BadArg;
    if (irq == kConsoleLine) return Error::Busy;  // the kernel's console
    // Already routed to this owner: nothing changes (in particular a line masked until the
    // owner acknowledges stays masked).
    if (g_owner[irq] == owner) return success();
    if (g_owner[irq] != kNoOwner &&
        domain_by_id(static_cast<bh_domid_t>(g_owner[irq])))
        return Error::Busy;
    g_owner[irq] = owner;
    line(irq, true, false);
    return success();
}

void irq_unbind(uint32_t irq, bh_domid_t owner) {
    if (irq >= kNrDeviceIrqs || g_owner[irq] != owner) return;
    line(irq, false, true);
    g_owner[irq] = kNoOwner;
}

void irq_unbind_all(bh_domid_t owner) {
    for (uint32_t i = 0; i < kNrDeviceIrqs; ++i) irq_unbind(i, owner);
}

void irq_fired(uint32_t irq) {
    if (irq >= kNrDeviceIrqs) return;
    ++g_fired[irq];
    if (irq == kConsoleLine) {
        uint8_t bytes[16];
        size_t n = platform::console_rx(bytes, sizeof bytes);
        console_input(bytes, n);
        return;
    }
    line(irq, true, true);
    Domain* d = g_owner[irq] == kNoOwner ? nullptr
                                         : domain_by_id(static_cast<bh_domid_t>(g_owner[irq]));
    if (d && d->evtchn) d->evtchn->raise_irq(irq);
}

Result<void> irq_ack(uint32_t irq, bh_domid_t owner) {
    if (irq >= kNrDeviceIrqs) return Error::BadArg;
    if (g_owner[irq] != owner) return Error::BadState;
    line(irq, true, false);
    return success();
}

}  // namespace bh
