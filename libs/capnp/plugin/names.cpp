// capnpc-bh: name spelling, literals and primitive type tables.
#include "names.hpp"

#include <cctype>
#include <cstdio>
#include <cstring>

namespace bh::capnpc {

using capnp::schema::Type;
using capnp::schema::Value;

std::string upper_snake(std::string_view name) {
    std::string out;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (std::isupper(static_cast<unsigned char>(c)) && i != 0) out += '_';
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

std::string capitalize(std::string_view name) {
    std::string out(name);
    if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
    return out;
}

std::string file_stem(std::string_view path) {
    size_t slash = path.rfind('/');
    if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
    size_t dot = path.find('.');
    return std::string(path.substr(0, dot));
}

std::string string_literal(std::string_view bytes) {
    std::string out = "\"";
    for (unsigned char c : bytes) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\%03o", c);  // octal: never swallows the next char
            out += buf;
        }
    }
    return out + "\"";
}

std::string hex_literal(uint64_t bits, unsigned width) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx%s", static_cast<unsigned long long>(bits),
                  width > 32 ? "ull" : "u");
    return buf;
}

std::string primitive_type(Type::Which t) {
    switch (t) {
    case Type::BOOL: return "bool";
    case Type::INT8: return "int8_t";
    case Type::INT16: return "int16_t";
    case Type::INT32: return "int32_t";
    case Type::INT64: return "int64_t";
    case Type::UINT8: return "uint8_t";
    case Type::UINT16: return "uint16_t";
    case Type::UINT32: return "uint32_t";
    case Type::UINT64: return "uint64_t";
    case Type::FLOAT32: return "uint32_t";
    case Type::FLOAT64: return "uint64_t";
    default: return "";
    }
}

unsigned primitive_bits(Type::Which t) {
    switch (t) {
    case Type::BOOL: return 1;
    case Type::INT8: case Type::UINT8: return 8;
    case Type::INT16: case Type::UINT16: case Type::ENUM: return 16;
    case Type::INT32: case Type::UINT32: case Type::FLOAT32: return 32;
    case Type::INT64: case Type::UINT64: case Type::FLOAT64: return 64;
    default: return 0;
    }
}

uint64_t default_bits(Value::Reader v) {
    switch (v.which()) {
    case Value::BOOL: return v.getBool() ? 1 : 0;
    case Value::INT8: return static_cast<uint8_t>(v.getInt8());
    case Value::INT16: return static_cast<uint16_t>(v.getInt16());
    case Value::INT32: return static_cast<uint32_t>(v.getInt32());
    case Value::INT64: return static_cast<uint64_t>(v.getInt64());
    case Value::UINT8: return v.getUint8();
    case Value::UINT16: return v.getUint16();
    case Value::UINT32: return v.getUint32();
    case Value::UINT64: return v.getUint64();
    case Value::FLOAT32: {
        float f = v.getFloat32();
        uint32_t b;
        std::memcpy(&b, &f, sizeof b);
        return b;
    }
    case Value::FLOAT64: {
        double d = v.getFloat64();
        uint64_t b;
        std::memcpy(&b, &d, sizeof b);
        return b;
    }
    case Value::ENUM: return v.getEnum();
    default: return 0;
    }
}

}  // namespace bh::capnpc
