// Human-readable names of internal errors, for log lines.
#include "lib/error.hpp"

namespace bh {

const char* error_name(Error e) {
    switch (e) {
    case Error::None: return "ok";
    case Error::BadCall: return "bad-call";
    case Error::BadSlot: return "bad-slot";
    case Error::EmptySlot: return "empty-slot";
    case Error::WrongType: return "wrong-type";
    case Error::NoRights: return "no-rights";
    case Error::SlotFull: return "slot-full";
    case Error::BadAddress: return "bad-address";
    case Error::BadArg: return "bad-arg";
    case Error::Quota: return "quota";
    case Error::NoMemory: return "no-memory";
    case Error::NoPorts: return "no-ports";
    case Error::BadPort: return "bad-port";
    case Error::BadDomain: return "bad-domain";
    case Error::BadGrant: return "bad-grant";
    case Error::GrantDenied: return "grant-denied";
    case Error::BadHandle: return "bad-handle";
    case Error::Busy: return "busy";
    case Error::Dead: return "dead";
    case Error::BadElf: return "bad-elf";
    case Error::BadState: return "bad-state";
    case Error::NotFound: return "not-found";
    }
    return "?";
}

}  // namespace bh
