// bulkhead-xenstored: the store's portable core served on a Unix socket, for xenstore-utils.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <signal.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/store.hpp"
#include "socket_server.hpp"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

bool load_state(bh::xs::Store& store, const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return false;  // no saved state yet: start fresh
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return store.load(bytes) == bh::xs::XsErr::Ok;
}

bool save_state(const bh::xs::Store& store, const std::string& file) {
    bh::ds::Bytes b;
    if (!store.save(&b)) return false;
    std::string tmp = file + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(b.data(), static_cast<std::streamsize>(b.size()));
        if (!out) return false;
    }
    return std::rename(tmp.c_str(), file.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"bulkhead-xenstored: Bulkhead's xenstore on a Unix socket (clients are dom0)"};
    std::string socket_path, state_file;
    app.add_option("--socket", socket_path, "Unix socket to serve (XENSTORED_PATH for clients)")
        ->required();
    app.add_option("--state", state_file,
                   "state file: loaded at start if present, written on SIGTERM/SIGINT");
    CLI11_PARSE(app, argc, argv);

    bh::xs::Store store;
    bool restored = !state_file.empty() && load_state(store, state_file);
    if (!restored && !store.init()) {
        fmt::print(stderr, "bulkhead-xenstored: out of memory\n");
        return 1;
    }
    bh::xs::host::SocketServer server(store, socket_path);
    if (!server.listen()) {
        fmt::print(stderr, "bulkhead-xenstored: cannot listen on {}: {}\n", socket_path,
                   std::strerror(errno));
        return 1;
    }
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
    fmt::print(stderr, "bulkhead-xenstored: serving {}{}\n", socket_path,
               restored ? " (state restored)" : "");

    server.run(g_stop);

    server.close_clients();
    if (!state_file.empty() && !save_state(store, state_file)) {
        fmt::print(stderr, "bulkhead-xenstored: cannot save state to {}\n", state_file);
        return 1;
    }
    return 0;
}
