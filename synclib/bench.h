/*
 * bench.h - lab 16's measuring machinery (bench.c): the message format,
 * the counts, the statistics, the command line, the table and the CSV,
 * the CPUs, and who cleans up.  ipcbench.c and pingpong.c use it; the
 * channels themselves (ring.c, chan.c) are the lab's.  A student need not
 * read bench.c: this header says what it does.
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
 *   words 2..n-2    a pattern: pattern seq % NPATTERN, word i
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
 *   - sysvmq: one queue with key ftok(".", 'b'), made with IPC_CREAT |
 *     IPC_EXCL (a leftover fails loudly: ipcrm -Q KEY), removed (IPC_RMID)
 *     by the parent once the test is over, and by the child when it fails
 *     (the parent's msgrcv then fails with EIDRM instead of waiting for
 *     ever).  Not IPC_PRIVATE, though only parent and child use it: a key
 *     is what ipcs, the grader's clean-up and the next run can tie to this
 *     directory.
 *   - shm, shm-spin: an anonymous shared mapping: nothing to remove.
 * What exists is noted in `live` (below) the moment it is made, with the
 * stop signals held, and cleared before it is removed.  On every exit of
 * the parent (success, die() through atexit, SIGINT, SIGTERM, SIGHUP
 * through a handler that only makes system calls) what still exists is
 * removed and the child is killed.  The child dies with its parent
 * (PR_SET_PDEATHSIG), and a side that waits checks every TICK_MS whether
 * the other side is still there.  The CSV is written to FILE.tmp.PID and
 * renamed to FILE only when the whole run succeeded.  Only SIGKILL of the
 * parent in the instant between making an object and removing it can
 * leave one behind: ipcs -q / ipcrm -q ID, rm -r ipcbench-*,
 * rm /dev/mqueue/ipckit-*.
 *
 * The CPU calls are Linux-only: a file that includes this header defines
 * _GNU_SOURCE before its first #include.
 */
#ifndef KIT_BENCH_H
#define KIT_BENCH_H

#if !defined(_GNU_SOURCE)
#error "define _GNU_SOURCE before the first #include (futex, CPU affinity)"
#endif

#include "err.h"
#include "ipcname.h"

#include <limits.h>
#include <mqueue.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- mechanisms and tests ---------------------------------------------- */

enum mech {
    M_PIPE,
    M_FIFO,
    M_SYSV,
    M_POSIX,
    M_UNIX,
    M_TCP,
    M_SHM,
    M_SPIN,
    M_MMAP,
    M_MEMCPY,
    NMECH
};
extern const char *const mech_name[NMECH];

enum test { T_LATENCY, T_THROUGHPUT };

enum { DOWN = 0, UP = 1 }; /* DOWN: parent to child; UP: child to parent */

/* ---- messages ---------------------------------------------------------- */

#define PING_SIZE 64           /* bytes in a latency message (both programs) */
#define ACK_SIZE 32            /* bytes in the receiver's answer to a round */
#define MSG_MIN 32             /* the smallest message size -s accepts */
#define MSG_MAX (64UL << 20)   /* the largest: 64 MiB */
#define MSG_MAGIC 0x49504362UL /* "IPCb" in word 1 */
#define NPATTERN                                                               \
    3             /* patterns in turn: a ring of 2^k bytes never               \
                     holds the same one at the same place twice */
#define SAMPLES 4 /* pattern words checked per message by default */

/* The default sizes (-s) of the throughput test. */
#define DEFAULT_SIZES "64,4K,64K,1M"

/* ---- counts ------------------------------------------------------------ */

/* Default run (under a minute on two cores) and --quick (about half a second:
 * the tests run it a dozen times). */
#define RTT_WARM 1000       /* latency: round trips not kept */
#define RTT_COUNT 10000     /* latency: round trips timed */
#define REPS 5              /* throughput: timed rounds (after one warm-up) */
#define VOLUME (64UL << 20) /* throughput: bytes per round... */
#define MSGS_MIN 8          /* ...but at least this many messages */
#define MSGS_MAX 20000      /* ...and at most this many */

#define QUICK_RTT_WARM 20
#define QUICK_RTT_COUNT 200
#define QUICK_REPS 3
#define QUICK_VOLUME (512UL << 10)
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

/* ---- time and statistics ----------------------------------------------- */

/* CLOCK_MONOTONIC in ns. */
double now_ns(void);

struct stats {
    double median, min, max;
};
/* Median, min and max of v[0..n-1] (n >= 1); v is sorted in place. */
struct stats summarize(double *v, size_t n);

/* ---- what exists, for the clean-up ------------------------------------- */

/*
 * Everything the parent made and has not removed yet.  The signal handler
 * reads it, so each field is set only once the object exists and cleared
 * before the object is removed, with the signals held (hold_signals()).
 */
struct live {
    pid_t child;              /* 0: none */
    int qid;                  /* System V queue, -1: none */
    char dir[32];             /* temporary directory, "": none */
    char path[2][64];         /* FIFOs or the mapped file, "": none */
    char mq[2][IPC_NAME_MAX]; /* POSIX queue names, "": none */
    char csvtmp[PATH_MAX];    /* the CSV being written, "": none */
};
extern struct live live;

