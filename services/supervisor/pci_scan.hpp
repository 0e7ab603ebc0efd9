// The PCI functions of the machine, found at boot through the firmware's MCFG table: the list
// device partitioning will hand out from (issue 5). The supervisor reads the firmware tables
// and configuration space through MMIO capabilities it mints from the machine capability, one
// window at a time; the kernel knows nothing of PCI.
#pragma once

#include <stdint.h>

#include <bulkhead/abi.h>

#include <bh/pci/bar_sizing.hpp>

namespace sup {

struct PciFunction {
    uint8_t bus, dev, fn;
    uint16_t vendor, device;
    uint32_t class_code;
    uint64_t config;  // physical address of its 4 KiB of configuration space
    bh::pci::BarRegion bars[6];  // sized at the scan
    uint8_t msix_bars;           // bit per BAR holding the MSI-X table or PBA (kept from drivers)
    uint8_t msix_cap;            // its MSI-X capability's offset in configuration space (0: none)
    uint16_t msix_entries;       // table size
    uint8_t msix_bar;            // the table: BAR and offset in it
    uint32_t msix_offset;
    uint8_t msi_line;            // first kernel MSI line its entries use (0: none yet)
};

inline constexpr uint32_t kMaxPciFunctions = 64;
extern PciFunction g_pci[kMaxPciFunctions];
extern uint32_t g_npci;

// Finds the ECAM window (RSDP → RSDT/XSDT → MCFG) and lists bus 0's functions, logging each as
// "pci: BB:DD.F VVVV:DDDD class CCCCCC" and sizing its BARs (before any driver runs). False
// (with the reason logged) if the firmware offers no usable MCFG.
bool pci_scan();

// Gives entries 0..n-1 of f's MSI-X table a kernel message-signalled line each (the same ones
// every time: a restarted driver gets its vectors back), minting the Irq caps into `slot`
// through give(k, slot_result); the table is ours, never the driver's. Then enables MSI-X.
// The number of entries programmed (at most BH_MAX_MSI), or -1 on failure.
int msix_setup(PciFunction& f, bh_slot_t tmp, bool (*give)(uint32_t k, void* ctx), void* ctx);

// Finds the DMA remapping unit (the firmware's DMAR table) and has the kernel take it over, so
// every device is blocked until assigned. False (logged) without one: then no PCI function may
// be given to a domain, since its DMA could reach any memory.
bool iommu_init();
extern bool g_iommu;
// True if the unit translates f's DMA (the DMAR lists it, or covers every device).
bool iommu_covers(const PciFunction& f);

}  // namespace sup
