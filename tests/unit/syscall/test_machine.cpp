// Conformance: machine calls (60-62, 66, 68) — boot modules, shutdown, command line, console input.
#include <string.h>

#include "domain/console.hpp"
#include "evtchn/evtchn_table.hpp"
#include "fixture.hpp"

using namespace bhtest;

namespace {
// A Machine cap copy holding only `rights`, in slot 20.
void weak_machine(Domain& sup, uint32_t rights) {
    REQUIRE_OK(sup, BH_CALL_CAP_COPY, BH_SLOT_MACHINE, 20, rights);
}
}  // namespace

TEST_CASE_METHOD(Fixture, "MachineModules describes a boot module and returns the module count") {
    map_page(sup(), kScratch);
    auto out = REQUIRE_OK(sup(), BH_CALL_MACHINE_MODULES, BH_SLOT_MACHINE, kModBad, kScratch);
    CHECK(out.r1 == 2);
    auto info = read<bh_module_info>(sup(), kScratch);
    CHECK(info.size == bad_elf.size());
    CHECK(std::string(info.name) == "truncated");
    REQUIRE_OK(sup(), BH_CALL_MACHINE_MODULES, BH_SLOT_MACHINE, kModGood, kScratch);
    CHECK(std::string(read<bh_module_info>(sup(), kScratch).name) == "good");
}

TEST_CASE_METHOD(Fixture, "MachineModules rejects unknown modules, bad buffers and weak caps") {
    map_page(sup(), kScratch);
    map_page(sup(), kScratch + 0x10000, false);
    CHECK_REJECTS(Error::NotFound, sup(), BH_CALL_MACHINE_MODULES, BH_SLOT_MACHINE, 2, kScratch);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_MODULES, BH_SLOT_MACHINE, kTooWide, kScratch);
    for (vaddr_t p : std::initializer_list<vaddr_t>{kScratch + 0x10000, kScratch + 4096 - 8,
                                                    kUnmapped, kKernelPtr, kNonCanonical}) {
        INFO("buffer " << std::hex << p);
        CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_MACHINE_MODULES, BH_SLOT_MACHINE, 0, p);
    }
    weak_machine(sup(), BH_R_CONTROL);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_MACHINE_MODULES, 20, 0, kScratch);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_MACHINE_MODULES, BH_SLOT_SELF, 0, kScratch);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_MACHINE_MODULES, 21, 0, kScratch);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_MACHINE_MODULES, 64, 0, kScratch);
}

TEST_CASE_METHOD(Fixture, "MachineModuleRead copies a module's bytes from an offset, up to its end") {
    map_page(sup(), kScratch);
    auto out = REQUIRE_OK(sup(), BH_CALL_MACHINE_MODULE_READ, BH_SLOT_MACHINE, kModBad, 0, kScratch, 16);
    CHECK(out.r1 == 16);
    CHECK(read<uint32_t>(sup(), kScratch) == 0x464c457f);  // "\x7fELF"
    // From an offset, clipped at the module's end.
    uint64_t size = bad_elf.size();
    out = REQUIRE_OK(sup(), BH_CALL_MACHINE_MODULE_READ, BH_SLOT_MACHINE, kModBad, size - 4, kScratch, 64);
    CHECK(out.r1 == 4);
    CHECK(read<uint32_t>(sup(), kScratch) == *reinterpret_cast<const uint32_t*>(bad_elf.data() + size - 4));
    // At or past the end, or an absurd offset: nothing, and no error.
    for (uint64_t off : {size, size + 1, ~uint64_t{0}})
        CHECK(REQUIRE_OK(sup(), BH_CALL_MACHINE_MODULE_READ, BH_SLOT_MACHINE, kModBad, off, kScratch, 8).r1 == 0);
    CHECK(REQUIRE_OK(sup(), BH_CALL_MACHINE_MODULE_READ, BH_SLOT_MACHINE, kModBad, 0, kScratch, 0).r1 == 0);
}

