/*
 * pshm.h - the protocol between the producer (pshmp) and the consumer
 * (pshmc) of lab 10.  Both programs include it; no name, size, mode or
 * state below is repeated in a .c file.
 *
 * One POSIX shared-memory object, a struct pshm_ring, carries a byte
 * stream from the producer to the consumer.  Its name comes from
 * ipc_name(buf, len, PSHM_TAG) (synclib): "/ipckit-pshm-UID-DEV-INODE",
 * the same for both programs started in the same directory, different for
 * every other user and directory.  On Linux the object shows up as the
 * file PSHM_DIR "/ipckit-pshm-..." (the name without its leading '/').
 *
 * The ring.  PSHM_NSLOTS slots of at most PSHM_SLOT bytes each.  The
 * producer fills slot 0, 1, ..., PSHM_NSLOTS - 1, 0, 1, ...; the consumer
 * empties them in the same order.  Each side keeps its own index (head,
 * tail) in a local variable: nobody else needs it.  Two process-shared
 * unnamed semaphores (sem_init with pshared 1) count the slots:
 *
 *   free_slots  slots the producer may fill; starts at PSHM_NSLOTS.  The
 *               producer waits on it before it fills a slot, the consumer
 *               posts it after it has written a slot's bytes out.
 *   full_slots  slots the consumer may empty; starts at 0.  The consumer
 *               waits on it, the producer posts it after it filled a slot.
 *   done        starts at 0; the consumer posts it once, after it wrote
 *               the last byte: only then does the producer report success.
 *
 * A slot's len is its number of bytes, 1 to PSHM_SLOT.  A slot with len 0
 * is the end of the stream: an empty input is just that one slot.
 *
 * Nobody busy-waits.  Every wait is pshm_wait() below: sem_timedwait for
 * at most PSHM_TICK_MS, so that after a signal (EINTR) or a tick the
 * waiter looks at its stop flag, its deadline and whether the other side
 * is still alive (kill(pid, 0): a process killed with SIGKILL never posts
 * again), then waits again.  A sleeping waiter uses no CPU.
 *
 * state (atomic) says who the name belongs to:
 *
 *   PSHM_NEW       0: a new object is all zero bytes; the producer is
 *                  still setting it up.
 *   PSHM_WAITING   set up (sems, producer pid, magic), no consumer yet.
 *   PSHM_ATTACHED  a consumer took the stream: compare-and-swap WAITING ->
 *                  ATTACHED, so two consumers never share one stream.
 *   PSHM_CLOSED    the producer gave up before any consumer came.
 *
 * magic is PSHM_MAGIC once the object is set up: the producer stores it
 * last, with memory_order_release; the consumer loads it with acquire
 * before it touches anything else.  An object of our name with another
 * size, or that never gets its magic, is not ours: both programs refuse it
 * and name the command that removes it.
 *
 * Waiting for the producer.  The consumer may start first; the object does
 * not exist yet.  It watches PSHM_DIR with inotify (Linux-only: there is no
 * POSIX way to wait for a shm name to appear) and tries shm_open again
 * after each event, and at least every PSHM_TICK_MS, which also covers a
 * system where the objects do not live in PSHM_DIR.  The object can be
 * found in the microseconds between the producer's shm_open and its magic
 * store: then the consumer backs off with nanosleep (1 ms, doubling to
 * PSHM_TICK_MS) for at most PSHM_SETUP_MS in all.
 *
 * Who removes the name (shm_unlink); the memory itself is freed by the
 * kernel once the name is gone and both sides have unmapped it:
 *   - the producer creates it (O_CREAT | O_EXCL: a leftover fails loudly)
 *     and owns it while no consumer has taken it.  On every way out before
 *     that (no consumer within -t, SIGINT/SIGTERM, any error; an atexit
 *     handler) it sets state CLOSED and unlinks the name;
 *   - the consumer that wins WAITING -> ATTACHED unlinks it at once.  From
 *     then on no name exists, and nothing can be left behind, whatever
 *     happens to either process, SIGKILL included.
 * Only a SIGKILL of the producer before a consumer came (or of the consumer
 * between its compare-and-swap and its shm_unlink) leaves the name: the
 * next pshmp refuses it, pshmc fails on it, and both say
 * "rm /dev/shm/ipckit-pshm-...".
 *
 * Stopping early.  SIGINT and SIGTERM set a flag (handlers installed
 * without SA_RESTART, so waits and reads return EINTR); the program gives
 * up with status 1.  A side that ends before the end of the stream (a
 * signal, an error) sets its quit flag and posts the semaphores the other
 * side may be waiting on, so that side fails at once instead of at its
 * next tick.
 *
 * Nobody calls sem_destroy: a semaphore may only be destroyed when nobody
 * can be waiting on it any more, and the object's memory goes away with
 * its last mapping anyway.
 */
