// Machines for scenarios (see machine.hpp).
#include "machine.hpp"

#include <fstream>
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

}  // namespace

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
