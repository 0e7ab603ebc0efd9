// The kernel's one FrameAllocator instance (set up from the PVH memory map at boot).
#pragma once

#include "mem/frame_alloc.hpp"

namespace bh {
FrameAllocator& machine_frames();
}

namespace bh {
// The boot page tables' root: the kernel half every address space shares.
paddr_t kernel_root();
// True for any address the firmware memory map calls RAM (managed by the allocator or not:
// the kernel image and boot modules are RAM too).
bool machine_is_ram(paddr_t pa);
}
