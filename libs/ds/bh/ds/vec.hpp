// Vec<T>: a growable array whose growth reports allocation failure instead of throwing.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace bh::ds {

// Invariant: data_[0, size_) are constructed T, data_[size_, cap_) are raw storage; data_ is
// null exactly when cap_ == 0. Move-only: copying may fail, so it is the explicit copy_from().
// Every operation that can allocate is [[nodiscard]] and leaves the Vec unchanged on failure.
template <class T>
class Vec {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "over-aligned element");
    static_assert(std::is_nothrow_move_constructible_v<T>, "elements move without failing");

public:
    Vec() = default;
    Vec(const Vec&) = delete;
    Vec& operator=(const Vec&) = delete;
    Vec(Vec&& o) noexcept : data_(o.data_), size_(o.size_), cap_(o.cap_) {
        o.data_ = nullptr;
        o.size_ = o.cap_ = 0;
    }
    Vec& operator=(Vec&& o) noexcept {
        if (this != &o) {
            release();
            data_ = o.data_;
            size_ = o.size_;
            cap_ = o.cap_;
            o.data_ = nullptr;
            o.size_ = o.cap_ = 0;
        }
        return *this;
    }
    ~Vec() { release(); }

    size_t size() const { return size_; }
    size_t capacity() const { return cap_; }
    bool empty() const { return size_ == 0; }
    T* data() { return data_; }
    const T* data() const { return data_; }
    T* begin() { return data_; }
    T* end() { return data_ + size_; }
    const T* begin() const { return data_; }
    const T* end() const { return data_ + size_; }
    T& operator[](size_t i) { return data_[i]; }
    const T& operator[](size_t i) const { return data_[i]; }
    T& back() { return data_[size_ - 1]; }
    const T& back() const { return data_[size_ - 1]; }
    std::span<T> span() { return {data_, size_}; }
    std::span<const T> span() const { return {data_, size_}; }

    // Makes room for n elements in total without further allocation.
    [[nodiscard]] bool reserve(size_t n) {
        if (n <= cap_) return true;
        if (n > SIZE_MAX / sizeof(T)) return false;
        T* fresh = static_cast<T*>(::operator new(n * sizeof(T), std::nothrow));
        if (fresh == nullptr) return false;
        for (size_t i = 0; i < size_; i++) {
            new (&fresh[i]) T(std::move(data_[i]));
            data_[i].~T();
        }
        ::operator delete(data_);
        data_ = fresh;
        cap_ = n;
        return true;
    }

    template <class... Args>
    [[nodiscard]] bool emplace_back(Args&&... args) {
        if (!grow_for(size_ + 1)) return false;
        new (&data_[size_]) T(std::forward<Args>(args)...);
        size_++;
        return true;
    }
    [[nodiscard]] bool push_back(const T& v) { return emplace_back(v); }
    [[nodiscard]] bool push_back(T&& v) { return emplace_back(std::move(v)); }

    // Inserts before index i (i <= size()), shifting the tail up by one.
    [[nodiscard]] bool insert(size_t i, T&& v) {
        if (i > size_ || !grow_for(size_ + 1)) return false;
        if (i == size_) {
            new (&data_[size_]) T(std::move(v));
        } else {
            new (&data_[size_]) T(std::move(data_[size_ - 1]));
            for (size_t j = size_ - 1; j > i; j--) data_[j] = std::move(data_[j - 1]);
            data_[i] = std::move(v);
        }
        size_++;
        return true;
    }

    // Removes [first, last), keeping the order of the rest.
    void erase(size_t first, size_t last) {
        if (first >= last || last > size_) return;
        size_t n = last - first;
        for (size_t j = first; j + n < size_; j++) data_[j] = std::move(data_[j + n]);
        for (size_t j = size_ - n; j < size_; j++) data_[j].~T();
        size_ -= n;
    }
    void erase(size_t i) { erase(i, i + 1); }
    void pop_back() {
        if (size_ > 0) data_[--size_].~T();
    }
    void clear() {
        for (size_t i = 0; i < size_; i++) data_[i].~T();
        size_ = 0;
    }

    // Grows with default-constructed elements or shrinks to n.
    [[nodiscard]] bool resize(size_t n) {
        if (n < size_) {
            erase(n, size_);
            return true;
        }
        if (!grow_for(n)) return false;
        for (size_t i = size_; i < n; i++) new (&data_[i]) T();
        size_ = n;
        return true;
    }

    // Replaces the contents with copies of o's; on failure *this is unchanged.
    [[nodiscard]] bool copy_from(const Vec& o) {
        if (this == &o) return true;
        Vec fresh;
        if (!fresh.reserve(o.size_)) return false;
        for (size_t i = 0; i < o.size_; i++) new (&fresh.data_[i]) T(o.data_[i]);
        fresh.size_ = o.size_;
        *this = std::move(fresh);
        return true;
    }

    // Makes room for n elements in total, growing geometrically so that repeated appends stay
    // amortised O(1) (reserve() allocates exactly).
    [[nodiscard]] bool grow_for(size_t n) {
        if (n <= cap_) return true;
        size_t want = cap_ < 4 ? 4 : cap_ * 2;
        if (want < n || want < cap_) want = n;
        return reserve(want);
    }

private:
    void release() {
        clear();
        ::operator delete(data_);
        data_ = nullptr;
        cap_ = 0;
    }

    T* data_ = nullptr;
    size_t size_ = 0;
    size_t cap_ = 0;
};

}  // namespace bh::ds
