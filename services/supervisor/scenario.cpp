// The built-in scenarios. Children are started in boot-archive order (module 1, 2, ...).
#include "scenario.hpp"

#include <bulkhead/abi.h>

namespace sup {
namespace {

constexpr uint32_t kQ = 512;  // default quota: 2 MiB per child

constexpr Child kDefault[] = {{0, Outcome::Service, 0, kQ}, {0, Outcome::Service, 0, kQ}};
constexpr Child kBoot[] = {{0, Outcome::Service, 0, kQ}, {0, Outcome::Refused, 0, kQ},
                           {0, Outcome::Service, 0, kQ}};
constexpr Child kPair[] = {{0, Outcome::Exit0, 0, kQ}, {1, Outcome::Exit0, 0, kQ}};
constexpr Link kLink01[] = {{0, 1}};
constexpr Child kGrants[] = {{0, Outcome::Exit0, 0, kQ}, {1, Outcome::Fault, BH_FAULT_UD, kQ}};
constexpr Child kIsolation[] = {
    {0, Outcome::Fault, BH_FAULT_PAGE, kQ},  // reads an address mapped only in another domain
    {1, Outcome::Fault, BH_FAULT_PAGE, kQ},  // reads a kernel address
    {2, Outcome::Fault, BH_FAULT_PAGE, kQ},  // reads an unmapped (null) address
    {3, Outcome::Fault, BH_FAULT_GP, kQ},    // executes a privileged instruction (hlt)
    {4, Outcome::Fault, BH_FAULT_PAGE, kQ},  // writes its own read-only code
    {5, Outcome::Fault, BH_FAULT_DE, kQ},    // divides by zero
    {9, Outcome::Waiter, 0, kQ},             // keeps running and checks its own memory after
};
constexpr Child kHostile[] = {{0, Outcome::Exit0, 0, 1024}, {1, Outcome::Waiter, 0, kQ}};
constexpr Child kSched[] = {{0, Outcome::Waiter, 0, kQ}, {1, Outcome::Exit0, 0, kQ}};

// A driver domain owning the CMOS RTC (ports 0x70-0x71, ISA IRQ 8), and a bystander that
// must not be able to touch them.
// The HPET's register page (q35: 0xFED00000) goes to a third, MMIO driver domain.
constexpr Child kDevices[] = {{0, Outcome::Exit0, 0, kQ, 0x70, 2, 8},
                              {1, Outcome::Exit0, 0, kQ},
                              {0, Outcome::Exit0, 0, kQ, 0, 0, 0xff, 0xFED00000, 1}};

#define N(a) static_cast<uint32_t>(sizeof(a) / sizeof(a[0]))
constexpr Scenario kScenarios[] = {
    {"default", kDefault, N(kDefault), nullptr, 0, 0},
    {"boot", kBoot, N(kBoot), nullptr, 0, 0},
    {"pingpong", kPair, N(kPair), kLink01, 1, 0},
    {"grants", kGrants, N(kGrants), kLink01, 1, 1},
    {"isolation", kIsolation, N(kIsolation), nullptr, 0, 1},
    {"hostile", kHostile, N(kHostile), nullptr, 0, 0},
    {"scheduling", kSched, N(kSched), nullptr, 0, 0},
    {"bench", kPair, N(kPair), kLink01, 1, 0},
    {"devices", kDevices, N(kDevices), nullptr, 0, 0},
};

bool same(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

}  // namespace

const Scenario* find_scenario(const char* name) {
    for (const Scenario& s : kScenarios)
        if (same(s.name, name)) return &s;
    return nullptr;
}

}  // namespace sup
