/*
 * ring.c - the shared-memory ring of shm, shm-spin and mmap: a byte stream
 * one way through struct ring (ipcbench.h says how head, tail and the two
 * sleep flags work).  Writer and reader are two processes; a side that
 * must wait sleeps on a futex (or spins, shm-spin) and never loses a
 * wake-up.
 */
#define _GNU_SOURCE /* ipcbench.h: futex */

#include "ipcbench.h"

#include <string.h>

/*
 * Wait until *word moves from seen.  A spinning ring loads it in a loop;
 * a sleeping one says it sleeps (*sleeping = 1), loads the word once more
 * and sleeps in the kernel while it still holds seen.  Returns with the
 * word possibly unchanged (a tick ran out): the caller loads it again.
 */
static void ring_wait(_Atomic uint32_t *word, _Atomic uint32_t *sleeping,
                      uint32_t seen, bool spin)
{
    if (spin) {
        unsigned long n = 0;
        while (atomic_load_explicit(word, memory_order_acquire) == seen)
            if (++n % SPIN_CHECK == 0)
                check_peer();
        return;
    }
    /* TODO 1: the sleeping wait.  Store 1 into *sleeping, then load *word
     * (both atomic_store / atomic_load: seq_cst, so that the writer's
     * "store counter, then load flag" and our "store flag, then load
     * counter" cannot both miss the other's store).  If *word still holds
     * seen, futex_wait(word, seen, TICK_MS): -1 is an error (FAIL
     * "futex wait"), 1 means the tick ran out: check_peer(), the other
     * side may have died.  Then store 0 into *sleeping. */
    atomic_store(sleeping, 1);
    if (atomic_load(word) == seen) {
        int r = futex_wait(word, seen, TICK_MS);
        if (r == -1)
            FAIL("futex wait");
        if (r == 1)
            check_peer();
    }
    atomic_store(sleeping, 0);
    //> (void)word, (void)sleeping, (void)seen; /* you will need them */
    //> errno = ENOSYS;
    //> FAIL("ring_wait: not written yet (TODO 1)");
    /* END TODO 1 */
}

/* After storing *word: wake the other side if it may sleep on it. */
static void ring_wake(_Atomic uint32_t *word, _Atomic uint32_t *sleeping,
                      bool spin)
{
    /* TODO 2: a spinning ring never sleeps: nothing to do.  Otherwise,
     * if atomic_load(sleeping) is 1, futex_wake(word); FAIL "futex wake"
     * when it returns -1.  (Waking only a sleeper saves a system call per
     * message; waking always would be correct too, but slower.) */
    if (!spin && atomic_load(sleeping) && futex_wake(word) == -1)
        FAIL("futex wake");
    //> (void)word, (void)sleeping, (void)spin; /* you will need them */
    /* END TODO 2 */
}

/* Copy len bytes from buf into the ring, waiting for room as needed. */
void ring_write(struct ring *r, const unsigned char *buf, size_t len, bool spin)
{
    uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    /* TODO 3: while bytes are left: load tail (acquire); the room is
     * RING_BYTES - (head - tail).  No room: ring_wait() on tail with
     * writer_sleeps and go round.  Else copy n = min(len, room,
     * RING_CHUNK) bytes to data[head % RING_BYTES], in two memcpy() calls
     * when they run past the end of data[] (the rest goes to data[0]).
     * Then advance head by n, publish it with atomic_store (seq_cst, see
     * ring_wait), and ring_wake() the reader (head, reader_sleeps). */
    while (len > 0) {
        uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
        uint32_t room = RING_BYTES - (head - tail);
        if (room == 0) {
            ring_wait(&r->tail, &r->writer_sleeps, tail, spin);
            continue;
        }
        size_t n = len < room ? len : room;
        if (n > RING_CHUNK) /* let the reader start: ipcbench.h */
            n = RING_CHUNK;
        size_t off = head & (RING_BYTES - 1);
        size_t first = n < RING_BYTES - off ? n : RING_BYTES - off;
        memcpy(r->data + off, buf, first);
        memcpy(r->data, buf + first, n - first);
        head += (uint32_t)n;
        buf += n;
        len -= n;
        atomic_store(&r->head, head);
        ring_wake(&r->head, &r->reader_sleeps, spin);
    }
    //> (void)r, (void)buf, (void)len, (void)spin; /* you will need them */
    //> (void)head, (void)ring_wait, (void)ring_wake;
    //> errno = ENOSYS;
    //> FAIL("ring_write: not written yet (TODO 3)");
    /* END TODO 3 */
}

/* Copy len bytes out of the ring into buf, waiting for them as needed. */
void ring_read(struct ring *r, unsigned char *buf, size_t len, bool spin)
{
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    /* TODO 4: the mirror image of TODO 3: load head (acquire); the bytes
     * to read are head - tail.  None: ring_wait() on head with
     * reader_sleeps.  Else copy n = min(len, available, RING_CHUNK)
     * bytes out of data[tail % RING_BYTES] (two pieces at the end of
     * data[]), advance tail, publish it with atomic_store and ring_wake()
     * the writer (tail, writer_sleeps). */
    while (len > 0) {
        uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        uint32_t avail = head - tail;
        if (avail == 0) {
            ring_wait(&r->head, &r->reader_sleeps, head, spin);
            continue;
        }
        size_t n = len < avail ? len : avail;
        if (n > RING_CHUNK) /* give the room back early */
            n = RING_CHUNK;
        size_t off = tail & (RING_BYTES - 1);
        size_t first = n < RING_BYTES - off ? n : RING_BYTES - off;
        memcpy(buf, r->data + off, first);
        memcpy(buf + first, r->data, n - first);
        tail += (uint32_t)n;
        buf += n;
        len -= n;
        atomic_store(&r->tail, tail);
        ring_wake(&r->tail, &r->writer_sleeps, spin);
    }
    //> (void)r, (void)buf, (void)len, (void)spin; /* you will need them */
    //> (void)tail;
    //> errno = ENOSYS;
    //> FAIL("ring_read: not written yet (TODO 4)");
    /* END TODO 4 */
}
