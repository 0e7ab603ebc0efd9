// TableReader: typed TOML lookups that turn every mismatch into a located Problem.
#include "table_reader.hpp"

#include <fmt/format.h>

namespace bh::topology {

namespace {

std::string_view type_name(const toml::node& n) {
    switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    default: return "a date/time";
    }
}

}  // namespace

std::string Problem::text() const { return fmt::format("{}:{}: {}: {}", file, line, key, message); }

std::string TableReader::key_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

void TableReader::problem(std::string_view key, const std::string& message, const toml::node* at) {
    if (at == nullptr) at = t_.get(key);  // a key that is there: point at its own line
    int l = at != nullptr && at->source().begin.line != 0 ? static_cast<int>(at->source().begin.line) : line();
    out_.push_back(Problem{file_, l, key_path(key), message});
}

const toml::node* TableReader::find(std::string_view key) {
    used_.emplace(key);
    return t_.get(key);
}

void TableReader::wrong_type(std::string_view key, const toml::node& n, std::string_view wanted) {
    problem(key, fmt::format("must be {}, not {}", wanted, type_name(n)), &n);
}

std::optional<std::string> TableReader::string(std::string_view key, bool required) {
    const toml::node* n = find(key);
    if (n == nullptr) {
        if (required) problem(key, "is required");
        return std::nullopt;
    }
    if (!n->is_string()) {
        wrong_type(key, *n, "a string");
        return std::nullopt;
    }
    return std::string(n->as_string()->get());
}

std::optional<bool> TableReader::boolean(std::string_view key, bool required) {
    const toml::node* n = find(key);
    if (n == nullptr) {
        if (required) problem(key, "is required");
        return std::nullopt;
    }
    if (!n->is_boolean()) {
        wrong_type(key, *n, "a boolean");
        return std::nullopt;
    }
    return n->as_boolean()->get();
}

std::optional<int64_t> TableReader::integer(std::string_view key, bool required, int64_t min, int64_t max,
                                            std::string_view unit) {
    const toml::node* n = find(key);
    if (n == nullptr) {
        if (required) problem(key, "is required");
        return std::nullopt;
    }
    if (!n->is_integer()) {
        wrong_type(key, *n, "an integer");
        return std::nullopt;
    }
    int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
        problem(key, fmt::format("must be between {} and {}{}{}, got {}", min, max, unit.empty() ? "" : " ", unit, v), n);
        return std::nullopt;
    }
    return v;
}

std::optional<uint16_t> TableReader::choice(std::string_view key, std::initializer_list<std::string_view> choices) {
    const toml::node* n = t_.get(key);
    std::optional<std::string> s = string(key, false);
    if (!s) return std::nullopt;
    uint16_t i = 0;
    for (std::string_view c : choices) {
        if (*s == c) return i;
        ++i;
    }
    std::string list;
    for (std::string_view c : choices) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", c);
    problem(key, fmt::format("must be one of {}, got \"{}\"", list, *s), n);
    return std::nullopt;
}

const toml::table* TableReader::table(std::string_view key) {
    const toml::node* n = find(key);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) {
        wrong_type(key, *n, "a table");
        return nullptr;
    }
    return n->as_table();
}

const toml::array* TableReader::array(std::string_view key) {
    const toml::node* n = find(key);
    if (n == nullptr) return nullptr;
    if (!n->is_array()) {
        wrong_type(key, *n, "an array");
        return nullptr;
    }
    return n->as_array();
}

void TableReader::finish() {
    for (auto&& [k, v] : t_)
        if (used_.find(k.str()) == used_.end()) problem(k.str(), "unknown key", &v);
}

}  // namespace bh::topology
