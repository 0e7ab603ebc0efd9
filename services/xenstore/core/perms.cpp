// Node permissions: (domid, n/r/w/b) entries, parsing, formatting and the access rule.
#include "core/perms.hpp"

#include "core/wire.hpp"

namespace bh::xs {

XsErr parse_perm(std::string_view s, Perm* out) {
    if (s.size() < 2) return XsErr::Inval;
    uint8_t bits = 0;
    switch (s[0]) {
    case 'n': bits = 0; break;
    case 'r': bits = kPermRead; break;
    case 'w': bits = kPermWrite; break;
    case 'b': bits = kPermRead | kPermWrite; break;
    default: return XsErr::Inval;
    }
    uint64_t domid = 0;
    if (!parse_uint(s.substr(1), 0xffff, &domid)) return XsErr::Inval;
    *out = Perm{static_cast<uint16_t>(domid), bits};
    return XsErr::Ok;
}

bool append_perm(ds::Bytes* out, Perm p) {
    static constexpr char kLetter[4] = {'n', 'r', 'w', 'b'};
    return out->push_back(kLetter[p.bits & 3]) && out->append_uint(p.domid);
}

uint8_t access_for(const Perms& perms, uint16_t domid, bool privileged) {
    constexpr uint8_t all = kPermRead | kPermWrite | kPermOwner;
    if (privileged) return all;
    if (perms.empty()) return 0;  // never for a stored node; see Perms' invariant
    if (perms[0].domid == domid) return all;
    for (size_t i = 1; i < perms.size(); i++)
        if (perms[i].domid == domid) return perms[i].bits;
    return perms[0].bits;
}

}  // namespace bh::xs
