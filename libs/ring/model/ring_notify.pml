/* ring_notify.pml: one direction of an io/ring.h ring (producer, consumer, event index, final
 * check, event-channel kick) on x86-TSO, checked for no overrun and no lost wake-up.
 *
 * Variants (spin -D...): NO_RECHECK leaves out the consumer's re-check after setting the event
 * index; NO_FENCE leaves out the full fences (store-buffer reordering then loses the wake-up);
 * NO_FULL_CHECK lets the producer fill one slot too many (an overrun the assertions must catch);
 * LIVENESS adds the LTL claim (run pan with -a -f). The correct model must verify with 0 errors,
 * the broken ones must not.
 *
 * Properties:
 *   no overrun   - the producer only writes empty slots, the consumer only reads full ones, and
 *                  the consumer never sees more than SIZE published entries (assertions);
 *   no lost wake - the consumer never sleeps for good while work is pending: every run ends with
 *                  all TOTAL items consumed (a stuck consumer is an invalid end state), and with
 *                  LIVENESS, [] (asleep -> <> !asleep) under weak fairness.
 *
 * Memory model: each process's stores go through its own FIFO store buffer (a channel) drained
 * by a flusher at any time; loads read memory. That is x86-TSO, where the only reordering is a
 * later load passing an earlier store: exactly what the fences in push/final-check are for.
 */

#define SIZE   4                         /* ring slots */
#define MOD    8                         /* indexes wrap modulo MOD, as u32 indexes wrap */
#define TOTAL  12                        /* items produced (indexes wrap once), then stop */
#define BATCH  3                         /* most entries filled before one push */
#define D(a, b) (((a) - (b) + MOD) % MOD)  /* modular distance a - b */

/* store-buffer targets */
#define PROD   0
#define EVENT  1
#define CONS   2
#define SLOT0  3                          /* SLOT0 + i: slot i's full flag */

byte prod = 0;          /* shared req_prod: written by the producer */
byte event = 1;         /* shared req_event: written by the consumer (SHARED_RING_INIT: 1) */
byte cons_pub = 0;      /* shared: how far the consumer has read (frees slots) */
bool filled[SIZE];        /* slot contents: true = holds an unconsumed entry */
bool kick = false;      /* event channel pending bit */
bool asleep = false;
byte consumed = 0;

chan sb_p = [4] of { byte, byte };   /* producer's store buffer */
chan sb_c = [4] of { byte, byte };   /* consumer's store buffer */

inline apply(id, v) {
    if
    :: id == PROD -> prod = v
    :: id == EVENT -> event = v
    :: id == CONS -> cons_pub = v
    :: id >= SLOT0 -> filled[id - SLOT0] = v
    fi
}

active proctype flush_p() {
    byte id, v;
end:
    do
    :: atomic { sb_p?id, v -> apply(id, v) }
    od
}

active proctype flush_c() {
    byte id, v;
end:
    do
    :: atomic { sb_c?id, v -> apply(id, v) }
    od
}

#ifdef NO_FULL_CHECK
#define HAS_ROOM(pvt) (D(pvt, cons_pub) <= SIZE)
#else
#define HAS_ROOM(pvt) (D(pvt, cons_pub) < SIZE)  /* req_prod_pvt - rsp_cons < size */
#endif

#ifdef NO_FENCE
#define FENCE(sb) skip
#else
#define FENCE(sb) empty(sb)             /* mb(): wait until the buffer has drained */
#endif

active proctype producer() {
    byte pvt = 0;       /* req_prod_pvt */
    byte pushed = 0;    /* last published prod: the "old" of the notify test */
    byte sent = 0;
    byte batch;
    do
    :: sent == TOTAL -> break
    :: else ->
        /* fill 1..BATCH slots; wait (spin) while the ring is full */
        batch = 0;
        do
        :: batch < BATCH && sent < TOTAL && HAS_ROOM(pvt) ->
            atomic {
                assert(!filled[pvt % SIZE]);       /* no overrun: the slot was consumed */
                sb_p!(SLOT0 + pvt % SIZE), 1
            }
            pvt = (pvt + 1) % MOD; sent++; batch++
        :: batch > 0 -> break
        od;
        /* push and check notify: store prod; mb; read event */
        sb_p!PROD, pvt;
        FENCE(sb_p);
        if
        :: D(pvt, event) < D(pvt, pushed) -> kick = true
        :: else -> skip
        fi;
        pushed = pvt
    od
}

active proctype consumer() {
    byte cons = 0;
    byte seen;
    do
    :: consumed == TOTAL -> break
    :: else ->
        seen = prod;
        assert(D(seen, cons) <= SIZE);          /* never more published than the ring holds */
        if
        :: seen != cons ->
            atomic {
                assert(filled[cons % SIZE]);       /* only published entries are read */
                sb_c!(SLOT0 + cons % SIZE), 0
            }
            cons = (cons + 1) % MOD; consumed++;
            sb_c!CONS, cons
        :: else ->
            /* final check: event = cons + 1; mb; look again; sleep only if still empty */
            sb_c!EVENT, (cons + 1) % MOD;
            FENCE(sb_c);
#ifdef NO_RECHECK
            if :: true -> goto sleep fi;
#endif
            if
            :: prod != cons -> skip
            :: else ->
sleep:          asleep = true;
                atomic { kick -> kick = false; asleep = false }
            fi
        fi
    od
}

#ifdef LIVENESS
ltl no_lost_wakeup { [] (asleep -> <> !asleep) }
#endif
