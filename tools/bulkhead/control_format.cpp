// Listing and argument rules for the control verbs; integer arithmetic only, so the printed
// times are exact and the same on every host.
#include "control_format.hpp"

#include <fmt/format.h>

#include "table.hpp"

namespace bh::cli {
namespace {

constexpr size_t kMaxNameLength = 64;
constexpr size_t kMaxPathLength = 3072;   // XENSTORE_ABS_PATH_MAX
constexpr size_t kMaxValueLength = 4096;  // XENSTORE_PAYLOAD_MAX
constexpr uint64_t kNsPerTenth = 100'000'000;
constexpr uint64_t kNsPerSecond = 1'000'000'000;

}  // namespace

std::string_view state_letters(DomainState s) {
    switch (s) {
        case DomainState::Running: return "r-----";
        case DomainState::Blocked: return "-b----";
        case DomainState::Paused: return "--p---";
        case DomainState::Shutdown: return "---s--";
        case DomainState::Crashed: return "----c-";
        case DomainState::Dying: return "-----d";
        case DomainState::Unknown: break;
    }
    return "------";
}

std::string_view state_word(DomainState s) {
    switch (s) {
        case DomainState::Running: return "running";
        case DomainState::Blocked: return "blocked";
        case DomainState::Paused: return "paused";
        case DomainState::Shutdown: return "shutdown";
        case DomainState::Crashed: return "crashed";
        case DomainState::Dying: return "dying";
        case DomainState::Unknown: break;
    }
    return "unknown";
}

std::string format_list_table(const std::vector<DomainRow>& rows) {
    std::vector<std::vector<std::string>> cells;
    for (const DomainRow& d : rows) {
        uint64_t mib = d.mem_kib / 1024 + (d.mem_kib % 1024 != 0 ? 1 : 0);
        uint64_t tenths = d.cpu_time_ns / kNsPerTenth + (d.cpu_time_ns % kNsPerTenth >= kNsPerTenth / 2 ? 1 : 0);
        cells.push_back({d.name, std::to_string(d.id), std::to_string(mib), std::to_string(d.vcpus),
                         std::string(state_letters(d.state)), fmt::format("{}.{}", tenths / 10, tenths % 10)});
    }
    return format_table({"Name", "ID", "Mem", "VCPUs", "State", "Time(s)"}, cells,
                        {Align::Left, Align::Right, Align::Right, Align::Right, Align::Left, Align::Right});
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\u{:04x}", c);
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

std::string format_list_json(const std::vector<DomainRow>& rows) {
    if (rows.empty()) return "[]\n";
    std::string out = "[\n";
    for (size_t i = 0; i < rows.size(); ++i) {
        const DomainRow& d = rows[i];
        // Seconds with all nine decimals, then trailing zeros dropped (one kept): 12.5, 0.0.
        std::string secs = fmt::format("{}.{:09}", d.cpu_time_ns / kNsPerSecond, d.cpu_time_ns % kNsPerSecond);
        while (secs.size() > 2 && secs.back() == '0' && secs[secs.size() - 2] != '.') secs.pop_back();
        out += fmt::format("  {{\"name\": {}, \"id\": {}, \"mem_kib\": {}, \"vcpus\": {}, \"state\": \"{}\", "
                           "\"cpu_time_s\": {}, \"restarts\": {}}}{}\n",
                           json_string(d.name), d.id, d.mem_kib, d.vcpus, state_word(d.state), secs, d.restarts,
                           i + 1 < rows.size() ? "," : "");
    }
    return out + "]\n";
}

std::string check_domain_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLength)
        return fmt::format("domain names are 1 to {} characters", kMaxNameLength);
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '_' || c == '.';
        if (!ok) return "domain names use only letters, digits, '-', '_' and '.'";
    }
    return {};
}

std::string check_xenstore_path(std::string_view path) {
    if (path.empty() || path.size() > kMaxPathLength)
        return fmt::format("xenstore paths are 1 to {} characters", kMaxPathLength);
    for (char c : path) {
        if (c < 0x20 || c > 0x7e) return "xenstore paths use only printable ASCII characters";
    }
    return {};
}

std::string check_xenstore_value(std::string_view value) {
    if (value.size() > kMaxValueLength) return fmt::format("xenstore values are at most {} bytes", kMaxValueLength);
    if (value.find('\0') != std::string_view::npos) return "xenstore values cannot contain NUL";
    return {};
}

}  // namespace bh::cli