TEST_CASE_METHOD(Fixture, "MachineModuleRead rejects unknown modules, bad buffers and weak caps") {
    map_page(sup(), kScratch);
    map_page(sup(), kScratch + 0x10000, false);
    CHECK_REJECTS(Error::NotFound, sup(), BH_CALL_MACHINE_MODULE_READ, BH_SLOT_MACHINE, 2, 0, kScratch, 8);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_MODULE_READ, BH_SLOT_MACHINE, kTooWide, 0, kScratch, 8);
    for (vaddr_t p : std::initializer_list<vaddr_t>{kScratch + 0x10000, kScratch + 4096 - 8,
                                                    kUnmapped, kKernelPtr, kNonCanonical}) {
        INFO("buffer " << std::hex << p);
        CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_MACHINE_MODULE_READ, BH_SLOT_MACHINE, 0, 0, p, 64);
    }
    weak_machine(sup(), BH_R_CONTROL);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_MACHINE_MODULE_READ, 20, 0, 0, kScratch, 8);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_MACHINE_MODULE_READ, BH_SLOT_SELF, 0, 0, kScratch, 8);
    Domain& c = child(8);
    CHECK_REJECTS(Error::EmptySlot, c, BH_CALL_MACHINE_MODULE_READ, BH_SLOT_MACHINE, 0, 0, kScratch, 8);
}

TEST_CASE_METHOD(Fixture, "MachineShutdown stops the machine with success for code 0, failure for 1") {
    try {
        (void)call(sup(), BH_CALL_MACHINE_SHUTDOWN, BH_SLOT_MACHINE, 0);
        FAIL("machine_stop returned");
    } catch (const MachineStopped& s) {
        CHECK(s.success);
    }
    CHECK(platform_log().klog.find("BH-SHUTDOWN code=0") != std::string::npos);
    try {
        (void)call(sup(), BH_CALL_MACHINE_SHUTDOWN, BH_SLOT_MACHINE, 1);
        FAIL("machine_stop returned");
    } catch (const MachineStopped& s) {
        CHECK_FALSE(s.success);
    }
}

TEST_CASE_METHOD(Fixture, "MachineShutdown rejects other codes and caps without control") {
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_SHUTDOWN, BH_SLOT_MACHINE, 2);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_SHUTDOWN, BH_SLOT_MACHINE, ~0ull);
    weak_machine(sup(), BH_R_READ);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_MACHINE_SHUTDOWN, 20, 0);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_MACHINE_SHUTDOWN, BH_SLOT_GNTTAB, 0);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_SHUTDOWN, kTooWide + 2, 0);
    Domain& c = child(8);
    CHECK_REJECTS(Error::EmptySlot, c, BH_CALL_MACHINE_SHUTDOWN, BH_SLOT_MACHINE, 0);
    CHECK(platform_log().klog.find("BH-SHUTDOWN") == std::string::npos);
}

TEST_CASE_METHOD(Fixture, "MachineCmdline copies the command line with its terminator") {
    map_page(sup(), kScratch);
    const size_t n = strlen(machine.cmdline);
    auto out = REQUIRE_OK(sup(), BH_CALL_MACHINE_CMDLINE, BH_SLOT_MACHINE, kScratch, n + 1);
    CHECK(out.r1 == n);
    std::string got(n + 1, '?');
    peek(sup(), kScratch, got.data(), n + 1);
    CHECK(got == std::string(machine.cmdline) + '\0');
}

TEST_CASE_METHOD(Fixture, "MachineCmdline rejects short or unusable buffers and weak caps") {
    map_page(sup(), kScratch);
    const size_t n = strlen(machine.cmdline);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_CMDLINE, BH_SLOT_MACHINE, kScratch, n);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_CMDLINE, BH_SLOT_MACHINE, kScratch, 0);
    for (vaddr_t p : std::initializer_list<vaddr_t>{kScratch + 4096 - n / 2, kUnmapped,
                                                    kKernelPtr, kHighNonCanonical}) {
        INFO("buffer " << std::hex << p);
        CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_MACHINE_CMDLINE, BH_SLOT_MACHINE, p, 4096);
    }
    weak_machine(sup(), BH_R_CONTROL);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_MACHINE_CMDLINE, 20, kScratch, 4096);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_MACHINE_CMDLINE, BH_SLOT_SELF, kScratch, 4096);
}

