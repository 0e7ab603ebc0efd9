// bench-ring: throughput, round-trip latency and notifications of Bulkhead's rings against Xen's
// ring.h macros and a plain SPSC queue, in one run. Prints BH-BENCH lines; --quick is a short run.
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "bench.hpp"

namespace bench {

void pin_to_cpu(int cpu) {
    if (sysconf(_SC_NPROCESSORS_ONLN) <= cpu) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void print(const char* name, double value, const char* unit) {
    printf("BH-BENCH name=%s value=%.6g unit=%s\n", name, value, unit);
}

struct Samples {
    std::vector<double> msgs_per_s, rtt_ns, notifies_per_1000;
};

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
    using namespace bench;
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    const int reps = quick ? 3 : 9;
    const uint64_t n_stream = quick ? 20000 : 500000;
    const uint64_t n_rtt = quick ? 2000 : 50000;
    // On a loaded machine a repetition can take 10x longer: stop adding them after this long.
    const auto budget = std::chrono::seconds(quick ? 5 : 12);
    const auto start = std::chrono::steady_clock::now();

    Variant variants[] = {ours_variant(), xen_variant(), spsc_variant()};
    Samples samples[3];
    uint64_t bad = 0;
    // Interleaved repetitions: a noisy neighbour slows every variant alike; medians drop outliers.
    for (int rep = 0; rep < reps; ++rep) {
        if (rep >= 3 && std::chrono::steady_clock::now() - start > budget) break;
        for (int v = 0; v < 3; ++v) {
            StreamFigures s = variants[v].stream(n_stream);
            bad += s.bad;
            samples[v].msgs_per_s.push_back(static_cast<double>(n_stream) / s.seconds);
            samples[v].notifies_per_1000.push_back(1000.0 * static_cast<double>(s.notifies) /
                                                   static_cast<double>(n_stream));
            samples[v].rtt_ns.push_back(variants[v].rtt_seconds(n_rtt) * 1e9 /
                                        static_cast<double>(n_rtt));
        }
    }
    if (bad != 0) {
        fprintf(stderr, "bench-ring: %llu messages failed their checksum\n",
                static_cast<unsigned long long>(bad));
        return 1;
    }
    double ours = median(samples[0].msgs_per_s), xen = median(samples[1].msgs_per_s),
           spsc = median(samples[2].msgs_per_s);
    print("ring_msgs_per_s", ours, "msgs/s");
    print("ring_msgs_per_s_xen", xen, "msgs/s");
    print("ring_msgs_per_s_spsc", spsc, "msgs/s");
    print("ring_rtt_ns", median(samples[0].rtt_ns), "ns");
    print("ring_rtt_ns_xen", median(samples[1].rtt_ns), "ns");
    print("ring_rtt_ns_spsc", median(samples[2].rtt_ns), "ns");
    print("ring_notifies_per_1000", median(samples[0].notifies_per_1000), "notifies");
    print("ring_notifies_per_1000_xen", median(samples[1].notifies_per_1000), "notifies");
    print("ring_msgs_per_s_vs_xen", ours / xen, "x");
    print("ring_msgs_per_s_vs_spsc", ours / spsc, "x");
    // Round trip as a ratio too (ours over theirs: below 1 is faster).
    double rtt = median(samples[0].rtt_ns);
    print("ring_rtt_vs_xen", rtt / median(samples[1].rtt_ns), "x");
    print("ring_rtt_vs_spsc", rtt / median(samples[2].rtt_ns), "x");
    return 0;
}
