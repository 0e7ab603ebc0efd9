// bulkhead-manifest: encode a TOML topology as the boot manifest, or dump a manifest as TOML.
//   bulkhead-manifest TOPOLOGY.toml -o manifest.bin
//   bulkhead-manifest --check TOPOLOGY.toml
//   bulkhead-manifest --dump manifest.bin
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "topology.hpp"

int main(int argc, char** argv) {
    CLI::App app{"Encode a Bulkhead topology (TOML) as the boot manifest (Cap'n Proto), or dump one."};
    std::string input, output;
    bool dump = false, check = false;
    app.add_option("input", input, "topology .toml (or, with --dump, a manifest)")->required();
    app.add_option("-o,--output", output, "manifest file to write");
    app.add_flag("--dump", dump, "print a manifest back as topology TOML");
    app.add_flag("--check", check, "validate the topology only");
    CLI11_PARSE(app, argc, argv);

    if (dump) {
        std::ifstream in(input, std::ios::binary);
        if (!in) {
            fmt::print(stderr, "bulkhead-manifest: cannot read {}\n", input);
            return 1;
        }
        std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::string text, error;
        if (!bh::topology::dump_manifest(bytes, text, error)) {
            fmt::print(stderr, "{}: {}\n", input, error);
            return 1;
        }
        fmt::print("{}", text);
        return 0;
    }

    bh::topology::Parsed p = bh::topology::parse_topology_file(input);
    for (const auto& problem : p.problems) fmt::print(stderr, "{}\n", problem.text());
    if (!p.problems.empty()) return 1;
    if (check) return 0;
    if (output.empty()) {
        fmt::print(stderr, "bulkhead-manifest: -o OUTPUT is required to encode\n");
        return 2;
    }
    std::vector<uint8_t> bytes = bh::topology::encode_manifest(p.topology);
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
        fmt::print(stderr, "bulkhead-manifest: cannot write {}\n", output);
        return 1;
    }
    return 0;
}
