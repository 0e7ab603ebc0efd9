// bulkhead-mkarchive's command logic, separate from main() so the Catch2 test can drive it.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace bh::tools {

// Runs `bulkhead-mkarchive OUT.cpio FILE...` with `args` = {OUT.cpio, FILE...}.
// Every FILE is stored under its basename, in the given order (the first is the supervisor).
// Validates everything before writing; on failure OUT is left untouched.
// Returns 0 on success, 1 on a bad input file or write error, 2 on bad usage.
int mkarchive_run(const std::vector<std::string>& args, std::ostream& err);

}  // namespace bh::tools
