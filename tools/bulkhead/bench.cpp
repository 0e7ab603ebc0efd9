// Bench output: values echoed exactly as the kernel printed them, ratios computed on the host.
#include "bench.hpp"

#include <fmt/format.h>

#include "table.hpp"

namespace bh::cli {
namespace {

// The baseline's value, or nullptr with `warning` set when ratios cannot be computed.
const BenchMarker* baseline(const std::vector<BenchMarker>& benches, std::string& warning) {
    for (const BenchMarker& b : benches) {
        if (b.name != kBaselineBench) continue;
        if (b.value == 0) {
            warning = fmt::format("{} is 0: ratios omitted", kBaselineBench);
            return nullptr;
        }
        return &b;
    }
    warning = fmt::format("no {} benchmark: ratios omitted", kBaselineBench);
    return nullptr;
}

}  // namespace

std::string json_quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
            else out += c;
        }
    }
    return out + "\"";
}

std::string bench_json_line(const BenchMarker& b) {
    return fmt::format("{{\"name\": {}, \"value\": {}, \"unit\": {}}}", json_quote(b.name), b.value_text,
                       json_quote(b.unit));
}

std::vector<std::string> bench_json_lines(const std::vector<BenchMarker>& benches, std::string& warning) {
    std::vector<std::string> lines;
    for (const BenchMarker& b : benches) lines.push_back(bench_json_line(b));
    const BenchMarker* base = baseline(benches, warning);
    if (base == nullptr) return lines;
    for (const BenchMarker& b : benches) {
        if (b.name == kBaselineBench) continue;
        lines.push_back(fmt::format("{{\"name\": {}, \"value\": {:.2f}, \"unit\": {}}}",
                                    json_quote(b.name + "_ratio"), b.value / base->value,
                                    json_quote(std::string("x ") + kBaselineBench)));
    }
    return lines;
}

std::string bench_table(const std::vector<BenchMarker>& benches, std::string& warning, bool ratios) {
    const BenchMarker* base = ratios ? baseline(benches, warning) : nullptr;
    std::vector<std::vector<std::string>> rows;
    for (const BenchMarker& b : benches) {
        std::string ratio = base != nullptr ? fmt::format("{:.2f}x", b.value / base->value) : "-";
        rows.push_back({b.name, b.value_text, b.unit, ratio});
    }
    return format_table({"NAME", "VALUE", "UNIT", "RATIO"}, rows,
                        {Align::Left, Align::Right, Align::Left, Align::Right});
}

}  // namespace bh::cli
