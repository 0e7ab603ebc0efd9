// cpio newc writer: header fields as fixed-width hex, name and data each padded to 4 bytes.
#include "cpio_newc.hpp"

#include <limits>

namespace bh::tools {
namespace {

constexpr uint32_t kModeRegular0644 = 0100644;

void put_hex8(std::vector<unsigned char>& out, uint32_t v) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    for (int shift = 28; shift >= 0; shift -= 4) out.push_back(kDigits[(v >> shift) & 0xf]);
}

// newc aligns both the (header + name) block and the data block to 4 bytes.
void pad4(std::vector<unsigned char>& out) {
    while (out.size() % 4 != 0) out.push_back(0);
}

void put_entry(std::vector<unsigned char>& out, std::string_view name, uint32_t ino, uint32_t mode,
               uint32_t nlink, const std::vector<unsigned char>& data) {
    out.insert(out.end(), kNewcMagic.begin(), kNewcMagic.end());
    put_hex8(out, ino);
    put_hex8(out, mode);
    put_hex8(out, 0);  // uid
    put_hex8(out, 0);  // gid
    put_hex8(out, nlink);
    put_hex8(out, 0);  // mtime: 0 so rebuilding an unchanged image gives identical bytes
    put_hex8(out, static_cast<uint32_t>(data.size()));
    put_hex8(out, 0);  // devmajor
    put_hex8(out, 0);  // devminor
    put_hex8(out, 0);  // rdevmajor
    put_hex8(out, 0);  // rdevminor
    put_hex8(out, static_cast<uint32_t>(name.size() + 1));  // namesize counts the NUL
    put_hex8(out, 0);  // check: always 0 for 070701
    out.insert(out.end(), name.begin(), name.end());
    out.push_back(0);
    pad4(out);
    out.insert(out.end(), data.begin(), data.end());
    pad4(out);
}

}  // namespace

std::string cpio_member_problem(const CpioMember& m) {
    if (m.name.empty()) return "empty member name";
    if (m.name.find('\0') != std::string::npos) return "member name contains a NUL byte";
    if (m.name == kNewcTrailer) return "member name '" + m.name + "' is reserved for the trailer";
    if (m.data.size() > std::numeric_limits<uint32_t>::max())
        return "'" + m.name + "' is larger than 4 GiB, the newc size limit";
    return {};
}

std::vector<unsigned char> cpio_newc_encode(const std::vector<CpioMember>& members) {
    std::vector<unsigned char> out;
    uint32_t ino = 0;
    for (const CpioMember& m : members) put_entry(out, m.name, ++ino, kModeRegular0644, 1, m.data);
    put_entry(out, kNewcTrailer, 0, 0, 1, {});
    return out;
}

}  // namespace bh::tools
