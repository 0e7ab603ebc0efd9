# The boot manifest: which domains the supervisor builds at boot and what each may touch.
# Encoded on the host by `bulkhead-manifest` (libcapnp) from a TOML topology; read in-system by
# the supervisor through manifest.bh.hpp (capnpc-bh). One file, two readers: keep them in step by
# changing only this schema.
#
# Evolution rules (both readers must keep accepting old manifests):
#   - never renumber or retype a field; add new fields with the next free @ordinal at the end;
#   - a removed field keeps its ordinal: rename it `obsoleteX` and stop writing it;
#   - new enumerants go at the end; readers treat unknown enumerants as the safest choice;
#   - a default, once published, is part of the format (values are stored XOR-ed with it);
#   - bump Manifest.version only for a change an old supervisor must refuse.
@0xa1c77985a656408e;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("bh::host::manifest");

struct Manifest {
  version @0 :UInt16;          # 1 for this layout
  storeDomain @1 :Text;        # name of the domain that serves xenstore ("" = none)
  consoleDomain @2 :Text;      # name of the domain that owns the console ("" = supervisor)
  domains @3 :List(Domain);    # built in this order
  minDomExc @4 :UInt32;        # test scenarios: VIRQ_DOM_EXC notifications the supervisor must see
}

struct Domain {
  name @0 :Text;               # unique; how control requests and peers name it
  image @1 :Text;              # boot-module file name inside the initrd
  memoryKib @2 :UInt32;
  weight @3 :UInt16 = 256;     # scheduler share
  vcpus @4 :UInt8 = 1;
  kind @5 :Kind;
  restart @6 :RestartPolicy;
  capabilities @7 :Capabilities;
  test @8 :TestExpectation;    # test scenarios only: what the supervisor's check mode expects

  enum Kind {
    service @0;                # ring-3 native-ABI domain
    guest @1;                  # Xen-ABI guest under SVM (later)
  }
}

# The supervisor's check mode (kernel command line mode=check) judges each domain by this.
struct TestExpectation {
  role @0 :UInt32;             # the domain's second start argument (its low half)
  outcome @1 :Outcome;
  fault @2 :UInt8;             # bh_fault the domain must die of, for outcome fault
  killsStore @3 :Bool;         # test hook: its later control events ask the supervisor to kill
                               # and restart the store
  kills @4 :Text;              # test hook: the same for the domain named here (destroyed at
                               # whatever it is doing, rebuilt under its id); "" = none. The
                               # supervisor answers its ready with an event, and each kill with
                               # one when the victim is ready again

  enum Outcome {
    service @0;                # reports ready and keeps running
    exit0 @1;                  # reports ready, then exits with code 0
    fault @2;                  # stopped by the kernel with `fault`
    refused @3;                # its image is malformed: creation fails with bad-elf
    waiter @4;                 # exits 0 after the supervisor tells it every finite domain is done
    crashOnce @5;              # faults once, is restarted under the same id, then keeps running
    crashLoop @6;              # faults every time: restarted to its limit, then left stopped
  }
}

struct RestartPolicy {
  mode @0 :Mode;
  maxRestarts @1 :UInt16;      # 0 = unlimited (only with mode != never)
  backoffMs @2 :UInt32;        # wait before each restart

  enum Mode {
    never @0;
    onFault @1;
    always @2;
  }
}

struct Capabilities {
  devices @0 :List(Device);
  peers @1 :List(Text);        # domains this one gets an event-channel / grant link to
  xenstore @2 :XenstoreAccess;
  disks @3 :List(VirtualDisk); # a block backend: the virtual disks it exports (blkif)
  nics @4 :List(VirtualNic);   # a network backend: the virtual interfaces it serves (netif)
}

# A Xen virtual interface served by this (network backend) domain to one frontend domain, a
# port on the backend's switch. Its handle (vif/N) is its place among the frontend's nics in
# manifest order. The supervisor writes both xenstore directories, as Xen's toolstack does.
struct VirtualNic {
  frontend @0 :Text;           # the domain that sees it (a xenstore client)
  mac @1 :Text;                # "xx:xx:xx:xx:xx:xx"; "" = 00:16:3e:00:<frontend id>:<handle>
  ip @2 :Text;                 # "a.b.c.d": the only source address the switch takes from it; "" = any
  rules @3 :List(Text);        # filter rules, first match decides (libs/netif/bh/netif/filter.hpp)
}

# A slice of the backend's physical disk, seen by one frontend domain as a Xen virtual block
# device. The supervisor writes both xenstore directories, as Xen's toolstack does.
struct VirtualDisk {
  frontend @0 :Text;           # the domain that sees it (a xenstore client)
  vdev @1 :Text;               # its name there, "xvda".."xvdp" (virtual-device 202 << 8 | n << 4)
  offsetSectors @2 :UInt64;    # where the slice starts on the physical disk, 512-byte sectors
  sectors @3 :UInt64;          # its length (0 = to the end of the disk)
  readOnly @4 :Bool;
}

struct Device {
  name @0 :Text;
  ioBase @1 :UInt16;
  ioCount @2 :UInt16;          # 0 = no I/O ports
  mmioBase @3 :UInt64;
  mmioSize @4 :UInt64;         # 0 = no MMIO region
  irq @5 :UInt8 = 0xff;        # 0xff = no interrupt line
  pci @6 :UInt16 = 0xffff;     # a PCI function, bus << 8 | dev << 3 | fn (0xffff = none): its
                               # configuration space (the supervisor finds it through the MCFG)
}

struct XenstoreAccess {
  role @0 :Role;
  paths @1 :List(PathGrant);   # extra subtrees the domain is given, beyond its own /local/domain/ID

  enum Role {
    none @0;
    client @1;
    privileged @2;             # may read/write anywhere (the toolstack's view)
  }
}

struct PathGrant {
  path @0 :Text;
  perm @1 :Text;               # "r", "w" or "rw"
}
