// The IOMMU calls: the supervisor names the remapping unit, then assigns PCI functions' DMA to
// the domains it gives them to. Both need the machine capability.
#include "cap/cspace.hpp"
#include "domain/dma_assign.hpp"
#include "domain/objects.hpp"
#include "domain/platform.hpp"
#include "syscall/syscall.hpp"

namespace bh {

Result<void> sys_dma(Domain& self, const SysArgs& a, SysOut&) {
    TRY(self.cspace->lookup_as<MachineObj>(TRY(arg32(a.a0)), BH_R_CONTROL));
    if (a.nr == BH_CALL_MACHINE_IOMMU) return platform::iommu_enable(a.a1);
    Domain* d = TRY(self.cspace->lookup_as<Domain>(TRY(arg32(a.a1)), BH_R_CONTROL));
    if (a.a2 > 0xffff) return Error::BadArg;
    return dma_assign(*d, static_cast<uint16_t>(a.a2));
}

}  // namespace bh
