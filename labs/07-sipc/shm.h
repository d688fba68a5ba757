/*
 * shm.h - the protocol between the shared-memory server (sipc1) and its
 * clients (sipc2).  Both programs include it; no key, state or size below
 * is repeated in a .c file.
 *
 * One System V shared memory segment, a struct sipc_shm, carries one
 * request and its reply at a time: a single "slot".  Nothing in the
 * segment is a plain int that one side spins on.  Two words are C11
 * atomics:
 *
 *   server   the pid of the server that has taken the segment, 0 while
 *            none has.  A server takes the segment with a compare-and-
 *            swap 0 -> its pid, so two servers never share one, and a pid
 *            left there by a killed server shows that the segment is stale.
 *   state    what the slot holds.  Every change is a store with
 *            memory_order_release (or a compare-and-swap) by the side that
 *            just wrote the data, and every reader loads it with
 *            memory_order_acquire before it reads the data: what was
 *            written before the release is visible after the acquire.
 *
 * The slot goes round in a circle, each arrow one side's move:
 *
 *   NOSERVER --server--> EMPTY --client--> BUSY --client--> REQUEST
 *                          ^                                   |
 *                          +--client-- REPLY <----server-------+
 *
 *   SIPC_NOSERVER  no server yet.  A new segment is all zero bytes (the
 *                  kernel says so), so it starts here, whoever made it.
 *   SIPC_EMPTY     the server is ready and the slot is free: a client
 *                  takes it with compare-and-swap EMPTY -> BUSY.
 *   SIPC_BUSY      the client that took the slot is writing req.
 *   SIPC_REQUEST   req is complete; the server reads it and writes rep.
 *   SIPC_REPLY     rep is complete; the client that owns the slot reads
 *                  it and sets the slot EMPTY for the next client.
 *
 * SIPC_CLOSED is a flag or'ed into state: the server has stopped (it
 * leaves the slot state as it was, so a REPLY can still be read), or the
 * client that created the segment gave up waiting for a server.  Nobody
 * starts anything on a closed segment.
 *
 * Waiting: a side that must wait for the other does not spin (a spinning
 * process burns a whole core, and on a 2-core machine takes it from the
 * very process it waits for).  It sleeps in the kernel with a futex
 * (sipc_wait) on the state word, and every side that changes state wakes
 * the sleepers (sipc_wake).  The kernel compares *word with the value the
 * waiter last saw before it puts the waiter to sleep, so a change made just
 * before the sleep is never missed.  sipc_wait also returns after a signal
 * and after at most SIPC_TICK_MS, so a waiter can look at its stop flag,
 * its deadline and whether the other side is still alive; it then loads
 * state again and decides.
 *
 * A futex is Linux-only and syscall() is not in POSIX: a .c file that
 * includes this header defines _DEFAULT_SOURCE before its first #include.
 * FUTEX_WAIT and FUTEX_WAKE (not the _PRIVATE ones): the word is shared
 * between processes, and a private futex only wakes threads of one process.
 *
 * The key is ftok(".", SHM_PROJ_ID): server and clients run in the same
 * directory; two directories (two students, two gradings) get two
 * segments.  Whoever comes first creates the segment (IPC_CREAT |
 * IPC_EXCL); the other finds it (EEXIST) and attaches to it.
 *
 * Who removes the segment (IPC_RMID):
 *   - the server, once it has taken the segment, on every way out: after
 *     COUNT requests, on SIGINT and SIGTERM, on every error (atexit);
 *   - before that, whoever created it: a client that created it and gives
 *     up (time limit, signal, error) closes it (compare-and-swap NOSERVER
 *     -> CLOSED) and removes it.  When that swap fails, a server has taken
 *     the segment, and removing it is the server's job.
 * Only SIGKILL leaves a segment behind: the next sipc1 refuses it and
 * sipc2 fails on it, both naming `ipcrm -M KEY`.
 */
#ifndef SHM_H
#define SHM_H

#if !defined(_DEFAULT_SOURCE) && !defined(_GNU_SOURCE)
#error "define _DEFAULT_SOURCE before the first #include: syscall() needs it"
#endif

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ftok(".", SHM_PROJ_ID) is the segment's key; only the low 8 bits count. */
#define SHM_PROJ_ID 'm'

/* Permissions of the segment: only its owner may attach it. */
#define SHM_MODE 0600

/* Bytes in a text field, its NUL included: a message is at most
 * SIPC_TEXT - 1 = 255 bytes long. */
#define SIPC_TEXT 256

/* The longest a sipc_wait() sleeps, in milliseconds. */
#define SIPC_TICK_MS 1000

/* The slot states (state & SIPC_SLOT), and the closed flag. */
enum {
    SIPC_NOSERVER = 0, /* no server has taken the segment yet */
    SIPC_EMPTY = 1,    /* free: a client may take it */
    SIPC_BUSY = 2,     /* a client is writing its request */
    SIPC_REQUEST = 3,  /* the request is complete, for the server */
    SIPC_REPLY = 4     /* the reply is complete, for that client */
};
#define SIPC_SLOT 0xffu    /* the bits of state that hold the slot state */
#define SIPC_CLOSED 0x100u /* the server stopped, or the creator gave up */

/* A request, written by the client that holds the slot. */
struct sipc_request {
    pid_t pid;            /* the client's pid */
    char text[SIPC_TEXT]; /* the message, NUL-terminated */
};

/* A reply, written by the server. */
struct sipc_reply {
    pid_t pid;            /* the pid of the request it answers */
    unsigned serial;      /* 1 for the server's first request, then 2.. */
    char text[SIPC_TEXT]; /* the request's text in upper case */
};

/* The whole segment. */
struct sipc_shm {
    _Atomic uint32_t state;  /* slot state | SIPC_CLOSED; the futex word */
    _Atomic pid_t server;    /* the server's pid; 0 until one takes it */
    struct sipc_request req; /* valid in REQUEST (after acquire) */
    struct sipc_reply rep;   /* valid in REPLY (after acquire) */
};

/* The segment's size, the same for everyone: a segment of another size
 * under our key (from an older version) makes shmget() fail with EINVAL. */
#define SHM_SIZE sizeof(struct sipc_shm)

/* The futex system call works on an aligned 32-bit int, and atomics that
 * two processes share must be lock-free (C11 7.17.5: then they are also
 * address-free, right wherever each process attached the segment). */
_Static_assert(sizeof(_Atomic uint32_t) == 4, "state must be 32 bits");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "int atomics must be lock-free");

/*
 * Sleep while *word still equals seen, for at most ms milliseconds (and
 * never longer than SIPC_TICK_MS).  Returns 0 after a wake, a change of
 * *word, a signal, or the time limit: the caller cannot tell which and
 * must load *word again.  Returns -1 with errno set on a real error.
 */
static inline int sipc_wait(_Atomic uint32_t *word, uint32_t seen, long ms)
{
    if (ms > SIPC_TICK_MS)
        ms = SIPC_TICK_MS;
    if (ms < 1)
        ms = 1;
    struct timespec limit = {ms / 1000, (ms % 1000) * 1000000L};
    /* The kernel reads the word as a plain uint32_t: the same bytes. */
    if (syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, seen, &limit, NULL,
                0) == -1 &&
        errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT)
        return -1;
    return 0;
}

/* Wake every process sleeping in sipc_wait() on word.  -1 on error. */
static inline int sipc_wake(_Atomic uint32_t *word)
{
    if (syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL, NULL,
                0) == -1)
        return -1;
    return 0;
}

#endif
