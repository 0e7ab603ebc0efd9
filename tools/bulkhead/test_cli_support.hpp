// Harness for end-to-end tests of the real `bulkhead` binary: a fake build directory, the
// fake QEMU and fake meson from testdata/, and a runner that captures status and output.
#pragma once

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

namespace bh_cli_test {

using Env = std::vector<std::pair<std::string, std::string>>;

struct Run {
    int status = -1;
    std::string out, err;
};

inline std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A fake build tree with a kernel and images for the scenarios the tests boot.
struct FakeBuild {
    fs::path dir;
    FakeBuild() {
        std::string tmpl = (fs::temp_directory_path() / "bh-cli-XXXXXX").string();
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        dir = tmpl;
        fs::create_directories(dir / "kernel/arch/x86_64");
        std::ofstream(dir / "kernel/arch/x86_64/bulkhead.elf") << "ELF";
        fs::create_directories(dir / "tests/system/images");
        for (const char* s : {"smoke", "default", "bench"})
            std::ofstream(dir / "tests/system/images" / (std::string(s) + ".cpio")) << "070701";
    }
    ~FakeBuild() { fs::remove_all(dir); }

    fs::path file(const std::string& name, const std::string& text) const {
        std::ofstream(dir / name, std::ios::binary) << text;
        return dir / name;
    }

    // Runs the CLI with this build dir and the fake QEMU, plus `env`.
    Run run(const std::vector<std::string>& args, Env env = {}) const {
        env.insert(env.begin(), {{"BULKHEAD_BUILD_DIR", dir.string()},
                                 {"BULKHEAD_QEMU", std::string(BH_TESTDATA) + "/fake-qemu"},
                                 {"BULKHEAD_HOST_BENCHES", ""}});
        Run r;
        fs::path out = dir / "cli.out", err = dir / "cli.err";
        // Everything is prepared before fork: tests run a fake control server on a thread, and
        // after fork only async-signal-safe calls are safe (malloc's lock may be held).
        std::vector<std::string> envs;
        for (char** e = environ; *e != nullptr; ++e) {
            std::string kv = *e;
            bool overridden = false;
            for (const auto& [k, v] : env) overridden |= kv.compare(0, k.size() + 1, k + "=") == 0;
            if (!overridden) envs.push_back(kv);
        }
        for (size_t i = 0; i < env.size(); ++i) {
            bool later = false;  // a later entry for the same name wins, as with setenv
            for (size_t j = i + 1; j < env.size(); ++j) later |= env[j].first == env[i].first;
            if (!later) envs.push_back(env[i].first + "=" + env[i].second);
        }
        std::vector<char*> envp;
        for (std::string& kv : envs) envp.push_back(kv.data());
        envp.push_back(nullptr);
        std::vector<char*> argv = {const_cast<char*>(BH_CLI)};
        for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int devnull = open("/dev/null", O_RDONLY);
            if (o < 0 || e < 0 || devnull < 0) _exit(126);
            dup2(devnull, 0);
            dup2(o, 1);
            dup2(e, 2);
            execve(BH_CLI, argv.data(), envp.data());
            _exit(127);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        r.out = slurp(out);
        r.err = slurp(err);
        return r;
    }

    // Runs a boot verb whose fake QEMU prints `serial` and exits with `status`.
    Run boot(const std::vector<std::string>& args, const std::string& serial, int status, Env env = {}) const {
        env.push_back({"FAKE_QEMU_SERIAL", file("serial.in", serial).string()});
        env.push_back({"FAKE_QEMU_STATUS", std::to_string(status)});
        env.push_back({"FAKE_QEMU_ARGS", (dir / "qemu.args").string()});
        return run(args, env);
    }

    std::string qemu_args() const { return slurp(dir / "qemu.args"); }
};

}  // namespace bh_cli_test
