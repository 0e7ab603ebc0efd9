// machine_args: the device machines' QEMU arguments and their fresh disk images; host
// forwarding; the host's UDP sink for the network benchmarks.
#include <catch2/catch.hpp>

#include <fstream>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host_sink.hpp"
#include "machine.hpp"

using bh::cli::machine_args;

TEST_CASE("Machine.DevicesPutTheIommuFirstAndMakeAFreshSparseDisk") {
    auto dir = std::filesystem::temp_directory_path() / "bh-machine-test";
    std::filesystem::remove_all(dir);
    auto disk = dir / "run" / "x.img";
    std::string err;
    CHECK(machine_args("plain", disk, err).empty());
    CHECK(err.empty());
    CHECK_FALSE(std::filesystem::exists(disk));
    auto args = machine_args("devices", disk, err);
    REQUIRE(err.empty());
    REQUIRE(args.size() > 2);
    CHECK(args[0] == "-device");
    CHECK(args[1] == "intel-iommu,aw-bits=48");
    CHECK(std::filesystem::file_size(disk) == bh::cli::kMachineDiskBytes);
    int iommu_platform = 0;
    for (auto& a : args) iommu_platform += a.find("iommu_platform=on") != std::string::npos;
    CHECK(iommu_platform == 3);
    // A second run starts from an empty disk again.
    { std::ofstream(disk, std::ios::binary | std::ios::in | std::ios::out) << "dirty"; }
    machine_args("devices", disk, err);
    std::ifstream in(disk, std::ios::binary);
    char c = 'x';
    in.read(&c, 1);
    CHECK(c == '\0');
    auto plain_disk = machine_args("devices-no-iommu", disk, err);
    for (auto& a : plain_disk) CHECK(a.find("iommu") == std::string::npos);
    CHECK(machine_args("mainframe", disk, err).empty());
    CHECK(err.find("unknown machine 'mainframe'") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("Machine.HostForwardsGetFreePortsOnTheFirstNic") {
    auto dir = std::filesystem::temp_directory_path() / "bh-machine-fwd";
    std::string err;
    auto args = machine_args("devices", dir / "x.img", err);
    REQUIRE(err.empty());
    auto lines = bh::cli::add_hostfwds(args, {"udp:10.0.2.16:7", "tcp:10.0.2.17:22"}, err);
    REQUIRE(err.empty());
    REQUIRE(lines.size() == 2);
    CHECK_THAT(lines[0], Catch::Matchers::StartsWith("udp 127.0.0.1:") && Catch::Matchers::EndsWith(" -> 10.0.2.16:7"));
    std::string n0;
    for (auto& a : args)
        if (a.rfind("user,id=n0", 0) == 0) n0 = a;
    CHECK_THAT(n0, Catch::Matchers::Contains(",hostfwd=udp:127.0.0.1:") && Catch::Matchers::Contains("-10.0.2.16:7") &&
                       Catch::Matchers::Contains(",hostfwd=tcp:127.0.0.1:"));
    for (const char* bad : {"udp:10.0.2.16", "sctp:10.0.2.16:7", "udp:10.0.2:7", "udp:10.0.2.16:0", "udp:10.0.2.16:70000"}) {
        INFO(bad);
        std::string e;
        CHECK(bh::cli::add_hostfwds(args, {bad}, e).empty());
        CHECK_THAT(e, Catch::Matchers::Contains("expected udp:GUEST_IP:GUEST_PORT"));
    }
    std::vector<std::string> plain;
    bh::cli::add_hostfwds(plain, {"udp:10.0.2.16:7"}, err);
    CHECK_THAT(err, Catch::Matchers::Contains("--machine devices"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("HostSink.CountsARoundAndAnswersDone") {
    bh::cli::HostSink sink;
    REQUIRE(sink.port() > 0);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(sink.port()));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto send = [&](const std::string& s) {
        sendto(fd, s.data(), s.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    };
    auto answer = [&] {
        send("done");
        pollfd p{fd, POLLIN, 0};
        char buf[64] = {};
        if (poll(&p, 1, 2000) <= 0) return std::string("(no answer)");
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
    };
    for (int i = 0; i < 5; ++i) send(std::string(100, 'x'));
    std::string first = answer();
    CHECK_THAT(first, Catch::Matchers::StartsWith("5 500 "));
    CHECK(answer() == "0 0 0");  // a new round
    CHECK(sink.rounds() == 2);
    close(fd);
}
