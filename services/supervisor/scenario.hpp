// What the supervisor builds: the boot manifest (a Cap'n Proto module, manifest.capnp) decoded
// into fixed tables. In check mode each domain is also judged by its manifest's test expectation.
#pragma once

#include <stdint.h>

namespace sup {

enum class Outcome : uint8_t {  // manifest.capnp TestExpectation.Outcome, in its order
    Service,    // reports ready and keeps running
    Exit0,      // reports ready, then exits with code 0
    Fault,      // stopped by the kernel with `fault`
    Refused,    // its image is malformed: domain creation must fail with bad-elf
    Waiter,     // reports ready, waits until every Exit0/Fault child finished, then exits 0
    CrashOnce,  // faults after its first ready; restarted under the same id, it keeps running
    CrashLoop,  // faults every time; restarted until its limit, then left faulted
};

enum class RestartMode : uint8_t { Never, OnFault, Always };  // manifest.capnp RestartPolicy.Mode

// Xenstore roles. The store is built first; clients are introduced to it before they start.
inline constexpr uint8_t kXsClient = 1;
inline constexpr uint8_t kXsStore = 2;
// Test hook: a later event on this child's control channel asks the supervisor to kill the
// store (and restart it); the child is signalled back once the new store is ready.
inline constexpr uint8_t kXsKillsStore = 4;

struct Child {
    char name[48];
    uint32_t module;   // boot-module index of its image
    uint32_t role;     // second start argument (low half)
    Outcome outcome;
    uint8_t fault;     // bh_fault, for Outcome::Fault
    uint32_t quota_pages;
    uint16_t weight;
    uint16_t io_base, io_count;  // I/O ports handed over in BH_SLOT_DEVICE (count 0 = none)
    uint8_t irq;                 // interrupt line handed over in BH_SLOT_IRQ (0xff = none)
    uint64_t mmio_base;          // MMIO pages handed over in BH_SLOT_DEVICE (0 pages = none)
    uint32_t mmio_pages;
    int16_t pci;                 // index in g_pci of a PCI function (its BARs go to
                                 // BH_SLOT_PCI_BAR0 + i), -1 = none
    RestartMode restart;
    uint16_t max_restarts;  // 0 = no limit
    uint32_t backoff_ms;    // before the first restart; doubles with every further one
    uint8_t xs;             // kXs* flags
    int8_t kills;           // test hook: the child its control events ask us to kill (-1: none)
};

struct Link {
    uint8_t a, b;  // child a gets an unbound port for b in BH_SLOT_PEER; b gets (a's id, port)
};

inline constexpr uint32_t kMaxChildren = 16;
inline constexpr uint32_t kMaxDisks = 16;

// A virtual disk: a slice of backend's physical disk that frontend sees as xvd<letter>.
struct Disk {
    uint8_t backend, frontend;  // child indices
    uint8_t letter;             // 0 = xvda
    bool read_only;
    uint64_t offset_sectors;
    uint64_t sectors;           // 0 = to the end
};

inline constexpr uint32_t kMaxNics = 16, kMaxNicRules = 64, kMaxRuleChars = 96;

// A virtual interface: a port on backend's switch that frontend sees as vif/<handle>.
struct Nic {
    uint8_t backend, frontend;  // child indices
    uint8_t handle;             // its place among the frontend's nics
    char mac[18];               // "" = 00:16:3e:00:<frontend id>:<handle>
    char ip[16];                // "" = no source-address guard
    uint16_t first_rule, nr_rules;  // in Scenario::rules
};

struct Scenario {
    const char* name;  // the label in BH-TEST lines (kernel command line scenario=)
    Child children[kMaxChildren];
    uint32_t nr_children;
    Link links[kMaxChildren];
    uint32_t nr_links;
    Disk disks[kMaxDisks];
    uint32_t nr_disks;
    Nic nics[kMaxNics];
    uint32_t nr_nics;
    char rules[kMaxNicRules][kMaxRuleChars + 1];
    uint32_t nr_rules;
    uint32_t min_dom_exc;  // VIRQ_DOM_EXC notifications the supervisor must see
};

// Reads the manifest from boot module `index` and resolves every domain's image among the boot
// modules. False with a one-line reason in `why` for a missing, corrupt or unusable manifest.
bool load_manifest(uint32_t index, uint32_t nr_modules, Scenario& out, char* why, uint32_t why_len);

}  // namespace sup
