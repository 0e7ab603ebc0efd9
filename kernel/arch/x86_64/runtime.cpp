// The few C/C++ runtime symbols a freestanding g++ build still references.
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/cpu.hpp"
#include "lib/log.hpp"

extern "C" {

void __cxa_pure_virtual() {
    bh::klog("kernel: pure virtual call");
    bh::x86::halt_forever();
}

int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void* __dso_handle = nullptr;

}  // extern "C"

// Kernel objects are freed with kdelete; a deleting destructor must never reach these.
void operator delete(void*) noexcept { bh::x86::halt_forever(); }
void operator delete(void*, size_t) noexcept { bh::x86::halt_forever(); }
