// The kernel's one FrameAllocator instance (set up from the PVH memory map at boot).
#pragma once

#include "mem/frame_alloc.hpp"

namespace bh {
FrameAllocator& machine_frames();
}

namespace bh {
// The boot page tables' root: the kernel half every address space shares.
paddr_t kernel_root();
}
