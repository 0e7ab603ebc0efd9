/* Bulkhead native ABI: the contract between the kernel and service domains.
 *
 * C-compatible, fixed-width types, stable numbers. A number once published is never reused:
 * removed entries stay as tombstones. Every call lists its errors in docs/abi.md.
 *
 * Calling convention (x86-64 `syscall`): rax = call number, arguments in rdi, rsi, rdx, r10,
 * r8, r9. On return rax = bh_error (0 = success), rdx = first result, r8 = second result.
 * All other registers except rcx and r11 (clobbered by the instruction) are preserved. */
#ifndef BULKHEAD_ABI_H
#define BULKHEAD_ABI_H

#include <stdint.h>

typedef uint16_t bh_domid_t;
typedef uint32_t bh_slot_t;
typedef uint32_t bh_port_t;
typedef uint32_t bh_grant_ref_t;

/* ---- Errors: returned in rax as these positive numbers ---- */
enum bh_error {
    BH_OK = 0,
    BH_E_BAD_CALL = 1,      /* unknown call number */
    BH_E_BAD_SLOT = 2,      /* slot index outside the capability space */
    BH_E_EMPTY_SLOT = 3,    /* slot holds no capability */
    BH_E_WRONG_TYPE = 4,    /* capability names an object of another type */
    BH_E_NO_RIGHTS = 5,     /* capability lacks a right the call needs */
    BH_E_SLOT_FULL = 6,     /* destination slot already occupied */
    BH_E_BAD_ADDRESS = 7,   /* pointer / virtual address not usable (kernel, non-canonical, unmapped) */
    BH_E_BAD_ARG = 8,       /* an argument out of its range */
    BH_E_QUOTA = 9,         /* the domain's memory quota would be exceeded */
    BH_E_NO_MEMORY = 10,    /* the machine is out of frames */
    BH_E_NO_PORTS = 11,     /* event-channel table full */
    BH_E_BAD_PORT = 12,     /* port number invalid or not in the needed state */
    BH_E_BAD_DOMAIN = 13,   /* domain id unknown or dead */
    BH_E_BAD_GRANT = 14,    /* grant reference invalid or not granted to the caller */
    BH_E_GRANT_DENIED = 15, /* grant exists but forbids this access (read-only) */
    BH_E_BAD_HANDLE = 16,   /* grant map handle unknown */
    BH_E_BUSY = 17,         /* object in use (mapped, mapped over, bound) */
    BH_E_DEAD = 18,         /* target domain is dead or dying */
    BH_E_BAD_ELF = 19,      /* boot module is not a valid ELF image for a domain */
    BH_E_BAD_STATE = 20,    /* operation not valid in the object's current state */
    BH_E_REVOKED = 21,      /* tombstone: reserved */
    BH_E_NOT_FOUND = 22,    /* no such module / entry */
    BH_E_COUNT
};

/* ---- Capability object types ---- */
enum bh_obj_type {
    BH_OBJ_NULL = 0,
    BH_OBJ_DOMAIN = 1,
    BH_OBJ_FRAME = 2,
    BH_OBJ_EVTCHN = 3,
    BH_OBJ_GNTTAB = 4,
    BH_OBJ_DEVICE = 5,   /* DeviceRegion: an I/O-port range or an MMIO range */
    BH_OBJ_IRQ = 6,
    BH_OBJ_MACHINE = 7,  /* the root authority: boot modules, shutdown, console */
    BH_OBJ_COUNT
};

/* ---- Rights (a capability's rights can only shrink along a derivation) ---- */
#define BH_R_READ    (1u << 0) /* Frame: map readable. Domain: query info. */
#define BH_R_WRITE   (1u << 1) /* Frame: map writable. */
#define BH_R_CONTROL (1u << 2) /* Domain: pause/unpause/destroy/start, give caps. Irq/Device: bind/use. */
#define BH_R_SEND    (1u << 3) /* EvtChn: notify the peer. */
#define BH_R_GRANT   (1u << 4) /* may be copied/minted onward (seL4's grant right) */
#define BH_R_ALL     0x1fu

/* A kernel tick (BH_CALL_TIME, BH_CALL_SET_TIMER) lasts this many milliseconds. */
#define BH_TICK_MS 2u

