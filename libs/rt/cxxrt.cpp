// The few symbols libstdc++'s headers expect from its runtime library, which services do not
// link: std::nothrow, and the throw helpers that <string_view> and friends call on misuse
// (with exceptions off these can only end the domain).
#include <new>

#include "bh/rt.hpp"

namespace std {

const nothrow_t nothrow{};

[[noreturn]] void __throw_out_of_range_fmt(const char* fmt, ...) {
    bh::rt::print("rt: std out of range: %s", fmt);
    bh::rt::exit(134);
}

[[noreturn]] void __throw_out_of_range(const char* what) {
    bh::rt::print("rt: std out of range: %s", what);
    bh::rt::exit(134);
}

[[noreturn]] void __throw_length_error(const char* what) {
    bh::rt::print("rt: std length error: %s", what);
    bh::rt::exit(134);
}

[[noreturn]] void __throw_bad_alloc() {
    bh::rt::print("rt: std bad_alloc");
    bh::rt::exit(134);
}

}  // namespace std
