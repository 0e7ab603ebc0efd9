# The control channel: requests from the host CLI (`bulkhead list`, `pause`, ...) and the
# system's replies, one framed message each way over a QEMU chardev socket. The host speaks it
# with libcapnp (control.capnp.h), the in-system endpoint with control.bh.hpp (capnpc-bh).
#
# Evolution rules (an old CLI must keep working against a new system and the reverse):
#   - never renumber or retype a field; new fields and union members take the next free ordinal;
#   - a request the endpoint does not know (union discriminant it has no case for) is answered
#     with `error` naming the verb, never dropped, so the CLI can say "system too old";
#   - a removed member keeps its ordinal, renamed `obsoleteX`;
#   - replies pair with requests by `id` only; the CLI picks a fresh id for each request.
@0xc6cb4a8ce14e1116;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("bh::host::control");

struct Request {
  id @0 :UInt32;
  union {
    list @1 :Void;             # -> domains
    pause @2 :Text;            # domain name -> ok
    unpause @3 :Text;
    destroy @4 :Text;
    restart @5 :Text;
    consoleRead @6 :Text;      # domain name -> log (its buffered console output)
    consoleWrite :group {      # -> ok
      name @7 :Text;
      data @8 :Data;
    }
    xenstoreRead :group {      # -> value
      path @9 :Text;
    }
    xenstoreWrite :group {     # -> ok
      path @10 :Text;
      value @11 :Text;
    }
    xenstoreLs :group {        # -> children
      path @12 :Text;
    }
    xenstoreRm :group {        # -> ok
      path @13 :Text;
    }
    dmesg :group {             # kernel log from byte `offset` -> log
      offset @14 :UInt32;
    }
    shutdown @15 :Void;        # power the whole system off -> ok (sent before it goes down)
  }
}

struct Reply {
  id @0 :UInt32;               # the request's id
  union {
    ok @1 :Void;
    error @2 :Text;            # names what was wrong: "unknown domain 'x'", ...
    domains @3 :List(DomainInfo);
    value @4 :Text;
    children @5 :List(Text);
    log :group {
      text @6 :Data;           # raw bytes, not necessarily UTF-8
      next @7 :UInt32;         # offset to ask for next time
    }
  }
}

# One row of `bulkhead list` (Xen `xl list` columns, plus the restart count for --json).
struct DomainInfo {
  name @0 :Text;
  id @1 :UInt16;
  memKib @2 :UInt64;
  vcpus @3 :UInt8;
  state @4 :State;
  cpuTimeNs @5 :UInt64;
  restarts @6 :UInt32;

  enum State {
    running @0;
    blocked @1;
    paused @2;
    shutdown @3;
    crashed @4;
    dying @5;
  }
}
