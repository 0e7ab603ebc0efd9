// A fake frame allocator over a buffer, for tests of table walkers (PageTable, VT-d tables).
#pragma once

#include <stdlib.h>
#include <string.h>

#include <map>
#include <string>
#include <vector>

#include "arch/x86_64/page_table.hpp"

namespace bhtest {

using bh::Error;
using bh::paddr_t;

// Table frames live in a 4 KiB-aligned buffer that plays physical memory from kBase up.
// Invariants it checks: only frames it handed out come back, each once; every frame handed
// out is zeroed; freed frames are poisoned, so a walk through a freed table goes wrong loudly.
class FakeMemory {
public:
    static constexpr paddr_t kBase = 0x40000000;

    explicit FakeMemory(size_t frames) : frames_(frames), used_(frames) {
        buf_ = static_cast<uint8_t*>(aligned_alloc(4096, frames * 4096));
        memset(buf_, 0xA5, frames * 4096);
        saved_base_ = bh::g_physmap_base;
        bh::g_physmap_base = reinterpret_cast<uintptr_t>(buf_) - kBase;
    }
    ~FakeMemory() {
        bh::g_physmap_base = saved_base_;
        free(buf_);
    }
    FakeMemory(const FakeMemory&) = delete;
    FakeMemory& operator=(const FakeMemory&) = delete;

    bh::Result<paddr_t> alloc() {
        if (attempts_++ == fail_at) return fail_with;
        for (size_t i = 0; i < frames_; ++i) {
            if (used_[i]) continue;
            used_[i] = true;
            memset(buf_ + i * 4096, 0, 4096);
            ++allocs;
            history.push_back("alloc " + std::to_string(i));
            return kBase + i * 4096;
        }
        return Error::NoMemory;
    }
    void release(paddr_t pa) {
        size_t i = (pa - kBase) / 4096;
        if (pa < kBase || pa % 4096 || i >= frames_ || !used_[i]) {
            violations.push_back("bad free of " + std::to_string(pa));
            return;
        }
        used_[i] = false;
        memset(buf_ + i * 4096, 0xA5, 4096);
        ++frees;
        history.push_back("free " + std::to_string(i));
    }

    // Makes the allocation attempt `n` from now (0 = the next one) fail with `e`.
    void fail_in(int n, Error e = Error::Quota) {
        fail_at = attempts_ + n;
        fail_with = e;
    }
    size_t live() const {
        size_t n = 0;
        for (bool u : used_) n += u;
        return n;
    }
    // Contents of every live frame, to prove a failed call changed nothing.
    std::map<paddr_t, std::vector<uint8_t>> snapshot() const {
        std::map<paddr_t, std::vector<uint8_t>> s;
        for (size_t i = 0; i < frames_; ++i)
            if (used_[i]) s[kBase + i * 4096].assign(buf_ + i * 4096, buf_ + (i + 1) * 4096);
        return s;
    }

    int allocs = 0, frees = 0;
    int fail_at = -1;
    Error fail_with = Error::Quota;
    std::vector<std::string> history, violations;

private:
    size_t frames_;
    std::vector<bool> used_;
    uint8_t* buf_;
    uintptr_t saved_base_;
    int attempts_ = 0;
};

// The Mem a PageTable holds: a handle on the shared fake.
struct FakeMem {
    FakeMemory* m;
    bh::Result<paddr_t> alloc_table() { return m->alloc(); }
    void free_table(paddr_t pa) { m->release(pa); }
};
static_assert(bh::PageTableMemory<FakeMem>);

}  // namespace bhtest
