// Node paths: validation, relative → absolute, and the parent/child relations watches use.
#include "core/path.hpp"

#include "core/wire.hpp"

namespace bh::xs {

namespace {

bool valid_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '/' || c == '_' || c == '@';
}

}  // namespace

bool append_domain_path(ds::Bytes* out, uint16_t domid) {
    return out->append("/local/domain/") && out->append_uint(domid);
}

XsErr canonical_path(std::string_view in, uint16_t domid, bool allow_special, ds::Bytes* out,
                     size_t* prefix_len) {
    *prefix_len = 0;
    if (in.empty()) return XsErr::Inval;
    for (char c : in)
        if (!valid_char(c)) return XsErr::Inval;
    if (in[0] == '@' && !allow_special) return XsErr::Inval;
    bool relative = in[0] != '/' && in[0] != '@';
    if (relative && in.size() > kRelPathMax) return XsErr::Inval;

    ds::Bytes path;
    if (relative) {
        if (!append_domain_path(&path, domid) || !path.push_back('/')) return XsErr::NoMem;
        *prefix_len = path.size();
    }
    if (!path.append(in)) return XsErr::NoMem;
    std::string_view p = path.view();
    if (p.size() > kAbsPathMax) return XsErr::Inval;
    if (p.size() > 1 && p.back() == '/') return XsErr::Inval;
    if (p.find("//") != std::string_view::npos) return XsErr::Inval;
    *out = static_cast<ds::Bytes&&>(path);
    return XsErr::Ok;
}

bool is_child(std::string_view child, std::string_view parent, int depth) {
    if (child.substr(0, parent.size()) != parent) return false;
    size_t len = parent.size();
    if (len == child.size()) return true;
    // "/" ends in the separator itself; any other parent must be followed by one.
    bool root = parent == "/";
    if (!root && child[len] != '/') return false;
    if (depth < 0) return true;
    int levels = 1;
    for (size_t i = root ? len : len + 1; i < child.size(); i++) levels += child[i] == '/';
    return levels <= depth;
}

std::string_view parent_of(std::string_view path) {
    size_t slash = path.rfind('/');
    if (slash == 0 || slash == std::string_view::npos) return "/";
    return path.substr(0, slash);
}

std::string_view base_name(std::string_view path) {
    size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace bh::xs
