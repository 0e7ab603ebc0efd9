// PCI functions' DMA ownership, kept by the kernel so a device can only ever be pointed at
// memory its owner maps (the address space mirrors every RAM mapping into the device table).
#include "domain/dma_assign.hpp"

#include "domain/domain.hpp"
#include "domain/platform.hpp"
#include "lib/format.hpp"
#include "lib/log.hpp"

namespace bh {
namespace {

struct Assignment {
    uint16_t bdf;
    Domain* owner;  // nullptr: the slot is free. Cleared by dma_release_all before d is freed.
};
Assignment g_assigned[kMaxDmaFunctions];

Assignment* find(uint16_t bdf) {
    for (Assignment& a : g_assigned)
        if (a.owner && a.bdf == bdf) return &a;
    return nullptr;
}

// VT-d fault reasons (VT-d spec, Appendix A) a driver domain can provoke.
const char* reason_name(uint8_t r) {
    switch (r) {
    case 1: return "no root entry";
    case 2: return "function not assigned";
    case 4: return "address beyond the device's space";
    case 5: return "not writable for the device";
    case 6: return "not mapped for the device";
    default: return "translation fault";
    }
}

}  // namespace

Result<void> dma_assign(Domain& d, uint16_t bdf) {
    if (!platform::iommu_on() || !d.alive()) return Error::BadState;
    if (Assignment* a = find(bdf)) return a->owner == &d ? success() : Result<void>(Error::Busy);
    Assignment* slot = nullptr;
    for (Assignment& a : g_assigned)
        if (!a.owner) {
            slot = &a;
            break;
        }
    if (!slot) return Error::NoMemory;
    TRYV(d.as.enable_dma(d.id));
    TRYV(platform::iommu_attach(bdf, d.as.dma_root(), d.id));
    *slot = Assignment{bdf, &d};
    klog("iommu: %02x:%02x.%x DMA goes to domain %u (%s) only", bdf >> 8, bdf >> 3 & 0x1f, bdf & 7,
         d.id, d.name);
    return success();
}

void dma_release_all(Domain& d) {
    for (Assignment& a : g_assigned) {
        if (a.owner != &d) continue;
        platform::iommu_detach(a.bdf);
        a.owner = nullptr;
    }
}

void dma_fault_report(uint16_t bdf, uint64_t addr, bool write, uint8_t reason) {
    Assignment* a = find(bdf);
    char who[48] = "no domain";
    if (a) {
        ++a->owner->dma_faults;
        format(who, sizeof who, "domain %u %s", a->owner->id, a->owner->name);
    }
    klog("iommu: blocked DMA %s at 0x%lx by %02x:%02x.%x (%s): %s (reason %u)",
         write ? "write" : "read", addr, bdf >> 8, bdf >> 3 & 0x1f, bdf & 7, who,
         reason_name(reason), reason);
}

}  // namespace bh
