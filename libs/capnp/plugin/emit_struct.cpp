// capnpc-bh: per-struct generation — skeleton, Reader/Builder classes, field accessors, check().
#include <capnp/schema.capnp.h>

#include "emitter.hpp"
#include "names.hpp"

namespace bh::capnpc {

using capnp::schema::Field;
using capnp::schema::Node;
using capnp::schema::Type;

namespace {

constexpr const char* W = "::bh::wire::";

std::string unsigned_of(unsigned bits) {
    return bits == 1 ? "bool" : "uint" + std::to_string(bits) + "_t";
}

}  // namespace

std::string Emitter::where(Node::Reader owner, Field::Reader f) const {
    return filename_ + ": " + names_.at(owner.getId()) + "." + f.getName().cStr();
}

void Emitter::emit_struct(Node::Reader n) {
    const std::string q = names_.at(n.getId());
    auto st = n.getStruct();
    bool has_union = st.getDiscriminantCount() != 0;
    std::string sk = "struct " + q + " {\n";
    sk += "    static constexpr uint64_t kTypeId = " + hex_literal(n.getId(), 64) + ";\n";
    sk += "    static constexpr " + std::string(W) + "StructSize kSize{" + std::to_string(st.getDataWordCount()) +
          ", " + std::to_string(st.getPointerCount()) + "};\n";
    if (has_union) {
        sk += "    enum class Which : uint16_t {\n";
        for (auto f : st.getFields())
            if (f.getDiscriminantValue() != Field::NO_DISCRIMINANT)
                sk += "        " + upper_snake(f.getName().cStr()) + " = " + std::to_string(f.getDiscriminantValue()) + ",\n";
        sk += "    };\n";
    }
    scope_members(n, "    ", sk);
    for (auto f : st.getFields())
        if (f.which() == Field::GROUP) sk += "    struct " + capitalize(f.getName().cStr()) + ";\n";
    sk += "    class Reader;\n    class Builder;\n";
    sk += "    // Validates every pointer this struct's fields reach (see wire::Walk).\n";
    sk += "    static " + std::string(W) + "Error check(" + W + "Walk& w, const " + W +
          "StructReader& s, uint32_t depth);\n};\n\n";
    skeletons_ += sk;

    reader_decls_.clear();
    builder_decls_.clear();
    checks_.clear();
    std::string disc = std::to_string(st.getDiscriminantOffset());
    std::string cases;
    if (has_union) {
        reader_decls_ += "    Which which() const;\n";
        bodies_ += "inline " + q + "::Which " + q + "::Reader::which() const { return static_cast<Which>(s_.get<uint16_t>(" +
                   disc + ")); }\n";
    }
    for (auto f : st.getFields()) {
        emit_field(n, f, disc);
        std::string c = check_line(f);
        if (c.empty()) continue;
        std::string line = "    if ((e = " + c + ") != " + W + "Error::None) return e;\n";
        if (f.getDiscriminantValue() == Field::NO_DISCRIMINANT) checks_ += line;
        else cases += "    case " + std::to_string(f.getDiscriminantValue()) + ":\n    " + line + "        break;\n";
    }

    classes_ += "class " + q + "::Reader {\npublic:\n    using Schema = " + q + ";\n    Reader() = default;\n" +
                "    explicit Reader(" + W + "StructReader s) : s_(s) {}\n    " + W +
                "StructReader raw() const { return s_; }\n" + reader_decls_ + "\nprivate:\n    " + W +
                "StructReader s_;\n};\n\n";
    classes_ += "class " + q + "::Builder {\npublic:\n    using Schema = " + q + ";\n    Builder() = default;\n" +
                "    explicit Builder(" + W + "StructBuilder s) : s_(s) {}\n" + builder_decls_ + "\nprivate:\n    " + W +
                "StructBuilder s_;\n};\n\n";

    bodies_ += "inline " + std::string(W) + "Error " + q + "::check(" + W + "Walk& w, const " + W +
               "StructReader& s, uint32_t depth) {\n    " + W + "Error e = " + W +
               "Error::None;\n    static_cast<void>(w);\n    static_cast<void>(s);\n    static_cast<void>(depth);\n" +
               checks_;
    if (!cases.empty())
        bodies_ += "    switch (s.get<uint16_t>(" + disc + ")) {\n" + cases + "    default:\n        break;\n    }\n";
    bodies_ += "    return e;\n}\n\n";

    for (auto nested : n.getNestedNodes())
        if (node(nested.getId()).which() == Node::STRUCT) emit_struct(node(nested.getId()));
    for (auto f : st.getFields())
        if (f.which() == Field::GROUP) emit_struct(node(f.getGroup().getTypeId()));
}

void Emitter::emit_field(Node::Reader owner, Field::Reader f, const std::string& disc) {
    const std::string q = names_.at(owner.getId());
    std::string x = capitalize(f.getName().cStr());
    bool in_union = f.getDiscriminantValue() != Field::NO_DISCRIMINANT;
    std::string set_disc;
    if (in_union) {
        std::string tag = "Which::" + upper_snake(f.getName().cStr());
        set_disc = "s_.set<uint16_t>(" + disc + ", static_cast<uint16_t>(" + tag + ")); ";
        reader_decls_ += "    bool is" + x + "() const;\n";
        bodies_ += "inline bool " + q + "::Reader::is" + x + "() const { return which() == " + tag + "; }\n";
    }
    if (f.which() == Field::GROUP) {
        std::string g = names_.at(f.getGroup().getTypeId());
        reader_decls_ += "    " + g + "::Reader get" + x + "() const;\n";
        bodies_ += "inline " + g + "::Reader " + q + "::Reader::get" + x + "() const { return " + g + "::Reader(s_); }\n";
        builder_decls_ += "    " + g + "::Builder init" + x + "();\n";
        bodies_ += "inline " + g + "::Builder " + q + "::Builder::init" + x + "() { " + set_disc + "return " + g +
                   "::Builder(s_); }\n";
        return;
    }
    Type::Which t = f.getSlot().getType().which();
    if (t == Type::VOID) {
        if (!in_union) return;  // a plain Void field carries nothing
        builder_decls_ += "    void set" + x + "();\n";
        bodies_ += "inline void " + q + "::Builder::set" + x + "() { " + set_disc + "}\n";
    } else if (primitive_bits(t) != 0) {
        emit_slot(q, f, x, set_disc);
    } else {
        emit_pointer(q, f, x, set_disc);
    }
}

// Bool, integer, float (as raw bits) and enum fields: stored XOR-ed with their default.
void Emitter::emit_slot(const std::string& q, Field::Reader f, const std::string& x, const std::string& set_disc) {
    auto slot = f.getSlot();
    Type::Which t = slot.getType().which();
    std::string off = std::to_string(slot.getOffset());
    unsigned bits = primitive_bits(t);
    std::string d = hex_literal(default_bits(slot.getDefaultValue()), bits);
    if (t == Type::BOOL) {
        std::string db = default_bits(slot.getDefaultValue()) ? "true" : "false";
        reader_decls_ += "    bool get" + x + "() const;\n";
        bodies_ += "inline bool " + q + "::Reader::get" + x + "() const { return s_.get_bool(" + off + ") != " + db + "; }\n";
        builder_decls_ += "    void set" + x + "(bool v);\n";
        bodies_ += "inline void " + q + "::Builder::set" + x + "(bool v) { " + set_disc + "s_.set_bool(" + off +
                   ", v != " + db + "); }\n";
        return;
    }
    std::string u = unsigned_of(bits);
    std::string type = t == Type::ENUM ? type_name(slot.getType().getEnum().getTypeId()) : primitive_type(t);
    std::string name = (t == Type::FLOAT32 || t == Type::FLOAT64) ? x + "Bits" : x;
    std::string raw = "s_.get<" + u + ">(" + off + ")";
    std::string in = t == Type::ENUM ? "static_cast<uint16_t>(v)" : "v";
    if (default_bits(slot.getDefaultValue()) != 0) {
        raw = "static_cast<" + u + ">(" + raw + " ^ " + d + ")";
        in = "static_cast<" + u + ">(static_cast<" + u + ">(v) ^ " + d + ")";
    }
    if (type != u) raw = "static_cast<" + type + ">(" + raw + ")";
    reader_decls_ += "    " + type + " get" + name + "() const;\n";
    bodies_ += "inline " + type + " " + q + "::Reader::get" + name + "() const { return " + raw + "; }\n";
    builder_decls_ += "    void set" + name + "(" + type + " v);\n";
    bodies_ += "inline void " + q + "::Builder::set" + name + "(" + type + " v) { " + set_disc + "s_.set<" + u +
               ">(" + off + ", " + in + "); }\n";
}

}  // namespace bh::capnpc
