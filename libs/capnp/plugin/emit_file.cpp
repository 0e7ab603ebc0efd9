// capnpc-bh: file-level generation — naming every node, enums, constants, the header frame.
#include <capnp/schema.capnp.h>

#include "emitter.hpp"
#include "names.hpp"

namespace bh::capnpc {

using capnp::schema::Node;
using capnp::schema::Type;
using capnp::schema::Value;

namespace {

std::string last_component(const std::string& q) {
    size_t at = q.rfind("::");
    return at == std::string::npos ? q : q.substr(at + 2);
}

}  // namespace

// Names every struct, enum, constant and group under `id` (groups are named after their field,
// capitalised, as libcapnp's generator does).
void Emitter::name_scope(uint64_t id, const std::string& qualified) {
    Node::Reader n = node(id);
    for (auto nested : n.getNestedNodes()) {
        if (loader_.tryGet(nested.getId()) == nullptr) continue;  // an import's unused node
        std::string q = qualified.empty() ? std::string(nested.getName().cStr())
                                          : qualified + "::" + nested.getName().cStr();
        names_[nested.getId()] = q;
        file_of_[nested.getId()] = file_of_[id];
        name_scope(nested.getId(), q);
    }
    if (n.which() != Node::STRUCT) return;
    for (auto f : n.getStruct().getFields()) {
        if (f.which() != capnp::schema::Field::GROUP) continue;
        uint64_t g = f.getGroup().getTypeId();
        names_[g] = qualified + "::" + capitalize(f.getName().cStr());
        file_of_[g] = file_of_[id];
        name_scope(g, names_[g]);
    }
}

std::string Emitter::type_name(uint64_t id) {
    auto found = names_.find(id);
    if (found == names_.end()) throw Unsupported(filename_ + ": refers to a type capnpc-bh did not load");
    uint64_t file = file_of_[id];
    if (file == file_id_) return found->second;
    std::string stem = file_stem(node(file).getDisplayName().cStr());
    foreign_[file] = stem;
    return "::bh::" + stem + "::" + found->second;
}

std::string Emitter::enum_body(Node::Reader n, const std::string& indent) const {
    std::string out = indent + "enum class " + last_component(names_.at(n.getId())) + " : uint16_t {\n";
    uint32_t value = 0;
    for (auto e : n.getEnum().getEnumerants())
        out += indent + "    " + upper_snake(e.getName().cStr()) + " = " + std::to_string(value++) + ",\n";
    return out + indent + "};\n";
}

// A constant as `prefix T NAME = value;` (prefix: "static constexpr" in a struct, "inline
// constexpr" at namespace scope).
std::string Emitter::const_decl(Node::Reader n, const std::string& prefix) const {
    std::string name = upper_snake(last_component(names_.at(n.getId())));
    Type::Reader t = n.getConst().getType();
    Value::Reader v = n.getConst().getValue();
    if (t.which() == Type::TEXT)
        return prefix + " ::bh::wire::Text " + name + " = ::bh::wire::Text(" +
               string_literal(v.getText().cStr()) + ", " + std::to_string(v.getText().size()) + ");\n";
    unsigned bits = primitive_bits(t.which());
    if (bits == 0 || t.which() == Type::ENUM)
        throw Unsupported(filename_ + ": constant " + name + ": only primitive and Text constants are supported");
    std::string type = primitive_type(t.which());
    bool is_float = t.which() == Type::FLOAT32 || t.which() == Type::FLOAT64;
    return prefix + " " + type + " " + name + (is_float ? "_BITS" : "") + " = static_cast<" + type + ">(" +
           hex_literal(default_bits(v), bits) + ");\n";
}

// Enums, constants and nested-struct declarations that live inside scope `n`.
void Emitter::scope_members(Node::Reader n, const std::string& indent, std::string& out) {
    bool in_struct = n.which() == Node::STRUCT;
    for (auto nested : n.getNestedNodes()) {
        Node::Reader c = node(nested.getId());
        switch (c.which()) {
        case Node::ENUM: out += enum_body(c, indent); break;
        case Node::CONST: out += const_decl(c, in_struct ? indent + "static constexpr" : "inline constexpr"); break;
        case Node::STRUCT:
            if (in_struct) out += indent + "struct " + nested.getName().cStr() + ";\n";
            break;
        case Node::INTERFACE:
            throw Unsupported(filename_ + ": interface " + nested.getName().cStr() +
                              ": capnpc-bh generates data types only");
        default: break;  // annotations: nothing to generate
        }
    }
}

std::string Emitter::file(uint64_t file_id, std::string_view filename) {
    filename_ = std::string(filename);
    file_id_ = file_id;
    skeletons_.clear();
    classes_.clear();
    bodies_.clear();
    foreign_.clear();
    for (auto& s : loader_.getAllLoaded()) {  // name every file's nodes, for imported types
        Node::Reader f = s.getProto();
        if (f.which() != Node::FILE) continue;
        file_of_[f.getId()] = f.getId();
        name_scope(f.getId(), "");
    }

    std::string top;
    Node::Reader file_node = node(file_id);
    scope_members(file_node, "", top);
    for (auto nested : file_node.getNestedNodes())
        if (node(nested.getId()).which() == Node::STRUCT) emit_struct(node(nested.getId()));

    std::string stem = file_stem(filename);
    std::string out = "// Generated by capnpc-bh from " + filename_ + ": do not edit.\n"
                      "// Allocation-free, bounds-checked readers and builders over bh/capnp/wire.hpp;\n"
                      "// names follow libcapnp's generator (getX/setX/initX/hasX/which/isX).\n"
                      "#pragma once\n\n#include <stdint.h>\n\n#include \"bh/capnp/wire.hpp\"\n";
    for (auto& [id, dep] : foreign_) out += "#include \"" + dep + ".bh.hpp\"\n";
    out += "\nnamespace bh::" + stem + " {\n\n" + top + (top.empty() ? "" : "\n") + skeletons_ + classes_ +
           bodies_ + "}  // namespace bh::" + stem + "\n";
    return out;
}

}  // namespace bh::capnpc
