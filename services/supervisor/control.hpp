// The control channel: Cap'n Proto requests from the host CLI (control.capnp) on COM2 — a QEMU
// chardev socket on the host — answered with replies on the same line.
#pragma once

#include <bh/rt.hpp>

namespace sup {

// Takes COM2 (ports 0x2f8-0x2ff, ISA IRQ 3) from the machine capability; returns the port its
// interrupt arrives on (0 if the line could not be set up: the system runs without control).
bh_port_t control_init();
// Reads what arrived and answers every complete request. Returns true when asked to shut down.
bool control_input();

}  // namespace sup
