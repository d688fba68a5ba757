/*
 * ipcbench.h - what ipcbench and pingpong agree on: the message format,
 * the CSV format, the counts, the shared-memory ring, and who cleans up.
 *
 * Two processes, a parent (the sender, which measures) and its child (the
 * receiver), talk through one mechanism at a time.  Two measurements:
 *
 *   latency     the parent sends a PING_SIZE-byte message, the child sends
 *               it straight back: one round trip.  Each round trip is timed
 *               on its own with CLOCK_MONOTONIC; the first ones are a
 *               warm-up and not kept.
 *   throughput  the parent sends COUNT messages of SIZE bytes, the child
 *               receives and checks them and answers with one ACK_SIZE
 *               message; the time from the first send to the ack gives
 *               MB/s (10^6 bytes per second).  One warm-up round, then
 *               several timed rounds ("reps").
 *
 * A message of SIZE bytes (a multiple of 8, at least MSG_MIN) is 64-bit
 * words:
 *
 *   word 0          its sequence number (0, 1, 2... in each round)
 *   word 1          MSG_MAGIC << 32 | SIZE
 *   words 2..n-2    a pattern: pattern_word(seq % NPATTERN, i) for word i
 *   word n-1        ~seq ^ SIZE
 *
 * The pattern changes with seq, so a message that arrives with the bytes
 * of an older one (a ring that lapped itself) is caught.  The receiver
 * checks every message: by default the two ends and SAMPLES pattern words
 * (cheap, so the check costs little against the copy); with --verify (and
 * --quick) it compares every byte.
 *
 * CSV (-o FILE): a header line CSV_HEADER, then one line per result:
 *
 *   mechanism,test,size,reps,median,min,max,unit
 *
 *   test latency:        size PING_SIZE, reps = timed round trips,
 *                        median/min/max of one round trip, unit ns
 *   test throughput:     size = message size in bytes, reps = timed
 *                        rounds, median/min/max of the rounds, unit MB/s
 *   test latency-cpu,
 *   test throughput-cpu: the same size, reps 1, the CPU time both
 *                        processes used (user + system, getrusage) divided
 *                        by the wall time, over the whole measurement
 *                        (warm-up included); median = min = max; unit
 *                        cpu/wall (1.00: one CPU busy all the time)
 *   a skipped result:    reps 0, median min max 0, unit "skipped" (the
 *                        terminal table says why)
 *
 * pingpong prints exactly one such line, mechanism "pingpong", test
 * latency, unit ns.
 *
 * Clean-up.  ipcbench (the parent) makes every object before it forks and
 * removes it; the child never removes anything but the System V queue.
 *   - fifo: two FIFOs in a fresh directory ./ipcbench-XXXXXX (mkdtemp);
 *     removed with the directory as soon as both sides have opened them.
 *   - mmap: a file in such a directory, removed as soon as the child has
 *     mapped it too.
 *   - posixmq: two queues named ipc_name("ipcb_down"/"ipcb_up"), made with
 *     O_CREAT | O_EXCL (a leftover fails loudly: remove it with rm
 *     /dev/mqueue/NAME) and unlinked at once, before the fork: both sides
 *     hold descriptors, nobody needs the names.
 *   - sysvmq: one queue with key ftok(".", SYSV_PROJ_ID), made with
 *     IPC_CREAT | IPC_EXCL (a leftover fails loudly: ipcrm -Q KEY), removed
 *     (IPC_RMID) by the parent once the test is over, and by the child
 *     when it fails (the parent's msgrcv then fails with EIDRM instead of
 *     waiting for ever).  Not IPC_PRIVATE, though only parent and child use
 *     it: a key is what ipcs, the grader's clean-up and the next run can
 *     tie to this directory.
 *   - shm, shm-spin: an anonymous shared mapping: nothing to remove.
 *   - the CSV is written to FILE.tmp.PID and renamed to FILE only when
 *     the whole run succeeded.
 * On every exit of the parent (success, die() through atexit, SIGINT,
 * SIGTERM, SIGHUP through a handler that only makes system calls) what
 * still exists is removed and the child is killed.  The child dies with its
 * parent (PR_SET_PDEATHSIG), and a side that waits checks every TICK_MS
 * whether the other side is still there.  Only SIGKILL of the parent in the
 * instant between making an object and removing it can leave one behind:
 * ipcs -q / ipcrm -q ID, rm -r ipcbench-*, rm /dev/mqueue/ipckit-*.
 *
 * The futex and the CPU calls are Linux-only: a file that includes this
 * header defines _GNU_SOURCE before its first #include.
 */
