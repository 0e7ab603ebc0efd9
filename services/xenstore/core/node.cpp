// Node: one entry of the store — path, value, permissions, child names, generation.
#include "core/node.hpp"

namespace bh::xs {

namespace {

// Offset of name's entry in the packed list, or npos.
size_t find_child(std::string_view list, std::string_view name) {
    size_t off = 0;
    while (off < list.size()) {
        size_t end = list.find('\0', off);
        if (end == std::string_view::npos) end = list.size();
        if (list.substr(off, end - off) == name) return off;
        off = end + 1;
    }
    return std::string_view::npos;
}

}  // namespace

bool Node::copy_from(const Node& o) {
    Node fresh;
    if (!fresh.path.copy_from(o.path) || !fresh.value.copy_from(o.value) ||
        !fresh.perms.copy_from(o.perms) || !fresh.children.copy_from(o.children))
        return false;
    fresh.gen = o.gen;
    *this = static_cast<Node&&>(fresh);
    return true;
}

bool Node::add_child(std::string_view name) {
    if (!children.grow_for(children.size() + name.size() + 1)) return false;
    return children.append(name) && children.push_back('\0');
}

void Node::remove_child(std::string_view name) {
    size_t off = find_child(children.view(), name);
    if (off != std::string_view::npos) children.erase(off, name.size() + 1);
}

bool Node::has_child(std::string_view name) const {
    return find_child(children.view(), name) != std::string_view::npos;
}

size_t Node::child_count() const {
    size_t n = 0;
    for (char c : children.view()) n += c == '\0';
    return n;
}

}  // namespace bh::xs
