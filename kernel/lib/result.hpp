// Result<T>: the one error-carrying return type of kernel and service logic.
#pragma once

#include <stdint.h>

#include <new>
#include <type_traits>
#include <utility>

#include "lib/error.hpp"

namespace bh {

// A value or an Error. [[nodiscard]] so a failure is never silently dropped.
template <class T>
class [[nodiscard]] Result {
public:
    Result(Error e) : err_(e) {}  // NOLINT: implicit by design, `return Error::X;`
    Result(const T& v) : err_(Error::None) { new (&storage_) T(v); }
    Result(T&& v) : err_(Error::None) { new (&storage_) T(std::move(v)); }
    Result(const Result& o) : err_(o.err_) {
        if (ok()) new (&storage_) T(o.value());
    }
    Result& operator=(const Result& o) {
        if (this == &o) return *this;
        if (ok()) value().~T();
        err_ = o.err_;
        if (ok()) new (&storage_) T(o.value());
        return *this;
    }
    ~Result() {
        if (ok()) value().~T();
    }

    bool ok() const { return err_ == Error::None; }
    explicit operator bool() const { return ok(); }
    Error error() const { return err_; }
    T& value() { return *std::launder(reinterpret_cast<T*>(&storage_)); }
    const T& value() const { return *std::launder(reinterpret_cast<const T*>(&storage_)); }
    T& operator*() { return value(); }
    T* operator->() { return &value(); }

private:
    Error err_;
    alignas(T) unsigned char storage_[sizeof(T)];
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() : err_(Error::None) {}
    Result(Error e) : err_(e) {}  // NOLINT: implicit by design
    bool ok() const { return err_ == Error::None; }
    explicit operator bool() const { return ok(); }
    Error error() const { return err_; }

private:
    Error err_;
};

inline Result<void> success() { return {}; }

}  // namespace bh

// TRY(expr): evaluate a Result, return its error from the enclosing function on failure,
// else yield the value. GCC/Clang statement expression; both compilers build the kernel.
#define TRY(expr)                                         \
    ({                                                    \
        auto&& bh_try_r_ = (expr);                        \
        if (!bh_try_r_.ok()) return bh_try_r_.error();    \
        std::move(bh_try_r_.value());                     \
    })

// TRYV(expr): the same for Result<void>.
#define TRYV(expr)                                        \
    do {                                                  \
        auto bh_try_r_ = (expr);                          \
        if (!bh_try_r_.ok()) return bh_try_r_.error();    \
    } while (0)