#ifndef IPCBENCH_H
#define IPCBENCH_H

#if !defined(_GNU_SOURCE)
#error "define _GNU_SOURCE before the first #include (futex, CPU affinity)"
#endif

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- messages ---------------------------------------------------------- */

#define PING_SIZE 64   /* bytes in a latency message (both programs) */
#define ACK_SIZE 32    /* bytes in the receiver's answer to a round */
#define MSG_MIN 32     /* the smallest message size -s accepts */
#define MSG_MAX (64UL << 20) /* the largest: 64 MiB */
#define MSG_MAGIC 0x49504362UL /* "IPCb" in word 1 */
#define NPATTERN 3     /* patterns in turn: a ring of 2^k bytes never
                          holds the same one at the same place twice */
#define SAMPLES 4      /* pattern words checked per message by default */

/* Word i of pattern p (0 <= p < NPATTERN). */
static inline uint64_t pattern_word(unsigned p, size_t i)
{
    uint64_t x = (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ULL;
    return x ^ ((uint64_t)(p + 1) * 0xC2B2AE3D27D4EB4FULL) ^ (x >> 29);
}

/* The default sizes (-s) of the throughput test. */
#define DEFAULT_SIZES "64,4K,64K,1M"

/* ---- counts ------------------------------------------------------------ */

/* Default run (under a minute on two cores) and --quick (about a second). */
#define RTT_WARM 1000      /* latency: round trips not kept */
#define RTT_COUNT 10000    /* latency: round trips timed */
#define REPS 5             /* throughput: timed rounds (after one warm-up) */
#define VOLUME (64UL << 20) /* throughput: bytes per round... */
#define MSGS_MIN 8         /* ...but at least this many messages */
#define MSGS_MAX 20000     /* ...and at most this many */

#define QUICK_RTT_WARM 50
#define QUICK_RTT_COUNT 500
#define QUICK_REPS 3
#define QUICK_VOLUME (1UL << 20)
#define QUICK_MSGS_MIN 2
#define QUICK_MSGS_MAX 200

/* ---- CSV --------------------------------------------------------------- */

#define CSV_HEADER "mechanism,test,size,reps,median,min,max,unit"
/* A result line: mechanism, test, size, reps, median, min, max, unit. */
#define CSV_ROW "%s,%s,%zu,%u,%.*f,%.*f,%.*f,%s\n"

/* ---- waiting ----------------------------------------------------------- */

/* A side that waits looks at whether its peer still lives this often. */
#define TICK_MS 100
/* A spinning side looks every SPIN_CHECK loads. */
#define SPIN_CHECK (1UL << 20)

/* System V queue: its key is ftok(".", SYSV_PROJ_ID); message types of
 * the two directions. */
#define SYSV_PROJ_ID 'b'
#define MTYPE_DOWN 1 /* parent to child */
#define MTYPE_UP 2   /* child to parent */
/* POSIX queues: name tags (ipc_name) and depth. */
#define MQ_TAG_DOWN "ipcb_down"
#define MQ_TAG_UP "ipcb_up"
#define MQ_DEPTH 10

/* The temporary directory for the FIFOs and the mapped file, in ".". */
#define TMPDIR_TEMPLATE "ipcbench-XXXXXX"

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
 * head and tail sit on cache lines of their own, so that the writer's
 * stores do not steal the reader's line on every message.
 */
#define RING_BYTES (4U << 20) /* 4 MiB: four 1 MiB messages */
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
enum { DOWN = 0, UP = 1 }; /* DOWN: parent to child; UP: child to parent */
struct shm_area {
    struct ring ring[2];   /* ring[DOWN], ring[UP] */
    _Atomic uint32_t ready; /* mmap: 1 once the child mapped the file */
};

_Static_assert((RING_BYTES & (RING_BYTES - 1)) == 0,
               "RING_BYTES must be a power of two");
_Static_assert(sizeof(_Atomic uint32_t) == 4, "futex words are 32 bits");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "shared atomics must be lock-free");

/*
 * Sleep while *word == seen, at most ms milliseconds.  FUTEX_WAIT, not
 * FUTEX_WAIT_PRIVATE: the word is shared between two processes.  Returns 0
 * (woken, or the word had changed already, or a signal), 1 when the time
 * ran out, -1 with errno on a real error.
 */
static inline int futex_wait(_Atomic uint32_t *word, uint32_t seen, long ms)
{
    struct timespec limit = {ms / 1000, (ms % 1000) * 1000000L};
    if (syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, seen, &limit,
                NULL, 0) == -1) {
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
    if (syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL,
                NULL, 0) == -1)
        return -1;
    return 0;
}

#endif