/* ---- Call numbers ---- */
enum bh_call {
    BH_CALL_NULL = 0,            /* () -> 0; measures the entry path */
    BH_CALL_CONSOLE_WRITE = 1,   /* (ptr, len) ; len <= 256 */
    BH_CALL_YIELD = 2,           /* () */
    BH_CALL_BLOCK = 3,           /* () ; returns when an event is pending for the caller */
    BH_CALL_SELF_INFO = 4,       /* () -> rdx = domid, r8 = shared_info vaddr */
    BH_CALL_TIME = 5,            /* () -> rdx = kernel ticks, r8 = tsc */
    BH_CALL_EXIT = 6,            /* (code) stops the caller; its controller gets VIRQ_DOM_EXC */
    BH_CALL_WAKE_LATENCY = 7,    /* () -> rdx = ticks, r8 = TSC cycles from the event that last
                                    woke the caller to now */
    BH_CALL_SET_TIMER = 8,       /* (period_ticks) VIRQ_TIMER every period_ticks; 0 = off */

    BH_CALL_CAP_COPY = 10,       /* (src, dst, rights_mask) within own space, derived */
    BH_CALL_CAP_MINT = 11,       /* (src, dst, rights_mask, badge) */
    BH_CALL_CAP_MOVE = 12,       /* (src, dst) */
    BH_CALL_CAP_DELETE = 13,     /* (slot) */
    BH_CALL_CAP_REVOKE = 14,     /* (slot) deletes every capability derived from slot */
    BH_CALL_CAP_INFO = 15,       /* (slot) -> rdx = type | rights << 8, r8 = badge */

    BH_CALL_FRAME_ALLOC = 20,    /* (dst_slot, pages) charges `pages` frames (0 = 1, at most
                                    512) to the caller: one cap for the whole run */
    BH_CALL_FRAME_MAP = 21,      /* (frame_slot, vaddr, writable) maps every page of the cap's
                                    run at vaddr onwards, all or nothing */
    BH_CALL_FRAME_UNMAP = 22,    /* (vaddr) */

    BH_CALL_EVTCHN_ALLOC_UNBOUND = 30,    /* (dst_slot, remote_domid) -> rdx = port */
    BH_CALL_EVTCHN_BIND_INTERDOMAIN = 31, /* (dst_slot, remote_domid, remote_port) -> rdx = port */
    BH_CALL_EVTCHN_BIND_VIRQ = 32,        /* (dst_slot, virq) -> rdx = port */
    BH_CALL_EVTCHN_BIND_IRQ = 33,         /* (irq_slot, dst_slot) -> rdx = port */
    BH_CALL_EVTCHN_SEND = 34,             /* (evtchn_slot) */
    BH_CALL_EVTCHN_CLOSE = 35,            /* (evtchn_slot) closes the port and deletes the cap */
    BH_CALL_EVTCHN_UNMASK = 36,           /* (evtchn_slot) */
    BH_CALL_EVTCHN_STATUS = 37,           /* (evtchn_slot) -> rdx = state, r8 = remote dom|port<<16|own port<<32 */
    BH_CALL_EVTCHN_ALLOC_UNBOUND_FOR = 38, /* (dom_slot, dst_slot, remote_domid) -> rdx = port:
                                              a port in the target's table (Xen's privileged
                                              alloc_unbound with dom != DOMID_SELF); the cap
                                              lands in the caller's dst_slot */

    BH_CALL_GNTTAB_SETUP = 40,   /* (gnttab_slot, vaddr, nr_frames) maps own grant table at vaddr */
    BH_CALL_GNTTAB_MAP = 41,     /* (gnttab_slot, domid, ref, vaddr, readonly) -> rdx = handle */
    BH_CALL_GNTTAB_UNMAP = 42,   /* (gnttab_slot, handle) */
    BH_CALL_GNTTAB_COPY = 43,    /* (gnttab_slot, ptr to bh_grant_copy, count) */
    BH_CALL_GNTTAB_MAP_BATCH = 44,   /* (gnttab_slot, ptr to bh_grant_map, count <= 16): each op
                                        as GNTTAB_MAP, its own status and handle */
    BH_CALL_GNTTAB_UNMAP_BATCH = 45, /* (gnttab_slot, ptr to bh_grant_unmap, count <= 16): all
                                        unmapped, the devices' IOMMU caches flushed once, then
                                        all grants released; a status each */

