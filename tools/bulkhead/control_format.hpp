// What the control verbs print (`bulkhead list` as xl does) and which arguments they accept.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "control_reply.hpp"

namespace bh::cli {

// xl's six-character state column: r----- -b---- --p--- ---s-- ----c- -----d ("------" if unknown).
std::string_view state_letters(DomainState s);

// The state as a word for --json: running, blocked, paused, shutdown, crashed, dying, unknown.
std::string_view state_word(DomainState s);

// `xl list` columns: Name ID Mem VCPUs State Time(s); Mem in MiB rounded up, Time in seconds
// with one decimal (rounded to nearest).
std::string format_list_table(const std::vector<DomainRow>& rows);

// One JSON array, an object a line: name, id, mem_kib, vcpus, state, cpu_time_s (exact, from
// nanoseconds), restarts.
std::string format_list_json(const std::vector<DomainRow>& rows);

// `text` as a JSON string literal (quotes included); control bytes as \u00XX.
std::string json_string(std::string_view text);

// Domain names: letters, digits, '-', '_', '.', 1 to 64 characters. The reason, or empty.
std::string check_domain_name(std::string_view name);

// Xenstore paths: 1 to 3072 printable ASCII characters (xs_wire's XENSTORE_ABS_PATH_MAX).
std::string check_xenstore_path(std::string_view path);

// Xenstore values: at most 4096 bytes (XENSTORE_PAYLOAD_MAX), no NUL.
std::string check_xenstore_value(std::string_view value);

}  // namespace bh::cli
