/*
 * pmutex.h - what the worker processes of pmutex share: one anonymous
 * shared mapping made before fork(), holding a process-shared, robust
 * pthread mutex, three process-shared condition variables, a start gate,
 * a counter and a bounded queue.  No name, size or message format below is
 * repeated in pmutex.c.
 *
 * The rules:
 *   - every field below `lock` is read and written only with `lock` held;
 *   - the mutex and the condition variables are initialised once, by the
 *     parent, before the first fork, with the PTHREAD_PROCESS_SHARED
 *     attribute: the default (private) objects only work between threads
 *     of one process;
 *   - the mutex is robust (PTHREAD_MUTEX_ROBUST): when its holder dies,
 *     the next locker gets EOWNERDEAD instead of waiting for ever.  It then
 *     owns the lock, repairs the state (below) and calls
 *     pthread_mutex_consistent() before it unlocks; without that call the
 *     mutex becomes unusable for everyone (ENOTRECOVERABLE);
 *   - the condition variables measure their time-outs on CLOCK_MONOTONIC
 *     (pthread_condattr_setclock), and every wait is bounded by
 *     PM_WAIT_SECS, so a lost peer gives a clear error, not a hang.
 *
 * The counter update is deliberately in two halves, counter then check,
 * with a journal around it: busy = 1 and before = counter first, busy = 0
 * last.  Between the halves the invariant counter == check does not hold.
 * A worker killed there (pmutex -k) leaves busy set; whoever gets
 * EOWNERDEAD rolls the update back (counter = check = before) and counts
 * the recovery.
 *
 * The queue is a ring of `size` slots: put at tail, take at head, both
 * moving on modulo size, count the number of items in it.
 *
 * The start gate: each worker adds itself to `arrived` and waits on
 * `gate` until all N have, so that they all start together (a race needs
 * company).  The last to arrive wakes every waiter at once.
 *
 * Bugs in the open: on a machine with few, busy CPUs the workers would
 * take turns rather than meet, and a missing lock or `while` could go
 * unseen.  So PM_YIELDS times in its run, at even intervals, a worker
 * gives up the CPU on purpose, twice: in the middle of its counter update
 * and between its put and its take (its item keeps the queue full).  And
 * every other call of the wait wrapper returns at once without waiting:
 * a spurious wake-up, which POSIX allows any wait to have.
 */
#ifndef PMUTEX_H
#define PMUTEX_H

#include <pthread.h>
#include <sys/types.h>

/* Bounds of the command line. */
#define PM_MAX_PROCS 64
#define PM_MAX_ROUNDS 1000000
#define PM_QMAX 1024
#define PM_QDEFAULT 8

/* The longest any wait for the lock or a condition may last. */
#define PM_WAIT_SECS 2

/* How many times a worker yields the CPU on purpose (above). */
#define PM_YIELDS 8

struct pm_shared {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty, gate;

    unsigned arrived; /* workers at the start gate so far */

    unsigned long counter, check; /* equal whenever the lock is free */
    int busy;                     /* journal: an update is under way */
    unsigned long before;         /* journal: counter before it */
    unsigned long recoveries;     /* EOWNERDEAD repairs made */

    unsigned size, head, tail, count; /* the ring */
    unsigned long passed;             /* items taken out, in all */
    unsigned long long checksum;      /* the sum of their values */
    unsigned long item[PM_QMAX];
};

/* Worker w (0 to N-1) puts the values w * R + r + 1, r = 0 to R-1. */

#endif
