// The network benchmarks' yardstick (role 2): netback itself streams UDP to the host's sink
// straight out of its NIC, with no vif in the way, before it serves any frontend. Its figure is
// published in /test/netbench/direct for the clients, whose own streams are reported against it.
#pragma once

#include <bh/xenbus/xs_client.hpp>
#include <virtio_net.hpp>

namespace netback {

inline constexpr uint32_t kBenchDatagrams = 4000, kBenchSize = 1472;

void direct_bench(bh::xenbus::XsClient& xs, bh::virtio::VirtioNet& nic);

}  // namespace netback
