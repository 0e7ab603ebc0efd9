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
// else yield the value. GCC/Clang statement expression; both compilers build the kernel. Each
// use gets its own variable name, so TRY nests (TRY(f(TRY(g())))) without shadowing.
#define BH_CAT_(a, b) a##b
#define BH_CAT(a, b) BH_CAT_(a, b)
#define BH_TRY_(expr, r)                                  \
    ({                                                    \
        auto&& r = (expr);                                \
        if (!r.ok()) return r.error();                    \
        std::move(r.value());                             \
    })
#define TRY(expr) BH_TRY_(expr, BH_CAT(bh_try_r_, __COUNTER__))

// TRYV(expr): the same for Result<void>.
#define TRYV(expr)                                        \
    do {                                                  \
        auto bh_tryv_r_ = (expr);                         \
        if (!bh_tryv_r_.ok()) return bh_tryv_r_.error();  \
    } while (0)
