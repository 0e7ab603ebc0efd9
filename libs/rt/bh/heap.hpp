// A first-fit heap with boundary tags over one caller-given arena: the memory behind a service's
// operator new (services have no other allocator; the arena is usually a .bss array).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace bh::rt {

// Invariants: the arena is a sequence of blocks, each with a header and a footer holding its size
// and a used bit; no two free blocks are adjacent (frees coalesce); every free block is on the
// doubly linked free list, and no used one is. Sizes are multiples of 16, so payloads are 16-aligned.
class Heap {
public:
    Heap() = default;
    // The arena must outlive the heap; it is trimmed to 16-byte alignment. Too small → no block.
    void init(void* arena, size_t size);
    // nullptr when no free block is large enough (or size is absurd); never aborts.
    void* alloc(size_t size);
    // nullptr is ignored. Anything not returned by alloc is undefined behaviour, as with free().
    void free(void* p);

    size_t bytes_free() const { return free_bytes_; }
    size_t bytes_total() const { return total_; }
    // Walks every block and the free list; false if an invariant is broken (host tests use it).
    bool check() const;

private:
    struct Block;
    Block* first_ = nullptr;
    uint8_t* end_ = nullptr;
    Block* free_list_ = nullptr;
    size_t free_bytes_ = 0, total_ = 0;

    void link(Block* b);
    void unlink(Block* b);
    Block* next_of(Block* b) const;
    Block* prev_of(Block* b) const;
};

// The service-wide heap behind operator new/delete (libs/rt/new.cpp).
Heap& heap();

}  // namespace bh::rt
