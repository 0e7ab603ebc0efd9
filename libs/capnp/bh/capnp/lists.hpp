// Typed views the generated getters return: fields by kind and lists by element type.
#pragma once

#include <stdint.h>

#include <type_traits>

#include "bh/capnp/reader.hpp"

namespace bh::wire {

// Field getters never fail: Message::root validated every pointer they follow, and a pointer
// that is still unreadable (an inactive union member's slot, say) reads as the default.
inline Text text_field(const StructReader& s, uint16_t i, Text dflt = {}) {
    PointerRef ref = s.pointer(i);
    const uint8_t* p = nullptr;
    uint32_t n = 0;
    if (ref.is_null() || read_blob(ref, true, nullptr, p, n) != Error::None) return dflt;
    return Text(reinterpret_cast<const char*>(p), n);
}

inline Data data_field(const StructReader& s, uint16_t i, Data dflt = {}) {
    PointerRef ref = s.pointer(i);
    const uint8_t* p = nullptr;
    uint32_t n = 0;
    if (ref.is_null() || read_blob(ref, false, nullptr, p, n) != Error::None) return dflt;
    return Data(p, n);
}

inline StructReader struct_field(const PointerRef& ref) {
    StructReader out;
    if (ref.is_null() || read_struct(ref, nullptr, out) != Error::None) return {};
    return out;
}

inline ListReader list_field(const PointerRef& ref, ElementSize expected) {
    ListReader out;
    if (ref.is_null() || read_list(ref, expected, nullptr, out) != Error::None) return {};
    return out;
}

// Index iterator shared by the list views (range-for over any of them).
template <class List>
class ListIterator {
public:
    ListIterator(const List* l, uint32_t i) : l_(l), i_(i) {}
    auto operator*() const { return (*l_)[i_]; }
    ListIterator& operator++() {
        ++i_;
        return *this;
    }
    bool operator!=(const ListIterator& o) const { return i_ != o.i_; }
    bool operator==(const ListIterator& o) const { return i_ == o.i_; }

private:
    const List* l_;
    uint32_t i_;
};

// Shared shape of the typed lists: size, iteration, bounds-checked indexing (an index past the
// end reads as the element's default).
template <class Derived>
class ListView {
public:
    ListView() = default;
    explicit ListView(ListReader l) : l_(l) {}
    uint32_t size() const { return l_.size(); }
    bool empty() const { return l_.size() == 0; }
    ListIterator<Derived> begin() const { return {static_cast<const Derived*>(this), 0}; }
    ListIterator<Derived> end() const { return {static_cast<const Derived*>(this), l_.size()}; }

protected:
    ListReader l_;
};

// List(Bool), List(IntN), List(UIntN) and List(Enum).
template <class T>
class PrimitiveList : public ListView<PrimitiveList<T>> {
public:
    using ListView<PrimitiveList<T>>::ListView;
    T operator[](uint32_t i) const {
        if constexpr (std::is_same_v<T, bool>) return this->l_.get_bool(i);
        else if constexpr (std::is_enum_v<T>) return static_cast<T>(this->l_.template get<uint16_t>(i));
        else return this->l_.template get<T>(i);
    }
    static constexpr ElementSize kElementSize =
        std::is_enum_v<T> ? ElementSize::TwoBytes : element_size_of<T>();
};

// List(SomeStruct): R is the struct's generated Reader.
template <class R>
class StructList : public ListView<StructList<R>> {
public:
    using ListView<StructList<R>>::ListView;
    R operator[](uint32_t i) const { return R(this->l_.struct_at(i)); }
};

class TextList : public ListView<TextList> {
public:
    using ListView<TextList>::ListView;
    Text operator[](uint32_t i) const {
        PointerRef ref = l_.pointer_at(i);
        const uint8_t* p = nullptr;
        uint32_t n = 0;
        if (ref.is_null() || read_blob(ref, true, nullptr, p, n) != Error::None) return {};
        return Text(reinterpret_cast<const char*>(p), n);
    }
};

class DataList : public ListView<DataList> {
public:
    using ListView<DataList>::ListView;
    Data operator[](uint32_t i) const {
        PointerRef ref = l_.pointer_at(i);
        const uint8_t* p = nullptr;
        uint32_t n = 0;
        if (ref.is_null() || read_blob(ref, false, nullptr, p, n) != Error::None) return {};
        return Data(p, n);
    }
};

}  // namespace bh::wire
