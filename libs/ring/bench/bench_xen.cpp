// bench-ring: Xen's own io/ring.h macros (libxen-dev), used the way Linux's blkfront/blkback
// use them, in the common loops. The only file that includes Xen's code: it is the reference
// being measured.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Linux's barriers on x86-64: virt_mb() is a locked add to the stack, virt_rmb()/virt_wmb() only
// stop the compiler (TSO already orders loads with loads and stores with stores).
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#define xen_mb() __asm__ __volatile__("lock; addl $0,-4(%%rsp)" ::: "memory", "cc")
#define xen_rmb() __asm__ __volatile__("" ::: "memory")
#define xen_wmb() __asm__ __volatile__("" ::: "memory")
#include <xen/io/ring.h>

#include "loops.hpp"

namespace bench {
namespace {

DEFINE_RING_TYPES(msg, Msg, Msg);

// As xen-blkfront's blkif_interrupt: read rsp_prod once per batch, check it, consume.
struct alignas(64) Front {  // own cache line: the two ends run on different CPUs
    msg_front_ring_t r;
    RING_IDX rp = 0;
    Msg* next_request() {
        if (RING_FULL(&r)) return nullptr;
        return RING_GET_REQUEST(&r, r.req_prod_pvt++);
    }
    bool push() {
        int notify;
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&r, notify);
        return notify;
    }
    bool take_response(Msg& m) {
        if (r.rsp_cons == rp) {
            rp = r.sring->rsp_prod;
            xen_rmb();
            if (RING_RESPONSE_PROD_OVERFLOW(&r, rp)) abort();
            if (r.rsp_cons == rp) return false;
        }
        RING_COPY_RESPONSE(&r, r.rsp_cons, &m);
        ++r.rsp_cons;
        return true;
    }
    bool final_check() {
        int more;
        RING_FINAL_CHECK_FOR_RESPONSES(&r, more);
        return more;
    }
};

// As xen-blkback's __do_block_io_op: read req_prod once per batch, check it, copy requests out.
struct alignas(64) Back {
    msg_back_ring_t r;
    RING_IDX rp = 0;
    bool take_request(Msg& m) {
        if (r.req_cons == rp) {
            rp = r.sring->req_prod;
            xen_rmb();
            if (RING_REQUEST_PROD_OVERFLOW(&r, rp)) abort();
            if (r.req_cons == rp) return false;
        }
        if (RING_REQUEST_CONS_OVERFLOW(&r, r.req_cons)) return false;
        RING_COPY_REQUEST(&r, r.req_cons, &m);
        ++r.req_cons;
        return true;
    }
    Msg* next_response() { return RING_GET_RESPONSE(&r, r.rsp_prod_pvt++); }
    bool push() {
        int notify;
        RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&r, notify);
        return notify;
    }
    bool final_check() {
        int more;
        RING_FINAL_CHECK_FOR_REQUESTS(&r, more);
        return more;
    }
};

struct Rig {
    template <class F>
    static auto run(F f) {
        auto* s = static_cast<msg_sring_t*>(aligned_alloc(4096, 4096));
        Front front;
        Back back;
        SHARED_RING_INIT(s);
        FRONT_RING_INIT(&front.r, s, 4096);
        BACK_RING_INIT(&back.r, s, 4096);
        auto result = f(front, back);
        free(s);
        return result;
    }
};

}  // namespace

Variant xen_variant() { return make_variant<Rig>("xen"); }

}  // namespace bench
