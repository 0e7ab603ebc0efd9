// Internal error codes and their single mapping onto the ABI's bh_error.
#pragma once

#include <bulkhead/abi.h>

namespace bh {

// Kept separate from the ABI numbers so internal causes can be finer than what the ABI shows.
enum class Error : uint8_t {
    None = 0,
    BadCall,
    BadSlot,
    EmptySlot,
    WrongType,
    NoRights,
    SlotFull,
    BadAddress,
    BadArg,
    Quota,
    NoMemory,
    NoPorts,
    BadPort,
    BadDomain,
    BadGrant,
    GrantDenied,
    BadHandle,
    Busy,
    Dead,
    BadElf,
    BadState,
    NotFound,
};

// The one exhaustive switch from internal errors to ABI errors.
constexpr bh_error abi_error(Error e) {
    switch (e) {
    case Error::None: return BH_OK;
    case Error::BadCall: return BH_E_BAD_CALL;
    case Error::BadSlot: return BH_E_BAD_SLOT;
    case Error::EmptySlot: return BH_E_EMPTY_SLOT;
    case Error::WrongType: return BH_E_WRONG_TYPE;
    case Error::NoRights: return BH_E_NO_RIGHTS;
    case Error::SlotFull: return BH_E_SLOT_FULL;
    case Error::BadAddress: return BH_E_BAD_ADDRESS;
    case Error::BadArg: return BH_E_BAD_ARG;
    case Error::Quota: return BH_E_QUOTA;
    case Error::NoMemory: return BH_E_NO_MEMORY;
    case Error::NoPorts: return BH_E_NO_PORTS;
    case Error::BadPort: return BH_E_BAD_PORT;
    case Error::BadDomain: return BH_E_BAD_DOMAIN;
    case Error::BadGrant: return BH_E_BAD_GRANT;
    case Error::GrantDenied: return BH_E_GRANT_DENIED;
    case Error::BadHandle: return BH_E_BAD_HANDLE;
    case Error::Busy: return BH_E_BUSY;
    case Error::Dead: return BH_E_DEAD;
    case Error::BadElf: return BH_E_BAD_ELF;
    case Error::BadState: return BH_E_BAD_STATE;
    case Error::NotFound: return BH_E_NOT_FOUND;
    }
    return BH_E_BAD_CALL;
}

const char* error_name(Error e);

}  // namespace bh
