// Domain lifecycle: build from an ELF image, start, pause, fault, destroy with full reclamation.
#pragma once

#include <span>

#include "domain/domain.hpp"
#include "lib/result.hpp"

namespace bh {

// Builds a domain from an ELF image. `creator` (nullptr for the supervisor) pays for it: its
// quota is charged quota_bytes plus the Domain object until the new domain is destroyed.
// BadElf (logged with the reason), Quota, NoMemory; a failure leaves nothing behind.
// `want_id` 0 picks the lowest free id; otherwise that id or Busy (see domain_register).
Result<Domain*> domain_create(Domain* creator, std::span<const uint8_t> elf, const char* name,
                              uint64_t quota_bytes, bh_domid_t want_id = 0);
Result<void> domain_start(Domain& d, uint64_t arg0, uint64_t arg1);
Result<void> domain_pause(Domain& d);
Result<void> domain_unpause(Domain& d);
// Stops the domain after a fault: logs one line, tears down grants/ports/mappings, tells the
// controller through VIRQ_DOM_EXC. The id stays registered (state Faulted) until destroyed.
void domain_fault(Domain& d, bh_fault kind, uint64_t rip, uint64_t addr, uint64_t vector);
// The domain asked to stop (BH_CALL_EXIT): like a fault, but orderly and with a code.
void domain_exit(Domain& d, uint64_t code);
// Reclaims everything; the id becomes free. The object lives on while caps name it.
void domain_destroy(Domain& d);
void domain_info(const Domain& d, bh_domain_info& out);

}  // namespace bh
