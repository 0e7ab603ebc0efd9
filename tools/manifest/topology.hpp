// The boot topology: what a TOML topology file describes, validated, before it becomes a manifest.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>


namespace bh::topology {

struct Device {
    std::string name;
    uint16_t io_base = 0;
    uint16_t io_count = 0;  // 0 = no ports
    uint64_t mmio_base = 0;
    uint64_t mmio_size = 0;  // 0 = no MMIO
    uint8_t irq = 0xff;      // 0xff = no interrupt line
    uint16_t pci = 0xffff;   // bus << 8 | dev << 3 | fn; 0xffff = none
    bool pci_given = false;  // `pci` was there, valid or not (one problem per mistake)
    int line = 0;
};

struct VirtualDisk {
    std::string frontend;
    std::string vdev;  // "xvda".."xvdp"
    uint64_t offset_sectors = 0;
    uint64_t sectors = 0;  // 0 = to the end
    bool read_only = false;
    int line = 0;
};

struct VirtualNic {
    std::string frontend;
    std::string mac;  // "" = derived from the frontend's id and the handle
    std::string ip;   // "" = no source-address guard
    std::vector<std::string> rules;
    int line = 0;
};

struct PathGrant {
    std::string path;
    std::string perm;  // "r", "w" or "rw"
};

// Enumerations in the manifest schema's numbering.
enum class Kind : uint16_t { Service = 0, Guest = 1 };
enum class RestartMode : uint16_t { Never = 0, OnFault = 1, Always = 2 };
enum class XenstoreRole : uint16_t { None = 0, Client = 1, Privileged = 2 };
enum class Outcome : uint16_t { Service = 0, Exit0, Fault, Refused, Waiter, CrashOnce, CrashLoop };

// Test scenarios only: how the supervisor's check mode judges the domain.
struct TestExpectation {
    uint32_t role = 0;
    Outcome outcome = Outcome::Service;
    uint8_t fault = 0;  // bh_fault
    bool kills_store = false;
    std::string kills;  // a domain its control events ask the supervisor to kill and restart
};

struct Domain {
    std::string name;
    std::string image;
    uint32_t memory_kib = 0;
    uint16_t weight = 256;
    uint8_t vcpus = 1;
    Kind kind = Kind::Service;
    RestartMode restart = RestartMode::Never;
    uint16_t max_restarts = 0;
    uint32_t backoff_ms = 0;
    std::vector<Device> devices;
    std::vector<VirtualDisk> disks;  // a block backend's exports
    std::vector<VirtualNic> nics;    // a network backend's vifs
    std::vector<std::string> peers;
    XenstoreRole xenstore = XenstoreRole::None;
    std::vector<PathGrant> xenstore_paths;
    TestExpectation test;
    int line = 0;
};

struct Topology {
    uint16_t version = 1;
    std::string store;    // domain serving xenstore ("" = none)
    std::string console;  // domain owning the console ("" = supervisor)
    std::vector<Domain> domains;
    uint32_t min_dom_exc = 0;  // test scenarios: [test] min_dom_exc
};

// One thing wrong with a topology, located: "FILE:LINE: KEY: MESSAGE".
struct Problem {
    std::string file;
    int line = 0;
    std::string key;
    std::string message;
    std::string text() const;
};

struct Parsed {
    Topology topology;
    std::vector<Problem> problems;  // empty = valid
};

// Limits the validation enforces (also named in its messages).
inline constexpr uint32_t kMaxMemoryKib = 64u * 1024 * 1024;  // 64 GiB: beyond is a typo
inline constexpr uint32_t kMaxVcpus = 64;
inline constexpr uint32_t kMaxBackoffMs = 3'600'000;           // an hour
inline constexpr uint32_t kMaxIrq = 23;                        // IOAPIC pins
inline constexpr size_t kMaxNameLength = 64;

// Reads a parsed TOML document (every key checked for name and type) then validates it as a
// whole (references, ranges, overlaps). `file` only labels the problems.
Parsed parse_topology(const toml::table& doc, std::string_view file);
// The same from a file; TOML syntax errors become problems too.
Parsed parse_topology_file(const std::string& path);
// Semantic checks across the topology (called by parse_topology).
void validate(const Topology& t, std::string_view file, std::vector<Problem>& out);

// The manifest in Cap'n Proto stream framing, written with libcapnp (manifest.capnp).
std::vector<uint8_t> encode_manifest(const Topology& t);

// TOML text -> manifest bytes, or the problems found (shared by the tool and its tests).
struct Encoded {
    std::vector<uint8_t> bytes;
    std::vector<Problem> problems;
};
Encoded encode_topology(const toml::table& doc, std::string_view file);

// Manifest bytes -> topology TOML that parses back to the same manifest. A corrupt manifest is
// refused with the in-system reader's verdict (what the supervisor would say) in `error`.
bool dump_manifest(std::span<const uint8_t> bytes, std::string& out, std::string& error);

}  // namespace bh::topology
