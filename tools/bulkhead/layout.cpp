// Layout discovery from the executable's own path.
#include "layout.hpp"

#include <cstdlib>
#include <system_error>

// Build-relative paths of the host benchmarks, ':'-separated; meson passes them in.
#ifndef BH_HOST_BENCHES
#define BH_HOST_BENCHES ""
#endif

namespace bh::cli {

namespace fs = std::filesystem;

std::vector<fs::path> Layout::host_benches() const {
    std::vector<fs::path> out;
    const char* env = std::getenv("BULKHEAD_HOST_BENCHES");  // set, even empty, it replaces the list
    std::string_view all = env != nullptr ? env : BH_HOST_BENCHES;
    while (!all.empty()) {
        size_t colon = all.find(':');
        std::string_view one = all.substr(0, colon);
        if (!one.empty()) out.push_back(build / one);
        all = colon == std::string_view::npos ? std::string_view{} : all.substr(colon + 1);
    }
    return out;
}

Layout layout_from_exe(const fs::path& exe) {
    Layout l;
    const char* env = std::getenv("BULKHEAD_BUILD_DIR");
    if (env != nullptr && *env != '\0') {
        std::error_code ec;
        l.build = fs::absolute(env, ec);
        if (ec) l.build = env;
    } else {
        l.build = exe.parent_path().parent_path().parent_path();  // build/tools/bulkhead/bulkhead
    }
    l.source = l.build.parent_path();
    return l;
}

Layout current_layout() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) exe = fs::current_path() / "build/tools/bulkhead/bulkhead";
    return layout_from_exe(exe);
}

bool valid_scenario_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

std::string qemu_program() {
    const char* env = std::getenv("BULKHEAD_QEMU");
    return env != nullptr && *env != '\0' ? env : "qemu-system-x86_64";
}

}  // namespace bh::cli
