// capnpc-bh: turns the schema nodes of one .capnp file into a <stem>.bh.hpp header.
#pragma once

#include <capnp/schema-loader.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bh::capnpc {

// A schema feature the generated code does not support, named by file and field.
struct Unsupported : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Generated code is written in three passes so that every type is complete where it is used:
// skeletons (the struct with its enums, sizes and nested declarations), then the Reader and
// Builder classes (declarations only), then every member function as an inline definition.
class Emitter {
public:
    explicit Emitter(const capnp::SchemaLoader& loader) : loader_(loader) {}

    // The whole header for the file node `file_id` (requested as `filename`).
    std::string file(uint64_t file_id, std::string_view filename);

private:
    using NodeReader = capnp::schema::Node::Reader;
    using FieldReader = capnp::schema::Field::Reader;

    NodeReader node(uint64_t id) const { return loader_.get(id).getProto(); }
    void name_scope(uint64_t id, const std::string& qualified);
    void scope_members(NodeReader n, const std::string& indent, std::string& out);
    void emit_struct(NodeReader n);
    void emit_field(NodeReader owner, FieldReader f, const std::string& disc);
    void emit_slot(const std::string& q, FieldReader f, const std::string& getter, const std::string& set_disc);
    void emit_pointer(const std::string& q, FieldReader f, const std::string& getter, const std::string& set_disc);
    std::string check_line(FieldReader f);
    std::string enum_body(NodeReader n, const std::string& indent) const;
    std::string where(NodeReader owner, FieldReader f) const;
    std::string type_name(uint64_t id);  // relative to this file's namespace, or fully qualified
    std::string const_decl(NodeReader n, const std::string& prefix) const;

    const capnp::SchemaLoader& loader_;
    std::string filename_;
    uint64_t file_id_ = 0;
    std::map<uint64_t, std::string> names_;  // node id -> C++ name relative to its namespace
    std::map<uint64_t, uint64_t> file_of_;   // node id -> id of the file declaring it
    std::map<uint64_t, std::string> foreign_;  // imported file id -> its stem (to #include)
    std::string skeletons_, classes_, bodies_;
    std::string reader_decls_, builder_decls_, checks_;
};

}  // namespace bh::capnpc
