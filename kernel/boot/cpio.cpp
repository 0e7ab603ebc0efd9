// cpio newc decoding: every offset is checked against the archive size before it is read.
#include "boot/cpio.hpp"

namespace bh {

namespace {

constexpr uint64_t kHeaderSize = 110;
constexpr uint64_t kFieldDigits = 8;
constexpr char kMagic[] = "070701";
constexpr char kTrailer[] = "TRAILER!!!";

// Header fields, in order after the 6-byte magic.
enum Field : uint32_t {
    Ino, Mode, Uid, Gid, Nlink, Mtime, FileSize, DevMajor, DevMinor, RdevMajor, RdevMinor,
    NameSize, Check,
};

constexpr uint64_t align4(uint64_t v) { return (v + 3) & ~uint64_t{3}; }

// Eight ASCII hex digits (either case) at p; BadArg on anything else.
Result<uint32_t> hex_field(const uint8_t* header, Field f) {
    const uint8_t* p = header + 6 + uint64_t{f} * kFieldDigits;
    uint32_t v = 0;
    for (uint64_t i = 0; i < kFieldDigits; ++i) {
        uint8_t c = p[i];
        uint32_t d;
        if (c >= '0' && c <= '9') d = uint32_t{c} - '0';
        else if (c >= 'a' && c <= 'f') d = uint32_t{c} - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = uint32_t{c} - 'A' + 10;
        else return Error::BadArg;
        v = (v << 4) | d;
    }
    return v;
}

bool same(const char* a, uint32_t a_len, const char* b) {
    uint32_t i = 0;
    for (; i < a_len; ++i)
        if (b[i] != a[i]) return false;  // also stops at b's NUL, since a has none inside
    return b[i] == '\0';
}

// Archives made by `find . | cpio` name files "./x"; callers should not have to care.
const char* skip_dot_slash(const char* s) {
    while (s[0] == '.' && s[1] == '/') s += 2;
    return s;
}

}  // namespace

Result<bool> CpioReader::next(CpioEntry& out) {
    if (state_ == State::Done) return false;
    if (state_ == State::Broken) return Error::BadArg;
    state_ = State::Broken;  // until this entry decodes completely

    const uint64_t size = archive_.size();
    if (pos_ > size || size - pos_ < kHeaderSize) return Error::BadArg;  // no trailer
    const uint8_t* h = archive_.data() + pos_;
    for (uint64_t i = 0; i < 6; ++i)
        if (h[i] != static_cast<uint8_t>(kMagic[i])) return Error::BadArg;

    for (uint32_t f = Ino; f <= Check; ++f) TRYV(hex_field(h, static_cast<Field>(f)));
    uint32_t mode = TRY(hex_field(h, Mode));
    uint32_t file_size = TRY(hex_field(h, FileSize));
    uint32_t name_size = TRY(hex_field(h, NameSize));

    // Name: at least its NUL, inside the archive, NUL last and nowhere else.
    uint64_t name_pos = pos_ + kHeaderSize;
    if (name_size == 0 || name_size > size - name_pos) return Error::BadArg;
    const char* name = reinterpret_cast<const char*>(archive_.data() + name_pos);
    for (uint32_t i = 0; i + 1 < name_size; ++i)
        if (name[i] == '\0') return Error::BadArg;
    if (name[name_size - 1] != '\0') return Error::BadArg;

    // The trailer ends the archive whatever follows its name: some writers omit its padding.
    if (same(name, name_size - 1, kTrailer)) {
        state_ = State::Done;
        return false;
    }

    // Data: starts 4-aligned after the name; both positions fit in 64 bits with room to spare.
    uint64_t data_pos = align4(name_pos + name_size);
    if (data_pos > size || file_size > size - data_pos) return Error::BadArg;
    out = CpioEntry{name, name_size - 1, archive_.subspan(data_pos, file_size), mode};
    pos_ = align4(data_pos + file_size);  // may pass size: the next call then fails cleanly
    state_ = State::Reading;
    return true;
}

Result<CpioEntry> CpioReader::find(const char* name) const {
    if (name == nullptr) return Error::BadArg;
    const char* want = skip_dot_slash(name);
    CpioReader scan(archive_);
    CpioEntry e{};
    while (TRY(scan.next(e))) {
        if ((e.mode & kCpioTypeMask) != kCpioTypeFile) continue;
        const char* have = skip_dot_slash(e.name);
        uint32_t have_len = e.name_len - static_cast<uint32_t>(have - e.name);
        if (same(have, have_len, want)) return e;
    }
    return Error::NotFound;
}

}  // namespace bh
