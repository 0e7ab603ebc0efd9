// printf-style formatting into a caller's buffer (no allocation, always NUL-terminated).
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace bh {

// Supports %s %c %d %i %u %x %p %%, flags '0' and '-', a width, and the l / ll / z modifiers.
// Returns the number of characters written (excluding the NUL), truncating at n-1.
size_t vformat(char* buf, size_t n, const char* fmt, va_list ap);
size_t format(char* buf, size_t n, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

}  // namespace bh
