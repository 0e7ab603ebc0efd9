// Marker parsing: find the keyword, split `key=value` words, validate each field.
#include "serial_log.hpp"

#include <cstdlib>
#include <map>

namespace bh::cli {
namespace {

constexpr std::string_view kKeywords[] = {"BH-READY", "BH-DOMAIN", "BH-TEST", "BH-BENCH",
                                          "BH-SHUTDOWN", "BH-FAULT"};

std::vector<std::string_view> split_words(std::string_view s) {
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > start) words.push_back(s.substr(start, i - start));
    }
    return words;
}

bool parse_u64(std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 19) return false;  // 19 digits always fit in 64 bits
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    out = v;
    return true;
}

// key=value words after the keyword. Returns an error text, empty on success.
std::string parse_fields(const std::vector<std::string_view>& words,
                         std::map<std::string, std::string, std::less<>>& fields) {
    for (size_t i = 1; i < words.size(); ++i) {
        size_t eq = words[i].find('=');
        if (eq == std::string_view::npos || eq == 0)
            return "word '" + std::string(words[i]) + "' is not key=value";
        std::string key(words[i].substr(0, eq));
        if (!fields.emplace(key, std::string(words[i].substr(eq + 1))).second)
            return "field '" + key + "' given twice";
    }
    return {};
}

// Fetches a required field; on failure appends to `why`.
bool need(const std::map<std::string, std::string, std::less<>>& fields, std::string_view key,
          std::string& out, std::string& why) {
    auto it = fields.find(key);
    if (it == fields.end() || it->second.empty()) {
        why = "missing " + std::string(key) + "=";
        return false;
    }
    out = it->second;
    return true;
}

bool need_u64(const std::map<std::string, std::string, std::less<>>& fields, std::string_view key,
              uint64_t& out, std::string& why) {
    std::string text;
    if (!need(fields, key, text, why)) return false;
    if (!parse_u64(text, out)) {
        why = std::string(key) + "=" + text + " is not a decimal number";
        return false;
    }
    return true;
}

// Parses the marker starting at `marker` (the keyword is words[0]); error text or empty.
std::string parse_marker(std::string_view keyword, std::string_view marker, SerialLog& log) {
    std::vector<std::string_view> words = split_words(marker);
    if (keyword == "BH-FAULT") {
        log.faults.emplace_back(marker);
        return {};
    }
    if (keyword == "BH-TEST") {
        if (words.size() < 3) return "expected 'BH-TEST <scenario> PASS|FAIL <text>'";
        TestMarker t;
        t.scenario = words[1];
        if (words[2] == "PASS") t.pass = true;
        else if (words[2] != "FAIL") return "verdict '" + std::string(words[2]) + "' is not PASS or FAIL";
        size_t text_at = static_cast<size_t>(words[2].data() + words[2].size() - marker.data());
        std::string_view rest = marker.substr(text_at);
        while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
        t.text = rest;
        log.tests.push_back(std::move(t));
        return {};
    }
    std::map<std::string, std::string, std::less<>> f;
    std::string why = parse_fields(words, f);
    if (!why.empty()) return why;
    if (keyword == "BH-READY") {
        ReadyMarker r;
        if (!need(f, "name", r.name, why) || !need_u64(f, "id", r.id, why)) return why;
        log.ready.push_back(std::move(r));
    } else if (keyword == "BH-DOMAIN") {
        DomainMarker d;
        if (!need(f, "name", d.name, why) || !need_u64(f, "id", d.id, why) ||
            !need(f, "state", d.state, why) || !need_u64(f, "mem", d.mem_kib, why) ||
            !need_u64(f, "quota", d.quota_kib, why))
            return why;
        log.domains.push_back(std::move(d));
    } else if (keyword == "BH-BENCH") {
        BenchMarker b;
        if (!need(f, "name", b.name, why) || !need(f, "value", b.value_text, why) ||
            !need(f, "unit", b.unit, why))
            return why;
        if (!is_json_number(b.value_text)) return "value=" + b.value_text + " is not a number";
        b.value = std::strtod(b.value_text.c_str(), nullptr);
        log.benches.push_back(std::move(b));
    } else {  // BH-SHUTDOWN
        std::string code;
        if (!need(f, "code", code, why)) return why;
        if (code != "0" && code != "1") return "code=" + code + " is not 0 or 1";
        log.shutdown_code = code == "1" ? 1 : 0;
    }
    return {};
}

}  // namespace

bool is_json_number(std::string_view s) {
    size_t i = 0;
    auto digits = [&] {
        size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        return i > start;
    };
    if (i < s.size() && s[i] == '-') ++i;
    if (i < s.size() && s[i] == '0') ++i;
    else if (!digits()) return false;
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!digits()) return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (!digits()) return false;
    }
    return i == s.size();
}

void parse_serial_line(std::string_view line, SerialLog& log) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    for (size_t at = line.find("BH-"); at != std::string_view::npos; at = line.find("BH-", at + 1)) {
        if (at > 0 && line[at - 1] != ' ' && line[at - 1] != '\t') continue;
        std::string_view marker = line.substr(at);
        for (std::string_view kw : kKeywords) {
            if (marker.substr(0, kw.size()) != kw) continue;
            if (marker.size() > kw.size() && marker[kw.size()] != ' ') continue;
            std::string why = parse_marker(kw, marker, log);
            if (!why.empty()) log.malformed.push_back(std::string(marker) + "  (" + why + ")");
            return;  // one marker per line
        }
    }
}

SerialLog parse_serial_log(std::string_view text) {
    SerialLog log;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        parse_serial_line(text.substr(0, nl), log);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return log;
}

}  // namespace bh::cli
