// Plain-text tables with aligned columns, for the domain and benchmark listings.
#pragma once

#include <string>
#include <vector>

#include "serial_log.hpp"

namespace bh::cli {

enum class Align { Left, Right };

// Renders `header` and `rows` with columns two spaces apart, each as wide as its widest cell;
// every line ends in '\n' with no trailing spaces. Rows shorter than the header are padded
// with empty cells; `align` may be shorter than the header (missing entries are Left).
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows,
                         const std::vector<Align>& align = {});

// The `demo --check` table: NAME ID STATE MEMORY QUOTA, memory in KiB.
std::string format_domain_table(const std::vector<DomainMarker>& domains);

}  // namespace bh::cli
