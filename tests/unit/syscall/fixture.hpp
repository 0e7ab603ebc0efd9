// Fixture for the hypercall conformance tests: a fresh fake machine, a supervisor domain holding
// the Machine capability (boot modules: a good and a malformed ELF image), helpers to make
// calls, build children and map pages, and the "a failing call changes nothing" check.
#pragma once

#include <stdint.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include <bulkhead/abi.h>

#include "domain/domain.hpp"
#include "domain/objects.hpp"
#include "fake_platform.hpp"
#include "lib/error.hpp"
#include "syscall/syscall.hpp"
#include "world.hpp"

namespace Catch {
template <>
struct StringMaker<bh::Error> {
    static std::string convert(bh::Error e) { return bh::error_name(e); }
};
}  // namespace Catch

namespace bhtest {

using bh::Domain;
using bh::Error;
using bh::vaddr_t;

struct CallResult {
    Error err;
    bh::SysOut out;
};

// One hypercall by `d`, as the syscall entry path makes it.
CallResult call(Domain& d, uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0,
                uint64_t a3 = 0, uint64_t a4 = 0, uint64_t a5 = 0);

// Addresses every pointer test tries: kernel half, non-canonical, just past user space.
inline constexpr vaddr_t kKernelPtr = 0xffff800000001000ull;
inline constexpr vaddr_t kNonCanonical = 0x0000900000000000ull;
inline constexpr vaddr_t kHighNonCanonical = 0x8000000000000000ull;
inline constexpr vaddr_t kUserTop = BH_USER_TOP;
// Where tests map their scratch pages (below the ELF image's 0x401000, above page 0).
inline constexpr vaddr_t kScratch = 0x10000000;
inline constexpr vaddr_t kUnmapped = 0x20000000;
inline constexpr uint64_t kTooWide = 0x100000000ull;  // one past a 32-bit argument

class Fixture {
public:
    static constexpr uint64_t kMachineFrames = 2048;   // 8 MiB of fake RAM
    static constexpr uint64_t kSupQuotaPages = 1024;
    static constexpr uint64_t kChildQuotaPages = 64;
    static constexpr uint32_t kModGood = 0;
    static constexpr uint32_t kModBad = 1;

    Fixture();
    ~Fixture();
    Fixture(const Fixture&) = delete;
    Fixture& operator=(const Fixture&) = delete;

    Domain& sup() { return *sup_; }
    // A child built by the supervisor's DOMAIN_CREATE; its Domain cap (all rights) lands in the
    // supervisor's `sup_slot`. Not started.
    Domain& child(bh_slot_t sup_slot, uint64_t quota_pages = kChildQuotaPages,
                  uint32_t module = kModGood);
    // FRAME_ALLOC into the lowest free slot, then FRAME_MAP at va. Returns the frame's slot.
    bh_slot_t map_page(Domain& d, vaddr_t va, bool writable = true);
    bh_slot_t free_slot(Domain& d);
    // Charges d's quota until only `leave` bytes remain, as if d had spent them.
    void fill_quota(Domain& d, uint64_t leave = 0);
    // The kernel stops d after a page fault (as the trap handler does).
    void fault(Domain& d);

    // Kernel-side access to a domain's memory, checked like a hypercall's.
    void poke(Domain& d, vaddr_t va, const void* src, size_t n);
    void peek(Domain& d, vaddr_t va, void* dst, size_t n);
    template <class T>
    T read(Domain& d, vaddr_t va) {
        T v{};
        peek(d, va, &v, sizeof v);
        return v;
    }

    bh::MachineObj machine;
    std::vector<uint8_t> good_elf;
    std::vector<uint8_t> bad_elf;

private:
    Domain* sup_ = nullptr;
};

}  // namespace bhtest

// The call fails with `expected` and the world (every domain, every frame) is unchanged.
#define CHECK_REJECTS(expected, ...)                                              \
    do {                                                                          \
        const ::bhtest::World before_ = ::bhtest::world();                        \
        const ::bhtest::CallResult r_ = ::bhtest::call(__VA_ARGS__);              \
        CHECK(r_.err == (expected));                                              \
        CHECK(::bhtest::diff(before_, ::bhtest::world()) == "");                  \
    } while (0)

// The call succeeds; evaluates to its outputs.
#define REQUIRE_OK(...)                                                           \
    ([&] {                                                                        \
        const ::bhtest::CallResult r_ = ::bhtest::call(__VA_ARGS__);              \
        REQUIRE(r_.err == ::bh::Error::None);                                     \
        return r_.out;                                                            \
    }())
