// Typed, located access to one TOML table, collecting a Problem for every wrong or unknown key.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "topology.hpp"

namespace bh::topology {

// Invariant: every key read through this object is remembered, so finish() can name the rest
// as unknown (a misspelt optional key must not silently fall back to its default).
class TableReader {
public:
    TableReader(const toml::table& t, std::string path, std::string_view file, std::vector<Problem>& out)
        : t_(t), path_(std::move(path)), file_(file), out_(out) {}

    // Absent: nullopt (a problem only if `required`). Wrong type: a problem and nullopt.
    std::optional<std::string> string(std::string_view key, bool required);
    std::optional<int64_t> integer(std::string_view key, bool required, int64_t min, int64_t max,
                                   std::string_view unit = "");
    std::optional<bool> boolean(std::string_view key, bool required);
    // One of `choices` (the schema's enumerants, in order): its index.
    std::optional<uint16_t> choice(std::string_view key, std::initializer_list<std::string_view> choices);
    const toml::table* table(std::string_view key);
    const toml::array* array(std::string_view key);
    bool has(std::string_view key) const { return t_.get(key) != nullptr; }
    // Reports keys never asked for.
    void finish();

    void problem(std::string_view key, const std::string& message, const toml::node* at = nullptr);
    int line() const { return static_cast<int>(t_.source().begin.line); }
    std::string key_path(std::string_view key) const;

private:
    const toml::node* find(std::string_view key);
    void wrong_type(std::string_view key, const toml::node& n, std::string_view wanted);

    const toml::table& t_;
    std::string path_;
    std::string file_;
    std::vector<Problem>& out_;
    std::set<std::string, std::less<>> used_;
};

}  // namespace bh::topology
