// Compile-only check: every ring header builds freestanding (no libc, no FPU, no exceptions).
#include <stddef.h>
#include <stdint.h>

#include "bh/ring/back_ring.hpp"
#include "bh/ring/console_ring_page.hpp"
#include "bh/ring/front_ring.hpp"
#include "bh/ring/xs_ring_page.hpp"

namespace bh::ring::check {

struct Req64 {
    uint64_t words[8];
};
struct Rsp16 {
    uint64_t id;
    uint8_t op;
    int16_t status;
};
struct Req12 {
    uint32_t gref;
    uint16_t offset, flags, id, size;
};
struct Rsp4 {
    uint16_t id;
    int16_t status;
};

using BigRing = SharedRing<Req64, Rsp16, 4>;
using SmallRing = SharedRing<Req12, Rsp4, 1>;
static_assert(offsetof(BigRing, ring) == kRingHeaderBytes);
static_assert(sizeof(BigRing) <= 4 * kPageSize);
static_assert(SmallRing::kSize == 256);

}  // namespace bh::ring::check

namespace bh::ring {
// Explicit instantiation compiles every member, not only the ones used.
template class FrontRing<check::BigRing>;
template class BackRing<check::BigRing>;
template class FrontRing<check::SmallRing>;
template class BackRing<check::SmallRing>;
template class ByteStream<kXsRingSize>;
template class ByteStream<kConsoleOutSize>;

}  // namespace bh::ring