#ifndef PSHM_H
#define PSHM_H

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* ipc_name(buf, len, PSHM_TAG) is the object's name. */
#define PSHM_TAG "pshm"

/* Where Linux shows POSIX shared memory objects, as files. */
#define PSHM_DIR "/dev/shm"

/* Permissions of the object: only its owner may open it. */
#define PSHM_MODE 0600

/* The ring: PSHM_NSLOTS slots of at most PSHM_SLOT bytes. */
#define PSHM_NSLOTS 8
#define PSHM_SLOT 16384

/* The longest a pshm_wait() sleeps, in milliseconds. */
#define PSHM_TICK_MS 100

/* How long an object of our name may stay without its magic before the
 * consumer decides it is not a producer's (milliseconds). */
#define PSHM_SETUP_MS 500

/* -t SECONDS: default, and the most allowed. */
#define PSHM_WAIT_DEFAULT 5
#define PSHM_WAIT_MAX 3600

/* In magic once the producer has set the object up ("pshm"). */
#define PSHM_MAGIC 0x7073686du

/* The values of state. */
enum {
    PSHM_NEW = 0,      /* being set up by the producer */
    PSHM_WAITING = 1,  /* set up, no consumer yet: the producer's name */
    PSHM_ATTACHED = 2, /* a consumer took it (and unlinks the name) */
    PSHM_CLOSED = 3    /* the producer gave up before a consumer came */
};

/* One slot of the ring. */
struct pshm_slot {
    uint32_t len;                  /* bytes in data; 0: end of stream */
    unsigned char data[PSHM_SLOT]; /* the bytes, any values, NULs too */
};

/* The whole object. */
struct pshm_ring {
    _Atomic uint32_t magic;    /* PSHM_MAGIC once set up (release) */
    _Atomic uint32_t state;    /* PSHM_NEW, _WAITING, _ATTACHED, _CLOSED */
    _Atomic pid_t producer;    /* the producer's pid, set before magic */
    _Atomic pid_t consumer;    /* the consumer's pid, 0 until known */
    _Atomic int producer_quit; /* 1: the producer stopped before the end */
    _Atomic int consumer_quit; /* 1: the consumer stopped before the end */
    sem_t free_slots;          /* slots the producer may fill */
    sem_t full_slots;          /* slots the consumer may empty */
    sem_t done;                /* posted once: the consumer has it all */
    struct pshm_slot slot[PSHM_NSLOTS];
};

/* The object's size, set by the producer with ftruncate. */
#define PSHM_SIZE sizeof(struct pshm_ring)

/* Atomics that two processes share must be lock-free (C11 7.17.5: then
 * they are also address-free, right wherever each side mapped them). */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "int atomics must be lock-free");

/*
 * Wait on sem for at most ms milliseconds (at most PSHM_TICK_MS).
 * Returns 0 when the semaphore was taken; 1 after a signal or the time
 * limit (the caller looks at its flags and calls again); -1 with errno set
 * on a real error.  sem_timedwait takes an absolute CLOCK_REALTIME time.
 */
static inline int pshm_wait(sem_t *sem, long ms)
{
    if (ms > PSHM_TICK_MS)
        ms = PSHM_TICK_MS;
    if (ms < 1)
        ms = 1;
    struct timespec t;
    if (clock_gettime(CLOCK_REALTIME, &t) == -1)
        return -1;
    t.tv_nsec += (ms % 1000) * 1000000L;
    t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    if (sem_timedwait(sem, &t) == 0)
        return 0;
    if (errno == EINTR || errno == ETIMEDOUT)
        return 1;
    return -1;
}

/* Set *t to ms milliseconds from now, on CLOCK_MONOTONIC (which no one
 * can set back): a deadline for pshm_ms_left.  0, or -1 with errno set. */
static inline int pshm_deadline(struct timespec *t, long ms)
{
    if (clock_gettime(CLOCK_MONOTONIC, t) == -1)
        return -1;
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000L;
    t->tv_sec += t->tv_nsec / 1000000000L;
    t->tv_nsec %= 1000000000L;
    return 0;
}

/* Milliseconds from now until deadline (CLOCK_MONOTONIC); -1 on error. */
static inline long pshm_ms_left(const struct timespec *deadline)
{
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
        return -1;
    long ms = (long)(deadline->tv_sec - now.tv_sec) * 1000 +
              (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms < 0 ? 0 : ms;
}

#endif
