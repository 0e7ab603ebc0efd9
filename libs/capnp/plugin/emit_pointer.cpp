// capnpc-bh: pointer fields (Text, Data, structs, lists) and the validation line of each field.
#include <capnp/schema.capnp.h>

#include "emitter.hpp"
#include "names.hpp"

namespace bh::capnpc {

using capnp::schema::Field;
using capnp::schema::Node;
using capnp::schema::Type;

namespace {

constexpr const char* W = "::bh::wire::";

// A generated accessor pair: reader getter and builder initialiser/setter.
struct Accessors {
    std::string reader_type, reader_expr;     // `T getX() const { return <expr>; }`
    std::string builder_ret, builder_name;    // `<ret> <name>(<params>) { <disc><body> }`
    std::string builder_body;
};

}  // namespace

void Emitter::emit_pointer(const std::string& q, Field::Reader f, const std::string& x, const std::string& set_disc) {
    auto slot = f.getSlot();
    Type::Reader type = slot.getType();
    auto dflt = slot.getDefaultValue();
    std::string p = std::to_string(slot.getOffset());
    std::string ref = "s_.pointer(" + p + ")";
    Accessors a;
    switch (type.which()) {
    case Type::TEXT: {
        std::string d;
        if (dflt.hasText() && dflt.getText().size() != 0)
            d = std::string(", ") + W + "Text(" + string_literal(dflt.getText().cStr()) + ", " +
                std::to_string(dflt.getText().size()) + ")";
        a = {std::string(W) + "Text", std::string(W) + "text_field(s_, " + p + d + ")",
             "void", "set" + x + "(" + W + "Text v)", "s_.set_text(" + p + ", v);"};
        break;
    }
    case Type::DATA: {
        std::string d;
        if (dflt.hasData() && dflt.getData().size() != 0) {
            auto bytes = dflt.getData();
            std::string s(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
            d = std::string(", ") + W + "Data(reinterpret_cast<const uint8_t*>(" + string_literal(s) + "), " +
                std::to_string(bytes.size()) + ")";
        }
        a = {std::string(W) + "Data", std::string(W) + "data_field(s_, " + p + d + ")",
             "void", "set" + x + "(" + W + "Data v)", "s_.set_data(" + p + ", v);"};
        builder_decls_ += "    std::span<uint8_t> init" + x + "(uint32_t n);\n";
        bodies_ += "inline std::span<uint8_t> " + q + "::Builder::init" + x + "(uint32_t n) { " + set_disc +
                   "return s_.init_data(" + p + ", n); }\n";
        break;
    }
    case Type::STRUCT: {
        if (dflt.getStruct().getAs<capnp::AnyPointer>().isNull() == false)
            throw Unsupported(filename_ + ": " + q + "." + f.getName().cStr() + ": struct defaults are not supported");
        std::string s = type_name(type.getStruct().getTypeId());
        a = {s + "::Reader", s + "::Reader(" + W + "struct_field(" + ref + "))", s + "::Builder", "init" + x + "()",
             "return " + s + "::Builder(s_.init_struct(" + p + ", " + s + "::kSize));"};
        break;
    }
    case Type::LIST: {
        if (!dflt.getList().getAs<capnp::AnyPointer>().isNull())
            throw Unsupported(filename_ + ": " + q + "." + f.getName().cStr() + ": list defaults are not supported");
        Type::Reader e = type.getList().getElementType();
        std::string list, builder, es, init;
        if (e.which() == Type::STRUCT) {
            std::string s = type_name(e.getStruct().getTypeId());
            list = std::string(W) + "StructList<" + s + "::Reader>";
            builder = std::string(W) + "StructListBuilder<" + s + "::Builder>";
            es = std::string(W) + "ElementSize::InlineComposite";
            init = "s_.init_struct_list(" + p + ", " + s + "::kSize, n)";
        } else if (e.which() == Type::TEXT || e.which() == Type::DATA) {
            bool text = e.which() == Type::TEXT;
            list = std::string(W) + (text ? "TextList" : "DataList");
            builder = std::string(W) + (text ? "TextListBuilder" : "DataListBuilder");
            es = std::string(W) + "ElementSize::Pointer";
            init = "s_.init_list(" + p + ", " + es + ", n)";
        } else if (primitive_bits(e.which()) != 0) {
            std::string t = e.which() == Type::ENUM ? type_name(e.getEnum().getTypeId()) : primitive_type(e.which());
            list = std::string(W) + "PrimitiveList<" + t + ">";
            builder = std::string(W) + "PrimitiveListBuilder<" + t + ">";
            es = list + "::kElementSize";
            init = "s_.init_list(" + p + ", " + es + ", n)";
        } else {
            throw Unsupported(filename_ + ": " + q + "." + f.getName().cStr() +
                              ": only lists of primitives, enums, structs, Text and Data are supported");
        }
        a = {list, list + "(" + W + "list_field(" + ref + ", " + es + "))", builder, "init" + x + "(uint32_t n)",
             "return " + builder + "(" + init + ");"};
        break;
    }
    default:
        throw Unsupported(filename_ + ": " + q + "." + f.getName().cStr() +
                          ": AnyPointer and interface fields are not supported");
    }
    reader_decls_ += "    " + a.reader_type + " get" + x + "() const;\n";
    bodies_ += "inline " + a.reader_type + " " + q + "::Reader::get" + x + "() const { return " + a.reader_expr + "; }\n";
    reader_decls_ += "    bool has" + x + "() const;\n";
    bodies_ += "inline bool " + q + "::Reader::has" + x + "() const { return !" + ref + ".is_null(); }\n";
    builder_decls_ += "    " + a.builder_ret + " " + a.builder_name + ";\n";
    bodies_ += "inline " + a.builder_ret + " " + q + "::Builder::" + a.builder_name + " { " + set_disc +
               a.builder_body + " }\n";
}

// The Walk call validating field `f`, or "" for fields without pointers.
std::string Emitter::check_line(Field::Reader f) {
    if (f.which() == Field::GROUP) return names_.at(f.getGroup().getTypeId()) + "::check(w, s, depth)";
    Type::Reader t = f.getSlot().getType();
    std::string ref = "s.pointer(" + std::to_string(f.getSlot().getOffset()) + ")";
    switch (t.which()) {
    case Type::TEXT: return "w.text(" + ref + ")";
    case Type::DATA: return "w.data(" + ref + ")";
    case Type::STRUCT: return "w.structure<" + type_name(t.getStruct().getTypeId()) + ">(" + ref + ", depth)";
    case Type::LIST: {
        Type::Reader e = t.getList().getElementType();
        if (e.which() == Type::STRUCT)
            return "w.struct_list<" + type_name(e.getStruct().getTypeId()) + ">(" + ref + ", depth)";
        if (e.which() == Type::TEXT) return "w.blob_list(" + ref + ", true, depth)";
        if (e.which() == Type::DATA) return "w.blob_list(" + ref + ", false, depth)";
        std::string es = e.which() == Type::BOOL ? "Bit" : e.which() == Type::ENUM ? "TwoBytes" : "";
        if (es.empty()) {
            unsigned bits = primitive_bits(e.which());
            es = bits == 8 ? "Byte" : bits == 16 ? "TwoBytes" : bits == 32 ? "FourBytes" : "EightBytes";
        }
        return "w.list(" + ref + ", " + W + "ElementSize::" + es + ", depth)";
    }
    default: return "";
    }
}

}  // namespace bh::capnpc
