// IntrusiveList: a doubly-linked FIFO threaded through a link member of its elements.
#pragma once

#include <stddef.h>

namespace bh {

// The per-element part of an IntrusiveList. One ListLink serves one list at a time.
template <class T>
struct ListLink {
    T* prev = nullptr;
    T* next = nullptr;
    bool linked = false;
};

// No allocation: the elements carry the links, so push/remove are O(1) and cannot fail.
// Invariants: an element is linked iff it is reachable from head_; size_ counts them;
// head_ == nullptr iff tail_ == nullptr iff size_ == 0. push_back of an element already
// linked and remove of one not linked are ignored (they would corrupt the chain).
// The list does not know *which* list an element's link is on: callers that use one link
// for several lists (run queues by priority) must remember which one it is.
template <class T, ListLink<T> T::*L>
class IntrusiveList {
public:
    constexpr IntrusiveList() = default;
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;

    bool empty() const { return head_ == nullptr; }
    size_t size() const { return size_; }
    T* front() const { return head_; }
    static T* next(const T& e) { return (e.*L).next; }
    static bool linked(const T& e) { return (e.*L).linked; }

    void push_back(T& e) {
        ListLink<T>& l = e.*L;
        if (l.linked) return;
        l.prev = tail_;
        l.next = nullptr;
        l.linked = true;
        if (tail_)
            (tail_->*L).next = &e;
        else
            head_ = &e;
        tail_ = &e;
        size_++;
    }

    void remove(T& e) {
        ListLink<T>& l = e.*L;
        if (!l.linked) return;
        if (l.prev)
            (l.prev->*L).next = l.next;
        else
            head_ = l.next;
        if (l.next)
            (l.next->*L).prev = l.prev;
        else
            tail_ = l.prev;
        l = ListLink<T>{};
        size_--;
    }

    T* pop_front() {
        T* e = head_;
        if (e) remove(*e);
        return e;
    }

private:
    T* head_ = nullptr;
    T* tail_ = nullptr;
    size_t size_ = 0;
};

}  // namespace bh
