// cpio "newc" (SVR4, no CRC) archive writer: the boot-module format the kernel reads from the initrd.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bh::tools {

// One archive member: its name inside the archive and its bytes.
struct CpioMember {
    std::string name;
    std::vector<unsigned char> data;
};

// Fixed layout of a newc header: 6-byte magic then 13 fields of 8 ASCII hex digits.
inline constexpr std::string_view kNewcMagic = "070701";
inline constexpr size_t kNewcHeaderSize = 110;
inline constexpr std::string_view kNewcTrailer = "TRAILER!!!";

// Why a member cannot be stored; empty when it can.
std::string cpio_member_problem(const CpioMember& m);

// Serialises `members` in order, then the trailer. Output depends only on the members:
// mtime, uid, gid and dev are 0, ino is the 1-based position, mode is a regular 0644 file.
// Precondition: cpio_member_problem() is empty for every member.
std::vector<unsigned char> cpio_newc_encode(const std::vector<CpioMember>& members);

}  // namespace bh::tools
