// The supervisor's built-in boot lists: which domains a scenario starts, how they are linked,
// and what each is expected to do. (The Cap'n Proto boot manifest replaces this later.)
#pragma once

#include <stdint.h>

namespace sup {

enum class Outcome : uint8_t {
    Service,  // reports ready and keeps running
    Exit0,    // reports ready, then exits with code 0
    Fault,    // reports ready, then is stopped by the kernel with `fault`
    Refused,  // its image is malformed: domain creation must fail with bad-elf
    Waiter,   // reports ready, waits until every Exit0/Fault child finished, then exits 0
};

struct Child {
    uint32_t role;     // second start argument
    Outcome outcome;
    uint8_t fault;     // bh_fault, for Outcome::Fault
    uint32_t quota_pages;
    uint16_t io_base = 0, io_count = 0;  // I/O ports handed over in BH_SLOT_DEVICE (0 = none)
    uint8_t irq = 0xff;                  // interrupt line handed over in BH_SLOT_IRQ (0xff = none)
    uint64_t mmio_base = 0;              // MMIO pages handed over in BH_SLOT_DEVICE (0 = none)
    uint32_t mmio_pages = 0;
};

struct Link {
    uint8_t a, b;  // child a gets an unbound port for b in BH_SLOT_PEER; b gets (a's id, port)
};

struct Scenario {
    const char* name;
    const Child* children;
    uint32_t nr_children;
    const Link* links;
    uint32_t nr_links;
    uint32_t min_dom_exc;  // VIRQ_DOM_EXC notifications the supervisor must see
};

const Scenario* find_scenario(const char* name);

}  // namespace sup
