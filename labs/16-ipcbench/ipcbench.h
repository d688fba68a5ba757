/*
 * ipcbench.h - lab 16's own parts: the shared-memory ring (ring.c) and the
 * objects of each mechanism (chan.c).  The kit's measuring code (bench.c;
 * bench.h says what it does, and holds struct chan) calls them through
 * struct bench_chan.  Linux-only (futex): define _GNU_SOURCE first.
 */
#ifndef IPCBENCH_H
#define IPCBENCH_H

#include "bench.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- the shared-memory ring -------------------------------------------- */

/*
 * One ring carries a byte stream one way.  head counts the bytes ever
 * written, tail the bytes ever read, both modulo 2^32 (RING_BYTES divides
 * 2^32, so head % RING_BYTES is still the place to write).  The writer
 * alone changes head, the reader alone changes tail:
 *
 *   bytes to read   head - tail         (0: empty)
 *   room to write   RING_BYTES - (head - tail)   (0: full)
 *
 * The writer copies bytes in at head % RING_BYTES (in two pieces when they
 * run past the end of data[]), then publishes them by storing the new head;
 * the reader loads head (acquire) before it reads the bytes, copies them
 * out, and stores the new tail, which gives the room back.
 *
 * Sleeping: a reader that finds the ring empty sets reader_sleeps, loads
 * head again, and if it has still not moved sleeps in FUTEX_WAIT on head
 * (the kernel checks head == the value seen before it sleeps).  A writer,
 * after it stored head, wakes the reader (FUTEX_WAKE on head) when
 * reader_sleeps is set.  Flag and counter are seq_cst: then either the
 * writer sees the flag, or the reader sees the new head; a wake-up is never
 * lost.  A full ring is the same with tail, writer_sleeps and the writer.
 * A spinning ring (shm-spin) never sleeps: it loads the counter in a loop.
 *
 * Each side moves at most RING_CHUNK bytes before it publishes its counter:
 * a 1 MiB message goes through in six pieces, and the reader copies one
 * piece out while the writer copies the next one in.  The reader then
 * finds the bytes still in the writer's cache (a core's L2 holds 0.5 to
 * 2 MiB); published as one 1 MiB piece, they have left it, and on the
 * kit's machine the two CPUs moved 1 MiB messages at 7 to 10 GB/s instead
 * of 30 (shm-spin too: it is the caches, not the wake-ups).  RING_CHUNK
 * does not divide RING_BYTES, so the pieces of big messages, too, run past
 * the end of data[] now and then.
 *
 * head and tail sit on cache lines of their own, so that the writer's
 * stores do not steal the reader's line on every message.
 */
#define RING_BYTES (4U << 20)   /* 4 MiB: four 1 MiB messages */
#define RING_CHUNK (192U << 10) /* 192 KiB: the most moved per publish */
#define CACHE_LINE 64

struct ring {
    _Atomic uint32_t head;          /* bytes written: the writer's */
    _Atomic uint32_t reader_sleeps; /* 1: the reader may be asleep */
    unsigned char pad0[CACHE_LINE - 8];
    _Atomic uint32_t tail;          /* bytes read: the reader's */
    _Atomic uint32_t writer_sleeps; /* 1: the writer may be asleep */
    unsigned char pad1[CACHE_LINE - 8];
    unsigned char data[RING_BYTES];
};

/* The shared area: a ring each way, and the mmap handshake word. */
struct shm_area {
    struct ring ring[2];    /* ring[DOWN], ring[UP] */
    _Atomic uint32_t ready; /* mmap: 1 once the child mapped the file */
};

_Static_assert((RING_BYTES & (RING_BYTES - 1)) == 0,
               "RING_BYTES must be a power of two");
_Static_assert(RING_CHUNK < RING_BYTES, "a piece must fit in the ring");
_Static_assert(sizeof(_Atomic uint32_t) == 4, "futex words are 32 bits");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "shared atomics must be lock-free");

/* ring.c: copy len bytes into the ring / out of it, waiting as needed;
 * spin: never sleep (shm-spin).  A failure is fatal (FAIL). */
void ring_write(struct ring *r, const unsigned char *buf, size_t len,
                bool spin);
void ring_read(struct ring *r, unsigned char *buf, size_t len, bool spin);

/*
 * Sleep while *word == seen, at most ms milliseconds.  FUTEX_WAIT, not
 * FUTEX_WAIT_PRIVATE: the word is shared between two processes.  Returns 0
 * (woken, or the word had changed already, or a signal), 1 when the time
 * ran out, -1 with errno on a real error.
 */
static inline int futex_wait(_Atomic uint32_t *word, uint32_t seen, long ms)
{
    struct timespec limit = {ms / 1000, (ms % 1000) * 1000000L};
    if (syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, seen, &limit, NULL,
                0) == -1) {
        if (errno == ETIMEDOUT)
            return 1;
        if (errno != EAGAIN && errno != EINTR)
            return -1;
    }
    return 0;
}

/* Wake whoever sleeps on word.  -1 with errno on error. */
static inline int futex_wake(_Atomic uint32_t *word)
{
    if (syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL, NULL,
                0) == -1)
        return -1;
    return 0;
}

/* ---- the channel ------------------------------------------------------- */

/* System V queue: its key is ftok(".", SYSV_PROJ_ID). */
#define SYSV_PROJ_ID 'b'
/* POSIX queues: name tags (ipc_name) and depth. */
#define MQ_TAG_DOWN "ipcb_down"
#define MQ_TAG_UP "ipcb_up"
#define MQ_DEPTH 10

/* chan.c: what struct bench_chan (bench.h) calls. */
const char *chan_cannot(enum mech m, size_t size);
void chan_setup(struct chan *c, enum mech m, size_t size);
void chan_attach(struct chan *c);
void chan_unlink(struct chan *c);
void chan_remove(struct chan *c);

#endif
