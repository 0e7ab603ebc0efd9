// testsvc: a minimal service domain — reports ready, then serves events forever (counting them).
#include <bh/rt.hpp>

using namespace bh::rt;

int bh_main(uint64_t, uint64_t) {
    print("testsvc: up as domain %u", self_id());
    report_ready();
    for (uint64_t n = 0;; ++n) wait_event();
}
