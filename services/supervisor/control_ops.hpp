// The control verbs: one request read, one reply written (control.capnp).
#pragma once

#include "control.bh.hpp"

namespace sup {

// Fills `reply` (its id is set) for `req`. Returns true if the request was a shutdown.
bool answer(const bh::control::Request::Reader& req, bh::control::Reply::Builder& reply);

}  // namespace sup
