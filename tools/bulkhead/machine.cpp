// Machines for scenarios (see machine.hpp).
#include "machine.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <algorithm>
#include <system_error>

namespace bh::cli {
namespace {

bool fresh_image(const std::filesystem::path& disk, std::string& error) {
    std::error_code ec;
    std::filesystem::create_directories(disk.parent_path(), ec);
    {
        std::ofstream out(disk, std::ios::binary | std::ios::trunc);
        if (!out) {
            error = "cannot create the disk image " + disk.string();
            return false;
        }
    }
    std::filesystem::resize_file(disk, kMachineDiskBytes, ec);
    if (ec) error = "cannot size the disk image " + disk.string() + ": " + ec.message();
    return !ec;
}

// A port on 127.0.0.1 nobody holds right now, of the given socket type (the kernel picks it).
int free_port(int type) {
    int fd = socket(AF_INET, type, 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    int port = -1;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

}  // namespace

std::vector<std::string> add_hostfwds(std::vector<std::string>& args, const std::vector<std::string>& specs,
                                      std::string& error) {
    error.clear();
    std::vector<std::string> lines;
    if (specs.empty()) return lines;
    auto netdev = std::find_if(args.begin(), args.end(), [](const std::string& a) { return a.rfind("user,id=n0", 0) == 0; });
    if (netdev == args.end()) {
        error = "--hostfwd needs --machine devices (its first NIC is on QEMU's user network)";
        return {};
    }
    for (const std::string& spec : specs) {
        size_t a = spec.find(':'), b = spec.rfind(':');
        std::string proto = spec.substr(0, a), ip = a < b ? spec.substr(a + 1, b - a - 1) : "";
        std::string gport = b == std::string::npos ? "" : spec.substr(b + 1);
        in_addr addr{};
        bool digits = !gport.empty() && gport.size() <= 5 && gport.find_first_not_of("0123456789") == std::string::npos;
        if ((proto != "udp" && proto != "tcp") || inet_pton(AF_INET, ip.c_str(), &addr) != 1 || !digits ||
            std::stoi(gport) < 1 || std::stoi(gport) > 65535) {
            error = "--hostfwd '" + spec + "': expected udp:GUEST_IP:GUEST_PORT or tcp:GUEST_IP:GUEST_PORT";
            return {};
        }
        int port = free_port(proto == "udp" ? SOCK_DGRAM : SOCK_STREAM);
        if (port < 0) {
            error = "--hostfwd: no free port on 127.0.0.1";
            return {};
        }
        *netdev += ",hostfwd=" + proto + ":127.0.0.1:" + std::to_string(port) + "-" + ip + ":" + gport;
        lines.push_back(proto + " 127.0.0.1:" + std::to_string(port) + " -> " + ip + ":" + gport);
    }
    return lines;
}

bool known_machine(const std::string& machine) {
    return machine == "plain" || machine == "devices" || machine == "devices-no-iommu";
}

std::vector<std::string> machine_args(const std::string& machine, const std::filesystem::path& disk,
                                      std::string& error) {
    error.clear();
    if (!known_machine(machine)) {
        error = "unknown machine '" + machine + "' (plain, devices, devices-no-iommu)";
        return {};
    }
    if (machine == "plain") return {};
    if (!fresh_image(disk, error)) return {};
    // discard=unmap: a guest's discard punches a hole in the image (reads as zeros after).
    std::string drive = "driver=file,filename=" + disk.string() + ",node-name=d0,discard=unmap";
    if (machine == "devices-no-iommu")
        return {"-blockdev", drive, "-device", "virtio-blk-pci,drive=d0,disable-legacy=on"};
    // intel-iommu first: QEMU wants it before the devices it translates for.
    return {"-device", "intel-iommu,aw-bits=48",
            "-blockdev", drive,
            "-device", "virtio-blk-pci,drive=d0,disable-legacy=on,iommu_platform=on",
            "-netdev", "user,id=n0",
            "-device", "virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on",
            "-netdev", "user,id=n1",
            "-device", "virtio-net-pci,netdev=n1,disable-legacy=on,iommu_platform=on"};
}

}  // namespace bh::cli
