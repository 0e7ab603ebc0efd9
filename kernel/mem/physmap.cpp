// Storage for the direct-map base.
#include "mem/phys.hpp"

namespace bh {
uintptr_t g_physmap_base = 0;
}
