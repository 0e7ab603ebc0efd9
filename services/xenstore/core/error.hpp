// XsErr: the store's error results and their xenstore wire names (xs_wire.h's errno strings).
#pragma once

#include <stdint.h>

namespace bh::xs {

// The names in xs_wire.h's xsd_errors table; the member names avoid <errno.h>'s macros.
enum class XsErr : uint8_t {
    Ok = 0,
    Inval,     // EINVAL: malformed path, argument or request
    Acces,     // EACCES: permission denied (or privileged-only request)
    Exist,     // EEXIST: duplicate watch
    IsDir,     // EISDIR
    NoEnt,     // ENOENT: no such node / transaction / watch / domain
    NoMem,     // ENOMEM: the store ran out of memory
    NoSpc,     // ENOSPC: a per-domain quota (nodes, watches, transactions, perms) is used up
    Io,        // EIO
    NotEmpty,  // ENOTEMPTY
    NoSys,     // ENOSYS: unknown or unsupported message type
    RoFs,      // EROFS
    Busy,      // EBUSY: TRANSACTION_START inside a transaction
    Again,     // EAGAIN: a transaction's commit conflicted; retry it
    IsConn,    // EISCONN
    TooBig,    // E2BIG: value over the node-size quota, reply over the payload limit
    Perm,      // EPERM: an unprivileged domain tried to change a node's owner
};

// The one exhaustive mapping from XsErr to the string an ERROR reply carries.
constexpr const char* error_name(XsErr e) {
    switch (e) {
    case XsErr::Ok: return "OK";
    case XsErr::Inval: return "EINVAL";
    case XsErr::Acces: return "EACCES";
    case XsErr::Exist: return "EEXIST";
    case XsErr::IsDir: return "EISDIR";
    case XsErr::NoEnt: return "ENOENT";
    case XsErr::NoMem: return "ENOMEM";
    case XsErr::NoSpc: return "ENOSPC";
    case XsErr::Io: return "EIO";
    case XsErr::NotEmpty: return "ENOTEMPTY";
    case XsErr::NoSys: return "ENOSYS";
    case XsErr::RoFs: return "EROFS";
    case XsErr::Busy: return "EBUSY";
    case XsErr::Again: return "EAGAIN";
    case XsErr::IsConn: return "EISCONN";
    case XsErr::TooBig: return "E2BIG";
    case XsErr::Perm: return "EPERM";
    }
    return "EINVAL";
}

}  // namespace bh::xs
