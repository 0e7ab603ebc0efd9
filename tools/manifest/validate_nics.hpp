// Checks on network backends' virtual interfaces (see validate_nics.cpp).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "topology.hpp"

namespace bh::topology {

using Report = std::function<void(int line, std::string key, std::string message)>;
void validate_nics(const Topology& t, const std::map<std::string, size_t>& index, const Report& report);

}  // namespace bh::topology