extern bool in_child; /* this process is the receiver */

/* Hold and release SIGINT, SIGTERM, SIGHUP around a change of `live`. */
void hold_signals(void);
void release_signals(void);

/* Is the other side still there?  The parent fails (die) when its child
 * ended early; the child of a dead parent _exits. */
void check_peer(void);

/* The child, failing: remove the System V queue (so that the parent's
 * msgrcv fails at once with EIDRM).  errno is kept. */
void child_remove_queue(void);

/* Fail in whichever process we are: the child must _exit, never run the
 * parent's atexit clean-up or flush its copy of stdout. */
#define FAIL(...)                                                              \
    do {                                                                       \
        if (in_child) {                                                        \
            child_remove_queue();                                              \
            die_child(__VA_ARGS__);                                            \
        }                                                                      \
        die(__VA_ARGS__);                                                      \
    } while (0)

/* The temporary directory for the FIFOs and the mapped file, in ".". */
#define TMPDIR_TEMPLATE "ipcbench-XXXXXX"

/* ---- the channel ------------------------------------------------------- */

/* System V queue: message types of the two directions. */
#define MTYPE_DOWN 1 /* parent to child */
#define MTYPE_UP 2   /* child to parent */

struct ring;     /* the lab's shared-memory ring (ipcbench.h) */
struct shm_area; /* the lab's shared area: a ring each way */

/* One mechanism's objects, as one process sees them.  The lab's chan.c
 * makes them (before the fork); bench.c takes each side's ends after the
 * fork, moves the messages and closes them. */
struct chan {
    enum mech m;
    int rfd, wfd;          /* stream mechanisms: this side's ends */
    int fds[4];            /* before the fork: every descriptor */
    int listen_fd;         /* tcp: the parent's listening socket */
    unsigned short port;   /* tcp: its port, network order */
    int qid;               /* sysvmq */
    mqd_t mq[2];           /* posixmq: [DOWN], [UP] */
    size_t mq_size;        /* posixmq: the queues' message size */
    struct shm_area *area; /* shm, shm-spin, mmap: the mapping... */
    size_t area_len;       /* ...its length... */
    struct ring *ring[2];  /* ...and its rings, [DOWN] and [UP] */
    bool spin;             /* shm-spin: never sleep */
};

/* What the lab's code (chan.c, ring.c) does for the measuring code. */
struct bench_chan {
    /* Why mechanism m cannot carry size-byte messages here, or NULL. */
    const char *(*cannot)(enum mech m, size_t size);
    /* The parent, before the fork: make m's objects; size: the largest
     * message. */
    void (*setup)(struct chan *c, enum mech m, size_t size);
    /* Each side, after the fork, for shm, shm-spin and mmap. */
    void (*attach)(struct chan *c);
    /* The parent, once both sides hold the channel: remove its names. */
    void (*unlink)(struct chan *c);
    /* The parent, the child reaped: remove what is left. */
    void (*remove)(struct chan *c);
    void (*ring_write)(struct ring *r, const unsigned char *buf, size_t len,
                       bool spin);
    void (*ring_read)(struct ring *r, unsigned char *buf, size_t len,
                      bool spin);
};

/* Helpers for chan.c.  The first number in file path (a /proc limit), or
 * fallback. */
long bench_proc_limit(const char *path, long fallback);
/* Name live.path[i] NAME in a fresh directory ./ipcbench-XXXXXX (made on
 * the first call, noted in live.dir); the caller makes the object. */
void bench_tmp_path(int i, const char *name);
/* Remove live.path[0..1] and their directory. */
void bench_remove_tmp(void);

/* ---- the program's steps (ipcbench.c's main) --------------------------- */

/* Read the command line.  -1 (after a message, if there is one to give)
 * when it is wrong: the caller gives the usage line. */
int bench_options(int argc, char *argv[]);

/* Remove what still exists on every exit of the parent (atexit), and let
 * a write to a closed pipe or socket fail with EPIPE (no SIGPIPE). */
void bench_at_exit(void);

/* SIGINT, SIGTERM, SIGHUP: remove what exists, then die of the signal. */
void bench_catch_signals(void);

/* -o FILE: open FILE.tmp.PID for the CSV.  0 (also without -o), or -1
 * with errno when it cannot be made; bench_csv_name() is FILE. */
int bench_csv_open(void);
const char *bench_csv_name(void);

/* Where the processes run, and the table's heading, on stdout. */
void bench_start(void);

/* Every measurement asked for, one line each (and CSV rows). */
void bench_run(const struct bench_chan *ch);

/* The --verify summary; the CSV renamed into place. */
void bench_finish(void);

/* The CPUs for shm-spin's sender and receiver ([0], [1]); -1 when there
 * are not two different ones (-c A,A, or one CPU allowed). */
int bench_spin_cpu(int side);

#endif
