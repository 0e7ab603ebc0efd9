// The machines a scenario can boot on: QEMU's q35 as it is ("plain"), or with the devices of
// Bulkhead's driver domains ("devices": Intel VT-d with 4-level tables first, then a virtio
// disk and two virtio NICs, modern-only and behind the IOMMU; "devices-no-iommu": the disk
// alone without VT-d, for refusal tests). The disk is a fresh sparse image per run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace bh::cli {

inline constexpr uint64_t kMachineDiskBytes = 64ull << 20;

// QEMU arguments for `machine`, with `disk` as the disk image (created or emptied, sparse).
// Empty `error` on success; an unknown machine or an image that cannot be made is an error.
std::vector<std::string> machine_args(const std::string& machine, const std::filesystem::path& disk,
                                      std::string& error);
bool known_machine(const std::string& machine);

// Host forwarding into the first NIC's user network (QEMU's hostfwd), for a "devices" machine:
// each spec "udp:GUEST_IP:GUEST_PORT" (or tcp:) gets a free port on 127.0.0.1, added to `args`
// (machine_args' output). Returns one line per rule ("udp 127.0.0.1:40000 -> 10.0.2.16:7");
// a bad spec, or a machine without the NIC, is an error.
std::vector<std::string> add_hostfwds(std::vector<std::string>& args, const std::vector<std::string>& specs,
                                      std::string& error);

}  // namespace bh::cli
