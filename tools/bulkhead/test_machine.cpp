// machine_args: the device machines' QEMU arguments and their fresh disk images.
#include <catch2/catch.hpp>

#include <fstream>

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
