// World snapshots: everything a hypercall could change, as comparable key/value pairs.
#pragma once

#include <map>
#include <string>

#include "domain/domain.hpp"

namespace bhtest {

// Key -> value for the machine (free frames, misuse, recorded platform calls) and for every
// registered domain: state, quota, scheduling, capability slots, open ports with their pending
// and mask bits, grant entries, pins and maptrack, and every user page (frame, flags, frame
// refcount, content hash). Two snapshots are equal iff nothing observable changed.
using World = std::map<std::string, std::string>;

World world();
World domain_world(bh::Domain& d);
// "" when equal, else one line per differing key: "key: before -> after".
std::string diff(const World& before, const World& after);

// FNV-1a of one 4 KiB frame of fake physical memory.
uint64_t frame_hash(bh::paddr_t pa);

}  // namespace bhtest
