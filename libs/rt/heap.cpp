// First-fit heap with boundary tags (see heap.hpp for the invariants).
#include "bh/heap.hpp"

namespace bh::rt {

// Header and footer both hold size | used; the free-list links live in a free block's payload.
struct Heap::Block {
    size_t tag;
    Block* next_free;
    Block* prev_free;

    size_t size() const { return tag & ~size_t{15}; }
    bool used() const { return tag & 1; }
};

namespace {

constexpr size_t kAlign = 16;
constexpr size_t kHeader = kAlign;  // tag padded so that payloads stay 16-aligned
constexpr size_t kFooter = sizeof(size_t);
constexpr size_t kMinBlock = 48;    // header + two links + footer, rounded up

size_t* footer(void* block, size_t size) {
    return reinterpret_cast<size_t*>(static_cast<uint8_t*>(block) + size - kFooter);
}

}  // namespace

void Heap::init(void* arena, size_t size) {
    auto start = reinterpret_cast<uintptr_t>(arena);
    uintptr_t aligned = (start + kAlign - 1) & ~uintptr_t{kAlign - 1};
    size_t usable = size > aligned - start ? (size - (aligned - start)) & ~size_t{kAlign - 1} : 0;
    first_ = nullptr;
    free_list_ = nullptr;
    free_bytes_ = total_ = 0;
    end_ = reinterpret_cast<uint8_t*>(aligned);
    if (usable < kMinBlock) return;
    first_ = reinterpret_cast<Block*>(aligned);
    end_ = reinterpret_cast<uint8_t*>(aligned + usable);
    first_->tag = usable;
    *footer(first_, usable) = usable;
    link(first_);
    free_bytes_ = total_ = usable;
}

void Heap::link(Block* b) {
    b->prev_free = nullptr;
    b->next_free = free_list_;
    if (free_list_) free_list_->prev_free = b;
    free_list_ = b;
}

void Heap::unlink(Block* b) {
    if (b->prev_free) b->prev_free->next_free = b->next_free;
    else free_list_ = b->next_free;
    if (b->next_free) b->next_free->prev_free = b->prev_free;
}

Heap::Block* Heap::next_of(Block* b) const {
    uint8_t* n = reinterpret_cast<uint8_t*>(b) + b->size();
    return n < end_ ? reinterpret_cast<Block*>(n) : nullptr;
}

Heap::Block* Heap::prev_of(Block* b) const {
    if (b == first_) return nullptr;
    size_t prev_size = *reinterpret_cast<size_t*>(reinterpret_cast<uint8_t*>(b) - kFooter) & ~size_t{15};
    return reinterpret_cast<Block*>(reinterpret_cast<uint8_t*>(b) - prev_size);
}

void* Heap::alloc(size_t size) {
    if (size > total_) return nullptr;
    size_t need = (size + kHeader + kFooter + kAlign - 1) & ~size_t{kAlign - 1};
    if (need < kMinBlock) need = kMinBlock;
    for (Block* b = free_list_; b; b = b->next_free) {
        size_t have = b->size();
        if (have < need) continue;
        unlink(b);
        if (have - need >= kMinBlock) {  // split: the tail stays free
            auto* rest = reinterpret_cast<Block*>(reinterpret_cast<uint8_t*>(b) + need);
            rest->tag = have - need;
            *footer(rest, have - need) = have - need;
            link(rest);
            have = need;
        }
        b->tag = have | 1;
        *footer(b, have) = have | 1;
        free_bytes_ -= have;
        return reinterpret_cast<uint8_t*>(b) + kHeader;
    }
    return nullptr;
}

void Heap::free(void* p) {
    if (!p) return;
    auto* b = reinterpret_cast<Block*>(static_cast<uint8_t*>(p) - kHeader);
    size_t size = b->size();
    free_bytes_ += size;
    if (Block* n = next_of(b); n && !n->used()) {
        unlink(n);
        size += n->size();
    }
    if (Block* pr = prev_of(b); pr && !pr->used()) {
        unlink(pr);
        size += pr->size();
        b = pr;
    }
    b->tag = size;
    *footer(b, size) = size;
    link(b);
}

bool Heap::check() const {
    size_t free_seen = 0, free_blocks = 0;
    bool prev_free = false;
    for (Block* b = first_; b; b = next_of(b)) {
        size_t s = b->size();
        if (s < kMinBlock || s % kAlign || reinterpret_cast<uint8_t*>(b) + s > end_) return false;
        if (*footer(b, s) != b->tag) return false;
        if (!b->used()) {
            if (prev_free) return false;  // two adjacent free blocks: a missed coalesce
            free_seen += s;
            ++free_blocks;
        }
        prev_free = !b->used();
    }
    size_t listed = 0;
    for (Block* b = free_list_; b; b = b->next_free) {
        if (b->used() || (b->next_free && b->next_free->prev_free != b)) return false;
        if (++listed > free_blocks) return false;
    }
    return listed == free_blocks && free_seen == free_bytes_;
}

}  // namespace bh::rt