    BH_CALL_DOMAIN_CREATE = 50,  /* (machine_slot, module_index, dst_slot, quota_pages, domid or 0) -> rdx = domid */
    BH_CALL_DOMAIN_START = 51,   /* (dom_slot, arg0, arg1) starts the vCPU with rdi/rsi = args */
    BH_CALL_DOMAIN_PAUSE = 52,   /* (dom_slot) */
    BH_CALL_DOMAIN_UNPAUSE = 53, /* (dom_slot) */
    BH_CALL_DOMAIN_DESTROY = 54, /* (dom_slot) reclaims everything */
    BH_CALL_DOMAIN_INFO = 55,    /* (dom_slot, ptr to bh_domain_info) */
    BH_CALL_DOMAIN_GIVE_CAP = 56, /* (dom_slot, src_slot, dst_slot_in_target, rights_mask) */
    BH_CALL_DOMAIN_SET_SCHED = 57, /* (dom_slot, weight, cap_percent) */
    BH_CALL_DOMAIN_CONSOLE_READ = 58, /* (dom_slot, offset, ptr, len) -> rdx = bytes copied,
                                         r8 = offset after them (the next to ask for): the
                                         domain's last 4 KiB of CONSOLE_WRITE lines, readable
                                         until it is destroyed (see BH_CALL_MACHINE_DMESG) */

    BH_CALL_MACHINE_MODULES = 60, /* (machine_slot, index, ptr to bh_module_info) */
    BH_CALL_MACHINE_SHUTDOWN = 61,/* (machine_slot, exit_code) */
    BH_CALL_MACHINE_CMDLINE = 62, /* (machine_slot, ptr, len) copies the kernel command line */
    BH_CALL_MACHINE_DEVICE_CAP = 63, /* (machine_slot, io_base, io_count, dst_slot) an I/O-port region */
    BH_CALL_MACHINE_IRQ_CAP = 64,    /* (machine_slot, irq, dst_slot) a device interrupt: I/O APIC
                                        pin irq < 24, or message-signalled line 24..55 (MSI/MSI-X,
                                        -> rdx = message address, r8 = message data to program
                                        into the device; edge: IRQ_ACK is a no-op for it) */
    BH_CALL_MACHINE_MMIO_CAP = 65,   /* (machine_slot, paddr, pages, dst_slot) device MMIO pages:
                                        never RAM, never the interrupt controllers */
    BH_CALL_MACHINE_CONSOLE_READ = 66, /* (machine_slot, ptr, len) -> rdx = bytes of console input
                                          taken (VIRQ_CONSOLE says some arrived) */
    BH_CALL_MACHINE_DMESG = 67,  /* (machine_slot, offset, ptr, len) -> rdx = bytes copied,
                                    r8 = offset after them (the next to ask for): the kernel
                                    log's last 64 KiB. Offsets are free-running 32-bit byte
                                    counts; an offset older than the ring reads from the
                                    oldest byte held (it is at r8 - rdx), one in the future
                                    reads nothing with r8 = the end. len is capped at 4096. */
    BH_CALL_MACHINE_MODULE_READ = 68, /* (machine_slot, index, offset, ptr, len) -> rdx = bytes
                                         copied from boot module `index` at `offset` (the boot
                                         manifest, data modules); 0 at or past its end */
    BH_CALL_MACHINE_FIRMWARE = 69, /* (machine_slot) -> rdx = physical address of the ACPI RSDP
                                      the boot loader reported (0 = none): where the supervisor
                                      finds the firmware's tables (MCFG: PCI config space) */

    BH_CALL_IO_OUT = 70,         /* (device_slot, port, width, value) */
    BH_CALL_IO_IN = 71,          /* (device_slot, port, width) -> rdx = value */
    BH_CALL_IRQ_ACK = 72,        /* (irq_slot) re-enables the line after its event was handled */
    BH_CALL_DEVICE_MAP = 73,     /* (device_slot, page_index, vaddr) maps one MMIO page, uncached */

    BH_CALL_MACHINE_IOMMU = 74,  /* (machine_slot, register_paddr) takes over the DMA remapping
                                    unit (Intel VT-d) whose registers the firmware's DMAR table
                                    names, and turns translation on: from then on no device can
                                    reach memory until it is assigned. BadState if already on,
                                    BadArg if no usable unit is there (RAM, or no 4-level
                                    48-bit tables). */
    BH_CALL_DMA_ASSIGN = 75,     /* (machine_slot, dom_slot, bdf) the PCI function bus<<8|dev<<3|fn
                                    may DMA only into the domain's own memory, at the addresses
                                    the domain sees it at (device address = its virtual address;
                                    read-only mappings stay read-only); until the domain is
                                    destroyed. Busy if another live domain holds the function,
                                    BadState without an IOMMU. */
    BH_CALL_COUNT
};

