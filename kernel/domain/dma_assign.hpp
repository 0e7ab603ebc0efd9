// Which domain each PCI function's DMA belongs to. A function assigned to a domain reaches
// exactly that domain's memory, at the addresses the domain sees it at; any other function
// (and one whose domain died) reaches nothing.
#pragma once

#include <stdint.h>

#include "lib/result.hpp"

namespace bh {

struct Domain;

inline constexpr uint32_t kMaxDmaFunctions = 32;

// BadState without an IOMMU or for a dead domain; Busy if another live domain holds bdf; Quota /
// NoMemory building the domain's device tables; NoMemory when kMaxDmaFunctions are assigned.
Result<void> dma_assign(Domain& d, uint16_t bdf);
// Blocks every function the domain held (the IOMMU forgets them before this returns).
void dma_release_all(Domain& d);
// The IOMMU blocked a request: log it against the function's owner and count it there.
void dma_fault_report(uint16_t bdf, uint64_t addr, bool write, uint8_t reason);

}  // namespace bh
