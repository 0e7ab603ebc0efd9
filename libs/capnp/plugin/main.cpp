// capnpc-bh: the project's `capnp compile` plugin. Reads a CodeGeneratorRequest on stdin and
// writes <stem>.bh.hpp for every requested file into the current directory (capnp runs plugins
// in the output directory). Usage: capnp compile -o/path/to/capnpc-bh:OUTDIR schema.capnp
#include <capnp/schema-loader.h>
#include <capnp/schema.capnp.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "emitter.hpp"
#include "names.hpp"

int main() {
    try {
        capnp::ReaderOptions options;
        options.traversalLimitInWords = uint64_t{1} << 30;  // schema requests can be large
        capnp::StreamFdMessageReader message(0, options);
        auto request = message.getRoot<capnp::schema::CodeGeneratorRequest>();

        capnp::SchemaLoader loader;
        for (auto node : request.getNodes()) loader.load(node);

        bh::capnpc::Emitter emitter(loader);
        for (auto file : request.getRequestedFiles()) {
            std::string name = file.getFilename().cStr();
            std::string text = emitter.file(file.getId(), name);
            std::string out = bh::capnpc::file_stem(name) + ".bh.hpp";
            std::ofstream os(out, std::ios::binary | std::ios::trunc);
            os << text;
            if (!os.flush()) {
                std::fprintf(stderr, "capnpc-bh: cannot write %s\n", out.c_str());
                return 1;
            }
        }
        return 0;
    } catch (const bh::capnpc::Unsupported& e) {
        std::fprintf(stderr, "capnpc-bh: %s\n", e.what());
    } catch (const kj::Exception& e) {
        std::fprintf(stderr, "capnpc-bh: bad request: %s\n", e.getDescription().cStr());
    }
    return 1;
}