/* ---- Capability slots every domain starts with ---- */
#define BH_SLOT_SELF    0  /* its own Domain, BH_R_READ */
#define BH_SLOT_GNTTAB  1  /* its own grant table */
#define BH_SLOT_MACHINE 2  /* supervisor only: the Machine (boot modules, shutdown, devices) */
#define BH_SLOT_CONTROL 3  /* children: event channel to the supervisor (ready / requests) */
#define BH_SLOT_PEER    4  /* children in a linked pair: an unbound port for the peer (see supervisor) */
#define BH_SLOT_DEVICE  5  /* driver domains: their I/O-port region */
#define BH_SLOT_IRQ     6  /* driver domains: their interrupt line */
#define BH_SLOT_XENSTORE 7 /* store clients: an unbound port for the store domain (the supervisor
                              introduces the client with it) */
#define BH_SLOT_FIRST_FREE 8
#define BH_SLOT_MSI0    44 /* driver domains given a PCI function with MSI-X: an Irq cap for its
                              MSI-X table entry k in slot 44 + k, k < BH_MAX_MSI (the supervisor
                              programs the table; bind with EVTCHN_BIND_IRQ) */
#define BH_MAX_MSI      4
#define BH_SLOT_PCI_BAR0 48 /* driver domains given a PCI function (BH_SLOT_DEVICE: its configuration
                               space): its memory BAR i as MMIO in slot 48 + i, i = 0..5 (empty
                               when BAR i is not a memory BAR) */

/* ---- VIRQs (Xen numbers where Xen has one) ---- */
#define BH_VIRQ_TIMER   0
#define BH_VIRQ_CONSOLE 2
#define BH_VIRQ_DOM_EXC 3
#define BH_NR_VIRQS     24

/* ---- Domain states ---- */
enum bh_domain_state {
    BH_DOM_BUILT = 0,   /* created, not yet started */
    BH_DOM_RUNNING = 1, /* runnable or blocked on events */
    BH_DOM_PAUSED = 2,
    BH_DOM_FAULTED = 3, /* stopped by the kernel after a fault; awaiting destroy */
    BH_DOM_DEAD = 4,
    BH_DOM_EXITED = 5,  /* called BH_CALL_EXIT; exit_code holds its code; awaiting destroy */
};

/* ---- Fault kinds reported in bh_domain_info.fault ---- */
enum bh_fault {
    BH_FAULT_NONE = 0,
    BH_FAULT_PAGE = 1,
    BH_FAULT_GP = 2,
    BH_FAULT_UD = 3,
    BH_FAULT_DE = 4,
    BH_FAULT_OTHER = 5,
};

struct bh_domain_info {
    uint16_t domid;
    uint8_t state;     /* bh_domain_state */
    uint8_t fault;     /* bh_fault */
    uint32_t weight;
    uint64_t mem_pages;   /* frames + kernel objects charged, in pages (rounded up) */
    uint64_t quota_pages;
    uint64_t fault_addr;
    uint64_t fault_rip;
    uint64_t cpu_ticks;
    uint64_t exit_code;
    uint64_t dma_faults;  /* DMA by its devices the IOMMU blocked */
    char name[32];
};

struct bh_module_info {
    uint64_t size;
    char name[48];
};

/* Grant copy: one segment, never crossing a page. Mirrors GNTTABOP_copy's shape. */
#define BH_GNTCOPY_SOURCE_GREF 1u
#define BH_GNTCOPY_DEST_GREF   2u
struct bh_grant_copy_ptr {
    uint64_t ref_or_vaddr; /* grant ref if *_GREF is set, else page-aligned own vaddr */
    uint16_t domid;
    uint16_t offset;
    uint32_t pad;
};
struct bh_grant_copy {
    struct bh_grant_copy_ptr source;
    struct bh_grant_copy_ptr dest;
    uint16_t len;
    uint16_t flags;
    int16_t status; /* out: BH_OK or a bh_error, per segment */
    uint16_t pad;
};

/* Batched grant maps and unmaps (a backend's request of several pages in one call). */
struct bh_grant_map {
    uint64_t vaddr;    /* page-aligned, where to map */
    uint32_t ref;
    uint16_t domid;    /* the granter */
    uint8_t readonly;
    uint8_t pad;
    uint32_t handle;   /* out */
    int16_t status;    /* out: BH_OK or a bh_error */
    uint16_t pad2;
};
struct bh_grant_unmap {
    uint32_t handle;
    int16_t status;    /* out */
    uint16_t pad;
};

/* Address-space layout of a service domain. */
#define BH_USER_TOP           0x0000800000000000ull
#define BH_USER_SHARED_INFO   0x00007f0000000000ull /* kernel maps the domain's shared_info here */
#define BH_USER_STACK_TOP     0x00007ff000000000ull
#define BH_USER_STACK_PAGES   8

#endif
