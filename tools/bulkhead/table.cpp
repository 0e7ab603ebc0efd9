// Column widths are computed over header and rows; alignment pads on the chosen side.
#include "table.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace bh::cli {

std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows,
                         const std::vector<Align>& align) {
    size_t cols = header.size();
    for (const auto& r : rows) cols = std::max(cols, r.size());
    std::vector<size_t> width(cols, 0);
    auto cell = [](const std::vector<std::string>& r, size_t c) -> std::string {
        return c < r.size() ? r[c] : std::string();
    };
    for (size_t c = 0; c < cols; ++c) {
        width[c] = cell(header, c).size();
        for (const auto& r : rows) width[c] = std::max(width[c], cell(r, c).size());
    }
    std::string out;
    auto emit = [&](const std::vector<std::string>& r) {
        std::string line;
        for (size_t c = 0; c < cols; ++c) {
            std::string text = cell(r, c);
            std::string pad(width[c] - text.size(), ' ');
            bool right = c < align.size() && align[c] == Align::Right;
            if (c > 0) line += "  ";
            line += right ? pad + text : text + pad;
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    };
    emit(header);
    for (const auto& r : rows) emit(r);
    return out;
}

std::string format_domain_table(const std::vector<DomainMarker>& domains) {
    std::vector<std::vector<std::string>> rows;
    for (const DomainMarker& d : domains)
        rows.push_back({d.name, std::to_string(d.id), d.state, fmt::format("{} KiB", d.mem_kib),
                        fmt::format("{} KiB", d.quota_kib)});
    return format_table({"NAME", "ID", "STATE", "MEMORY", "QUOTA"}, rows,
                        {Align::Left, Align::Right, Align::Left, Align::Right, Align::Right});
}

}  // namespace bh::cli