namespace {
std::string console_read_all(Fixture& f, vaddr_t buf) {
    auto out = REQUIRE_OK(f.sup(), BH_CALL_MACHINE_CONSOLE_READ, BH_SLOT_MACHINE, buf, 4096);
    std::string got(out.r1, '?');
    if (out.r1) f.peek(f.sup(), buf, got.data(), got.size());
    return got;
}
}  // namespace

TEST_CASE_METHOD(Fixture, "MachineConsoleRead takes queued console input, which raised VIRQ_CONSOLE") {
    map_page(sup(), kScratch);
    uint64_t port = REQUIRE_OK(sup(), BH_CALL_EVTCHN_BIND_VIRQ, 9, BH_VIRQ_CONSOLE).r1;
    bh::console_input(reinterpret_cast<const uint8_t*>("ls\n"), 3);
    CHECK(sup().evtchn->view().test_pending(static_cast<uint32_t>(port)));
    auto out = REQUIRE_OK(sup(), BH_CALL_MACHINE_CONSOLE_READ, BH_SLOT_MACHINE, kScratch, 16);
    CHECK(out.r1 == 3);
    std::string got(3, '?');
    peek(sup(), kScratch, got.data(), 3);
    CHECK(got == "ls\n");
    CHECK(REQUIRE_OK(sup(), BH_CALL_MACHINE_CONSOLE_READ, BH_SLOT_MACHINE, kScratch, 16).r1 == 0);
}

TEST_CASE_METHOD(Fixture, "MachineConsoleRead takes at most len bytes, and at most 256 per call") {
    map_page(sup(), kScratch);
    std::string typed(300, 'k');
    typed[0] = 'A';
    bh::console_input(reinterpret_cast<const uint8_t*>(typed.data()), typed.size());
    CHECK(REQUIRE_OK(sup(), BH_CALL_MACHINE_CONSOLE_READ, BH_SLOT_MACHINE, kScratch, 1).r1 == 1);
    CHECK(read<char>(sup(), kScratch) == 'A');
    CHECK(REQUIRE_OK(sup(), BH_CALL_MACHINE_CONSOLE_READ, BH_SLOT_MACHINE, kScratch, 4096).r1 == 256);
    CHECK(console_read_all(*this, kScratch).size() == 300 - 1 - 256);
}

TEST_CASE_METHOD(Fixture, "MachineConsoleRead into an unusable buffer fails and loses no input") {
    map_page(sup(), kScratch);
    map_page(sup(), kScratch + 0x10000, false);
    bh::console_input(reinterpret_cast<const uint8_t*>("keep"), 4);
    for (vaddr_t p : std::initializer_list<vaddr_t>{kScratch + 0x10000, kScratch + 4096 - 2,
                                                    kUnmapped, kKernelPtr, kNonCanonical}) {
        INFO("buffer " << std::hex << p);
        CHECK_REJECTS(Error::BadAddress, sup(), BH_CALL_MACHINE_CONSOLE_READ, BH_SLOT_MACHINE, p, 4);
    }
    weak_machine(sup(), BH_R_CONTROL);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_MACHINE_CONSOLE_READ, 20, kScratch, 4);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_MACHINE_CONSOLE_READ, BH_SLOT_SELF, kScratch, 4);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_CONSOLE_READ, kTooWide, kScratch, 4);
    Domain& c = child(8);
    CHECK_REJECTS(Error::EmptySlot, c, BH_CALL_MACHINE_CONSOLE_READ, BH_SLOT_MACHINE, kScratch, 4);
    CHECK(console_read_all(*this, kScratch) == "keep");
}

TEST_CASE_METHOD(Fixture, "MachineFirmware gives the RSDP address to the machine's holder only") {
    CHECK(REQUIRE_OK(sup(), BH_CALL_MACHINE_FIRMWARE, BH_SLOT_MACHINE).r1 == 0xf5a40);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_MACHINE_FIRMWARE, BH_SLOT_SELF);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_FIRMWARE, kTooWide);
    Domain& c = child(8);
    CHECK_REJECTS(Error::EmptySlot, c, BH_CALL_MACHINE_FIRMWARE, BH_SLOT_MACHINE);
}
