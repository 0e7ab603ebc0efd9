// bulkhead-mkarchive: read the input files, check them, write the archive atomically.
#include "mkarchive.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <system_error>

#include "cpio_newc.hpp"

namespace bh::tools {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: bulkhead-mkarchive OUT.cpio FILE...\n"
    "  Writes a cpio newc archive holding each FILE under its basename, in order.\n";

// Reads one input file into a member named after its basename; empty string on success.
std::string load_member(const std::string& path, CpioMember& m) {
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) return path + ": no such file";
    if (!fs::is_regular_file(st)) return path + ": not a regular file";
    m.name = fs::path(path).filename().string();
    if (m.name.empty()) return path + ": has no file name";
    std::ifstream in(path, std::ios::binary);
    if (!in) return path + ": cannot open for reading";
    m.data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) return path + ": read error";
    std::string problem = cpio_member_problem(m);
    if (!problem.empty()) return path + ": " + problem;
    return {};
}

// Writes next to the target and renames, so a reader never sees half an archive.
std::string write_atomically(const std::string& out_path, const std::vector<unsigned char>& bytes) {
    std::string tmp = out_path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return tmp + ": cannot open for writing";
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) {
            std::remove(tmp.c_str());
            return tmp + ": write error";
        }
    }
    std::error_code ec;
    fs::rename(tmp, out_path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return out_path + ": " + ec.message();
    }
    return {};
}

}  // namespace

int mkarchive_run(const std::vector<std::string>& args, std::ostream& err) {
    for (const std::string& a : args) {
        if (a == "-h" || a == "--help") {
            err << kUsage;
            return 0;
        }
    }
    if (args.size() < 2) {
        err << "bulkhead-mkarchive: need an output file and at least one input file\n" << kUsage;
        return 2;
    }
    for (const std::string& a : args) {
        if (!a.empty() && a[0] == '-') {
            err << "bulkhead-mkarchive: unknown option '" << a << "'\n" << kUsage;
            return 2;
        }
    }
    const std::string& out_path = args[0];
    std::vector<CpioMember> members;
    std::set<std::string> names;
    std::error_code ec;
    for (size_t i = 1; i < args.size(); ++i) {
        CpioMember m;
        std::string problem = load_member(args[i], m);
        if (!problem.empty()) {
            err << "bulkhead-mkarchive: " << problem << "\n";
            return 1;
        }
        if (!names.insert(m.name).second) {
            err << "bulkhead-mkarchive: " << args[i] << ": a second member named '" << m.name
                << "' (members are stored by basename, which must be unique)\n";
            return 1;
        }
        if (fs::equivalent(args[i], out_path, ec)) {
            err << "bulkhead-mkarchive: " << args[i] << ": is also the output file\n";
            return 1;
        }
        members.push_back(std::move(m));
    }
    std::string problem = write_atomically(out_path, cpio_newc_encode(members));
    if (!problem.empty()) {
        err << "bulkhead-mkarchive: " << problem << "\n";
        return 1;
    }
    return 0;
}

}  // namespace bh::tools
