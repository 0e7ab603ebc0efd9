// A minimal JSON object walker: decodes top-level string fields, skips every other value.
#include "testlog.hpp"

#include <fmt/format.h>

namespace bh::cli {
namespace {

// Walks one JSON text. Every method returns false on malformed input and sets `error`.
class JsonCursor {
public:
    explicit JsonCursor(std::string_view s) : s_(s) {}

    std::string error;

    void skip_ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
    }
    bool at_end() const { return i_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[i_]; }

    bool expect(char c) {
        skip_ws();
        if (peek() != c) return fail(fmt::format("expected '{}' at offset {}", c, i_));
        ++i_;
        return true;
    }

    bool string(std::string& out) {
        skip_ws();
        if (peek() != '"') return fail(fmt::format("expected a string at offset {}", i_));
        ++i_;
        out.clear();
        while (!at_end()) {
            char c = s_[i_++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (at_end()) break;
            char e = s_[i_++];
            switch (e) {
            case '"': case '\\': case '/': out += e; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': if (!unicode_escape(out)) return false; break;
            default: return fail(fmt::format("bad escape '\\{}'", e));
            }
        }
        return fail("unterminated string");
    }

    // Skips any value without recursion: nesting is tracked on an explicit stack.
    bool skip_value() {
        skip_ws();
        if (peek() == '"') {
            std::string ignored;
            return string(ignored);
        }
        if (peek() != '{' && peek() != '[') return scalar();
        std::string open;
        std::string ignored;
        while (!at_end()) {
            char c = s_[i_];
            if (c == '"') {
                if (!string(ignored)) return false;
                continue;
            }
            ++i_;
            if (c == '{' || c == '[') open += c;
            if (c == '}' || c == ']') {
                if (open.empty() || open.back() != (c == '}' ? '{' : '['))
                    return fail(fmt::format("unbalanced '{}'", c));
                open.pop_back();
                if (open.empty()) return true;
            }
        }
        return fail("unterminated object or array");
    }

private:
    bool fail(std::string why) {
        if (error.empty()) error = std::move(why);
        return false;
    }

    bool hex4(uint32_t& v) {
        if (i_ + 4 > s_.size()) return fail("short \\u escape");
        v = 0;
        for (int k = 0; k < 4; ++k) {
            char h = s_[i_++];
            uint32_t d = h >= '0' && h <= '9' ? static_cast<uint32_t>(h - '0')
                       : h >= 'a' && h <= 'f' ? static_cast<uint32_t>(h - 'a' + 10)
                       : h >= 'A' && h <= 'F' ? static_cast<uint32_t>(h - 'A' + 10) : 99;
            if (d == 99) return fail("bad hex digit in \\u escape");
            v = v * 16 + d;
        }
        return true;
    }

    bool unicode_escape(std::string& out) {
        uint32_t cp;
        if (!hex4(cp)) return false;
        if (cp >= 0xd800 && cp < 0xdc00 && s_.substr(i_, 2) == "\\u") {
            i_ += 2;
            uint32_t lo;
            if (!hex4(lo)) return false;
            if (lo < 0xdc00 || lo >= 0xe000) return fail("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
        return true;
    }

    // Numbers, true, false, null: consumed up to the next delimiter.
    bool scalar() {
        size_t start = i_;
        while (!at_end() && std::string_view(",}] \t\r\n").find(s_[i_]) == std::string_view::npos) ++i_;
        if (i_ == start) return fail(fmt::format("expected a value at offset {}", start));
        return true;
    }

    std::string_view s_;
    size_t i_ = 0;
};

}  // namespace

std::string parse_testlog_line(std::string_view line, TestRecord& out) {
    JsonCursor j(line);
    bool have_name = false, have_result = false;
    if (!j.expect('{')) return j.error;
    j.skip_ws();
    if (j.peek() == '}') return "empty object";
    for (;;) {
        std::string key;
        if (!j.string(key) || !j.expect(':')) return j.error;
        j.skip_ws();
        bool wanted = (key == "name" || key == "result") && j.peek() == '"';
        if (wanted) {
            std::string& dst = key == "name" ? out.name : out.result;
            if (!j.string(dst)) return j.error;
            (key == "name" ? have_name : have_result) = true;
        } else if (!j.skip_value()) {
            return j.error;
        }
        j.skip_ws();
        if (j.peek() == ',') {
            j.expect(',');
            continue;
        }
        if (!j.expect('}')) return j.error;
        break;
    }
    j.skip_ws();
    if (!j.at_end()) return "trailing text after the object";
    if (!have_result) return "no \"result\" string field";
    if (!have_name) return "no \"name\" string field";
    return {};
}

void count_result(const TestRecord& r, TestCounts& c) {
    if (r.result == "OK" || r.result == "EXPECTEDFAIL") {
        ++c.passed;
    } else if (r.result == "SKIP") {
        ++c.skipped;
    } else {
        ++c.failed;
        c.failed_names.push_back(fmt::format("{} ({})", r.name, r.result));
    }
}

TestCounts count_testlog(std::string_view text, std::vector<std::string>& errors) {
    TestCounts c;
    size_t line_no = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        TestRecord r;
        std::string why = parse_testlog_line(line, r);
        if (!why.empty()) {
            // An unreadable record is a test whose result is unknown: it must not pass silently.
            errors.push_back(fmt::format("line {}: {}", line_no, why));
            ++c.failed;
            c.failed_names.push_back(fmt::format("testlog.json line {} (unreadable)", line_no));
            continue;
        }
        count_result(r, c);
    }
    return c;
}

std::string summary_line(const TestCounts& c) {
    std::string s = fmt::format("{} passed, {} failed", c.passed, c.failed);
    if (c.skipped > 0) s += fmt::format(", {} skipped", c.skipped);
    return s;
}

}  // namespace bh::cli
