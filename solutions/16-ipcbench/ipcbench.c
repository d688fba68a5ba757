/*
 * ipcbench.c - what inter-process communication costs on this machine:
 * round-trip latency and one-way throughput of ten mechanisms, next to
 * memcpy, the ceiling no copy between processes can pass.
 *
 * Usage: ipcbench [-m LIST] [-s LIST] [-o FILE.csv] [-c CPU,CPU]
 *                 [--quick] [--verify]
 *
 *   -m LIST     mechanisms, comma-separated (default: all of them):
 *               pipe fifo sysvmq posixmq unix tcp shm shm-spin mmap memcpy
 *   -s LIST     throughput message sizes in bytes, K or M allowed
 *               (default 64,4K,64K,1M); each a multiple of 8, 32 to 64M
 *   -o FILE     also write the results as CSV (see ipcbench.h)
 *   -c A,B      pin the sender to CPU A and the receiver to CPU B for every
 *               mechanism (default: not pinned, except shm-spin, which
 *               always runs on two different CPUs or not at all)
 *   --quick     small counts: the whole run takes about a second (tests)
 *   --verify    compare every byte of every message (--quick does too)
 *
 * For each mechanism the parent forks a child and measures; both sides of
 * each measurement are described in ipcbench.h, with the message format,
 * the CSV format and the clean-up policy.  One line per result on stdout:
 *
 *     $ ./ipcbench -m pipe,memcpy -s 4K
 *     ipcbench: 2 CPUs online, 2 allowed (0-1); sender and receiver not pinned
 *     ...
 *     mechanism  test          size       median          min          max  unit  cpu/wall
 *     pipe       latency         64         9213         7001       120433  ns        0.97
 *     pipe       throughput      4K       1210.3       1185.0       1250.2  MB/s      1.35
 *     memcpy     throughput      4K      21345.9      20001.3      22010.8  MB/s      1.00
 *
 * Exit status 0 when every measurement ran and every message arrived
 * intact; 1 when a call failed or a message arrived wrong (the CSV is then
 * not written); 2 on a bad command line.
 */
#define _GNU_SOURCE /* futex, sched_setaffinity and CPU_SET, prctl,
                       MAP_ANONYMOUS, getopt_long: Linux and glibc */

#include "err.h"
#include "ipcbench.h"
#include "ipcname.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <poll.h>

#define USAGE                                                             \
    "[-m LIST] [-s LIST] [-o FILE.csv] [-c CPU,CPU] [--quick] [--verify]"

/* ---- mechanisms -------------------------------------------------------- */

enum mech {
    M_PIPE, M_FIFO, M_SYSV, M_POSIX, M_UNIX, M_TCP, M_SHM, M_SPIN, M_MMAP,
    M_MEMCPY, NMECH
};
static const char *const mech_name[NMECH] = {
    "pipe", "fifo", "sysvmq", "posixmq", "unix",
    "tcp",  "shm",  "shm-spin", "mmap", "memcpy"};

enum test { T_LATENCY, T_THROUGHPUT };

/* ---- options and counts ------------------------------------------------ */

#define MAX_SIZES 16

static struct {
    bool use[NMECH];
    size_t sizes[MAX_SIZES];
    int nsizes;
    const char *csv;
    bool quick, verify;
    bool pinned;  /* -c given */
    int cpu[2];   /* [0] the sender's, [1] the receiver's */
} opt;

static struct {
    unsigned rtt_warm, rtt_count, reps;
    size_t volume;
    unsigned msgs_min, msgs_max;
} plan;

/* ---- what exists, for the clean-up ------------------------------------- */

/*
 * Everything the parent made and has not removed yet.  The signal handler
 * reads it, so each field is set only once the object exists and cleared
 * before the object is removed, with the signals held (hold_signals()).
 */
static struct {
    pid_t child;                 /* 0: none */
    int qid;                     /* System V queue, -1: none */
    char dir[32];                /* temporary directory, "": none */
    char path[2][64];            /* FIFOs or the mapped file, "": none */
    char mq[2][IPC_NAME_MAX];    /* POSIX queue names, "": none */
    char csvtmp[PATH_MAX];       /* the CSV being written, "": none */
} live = {.qid = -1};

static bool in_child;     /* this process is the receiver */
static pid_t peer;        /* the other side's pid */
static int child_status;  /* the child's wait status, once reaped */
static struct rusage child_usage; /* its CPU time, once reaped */

static sigset_t stop_signals; /* SIGINT, SIGTERM, SIGHUP */

static void hold_signals(void)
{
    sigprocmask(SIG_BLOCK, &stop_signals, NULL);
}

static void release_signals(void)
{
    sigprocmask(SIG_UNBLOCK, &stop_signals, NULL);
}

/* Remove whatever still exists.  Only system calls: the signal handler
 * calls it too.  errno is kept. */
static void remove_live(void)
{
    int saved = errno;
    if (live.child > 0) {
        kill(live.child, SIGKILL);
        waitpid(live.child, NULL, 0);
        live.child = 0;
    }
    if (live.qid != -1)
        msgctl(live.qid, IPC_RMID, NULL);
    live.qid = -1;
    for (int i = 0; i < 2; i++) {
        if (live.path[i][0] != '\0')
            unlink(live.path[i]);
        live.path[i][0] = '\0';
        if (live.mq[i][0] != '\0')
            mq_unlink(live.mq[i]);
        live.mq[i][0] = '\0';
    }
    if (live.dir[0] != '\0')
        rmdir(live.dir);
    live.dir[0] = '\0';
    if (live.csvtmp[0] != '\0')
        unlink(live.csvtmp);
    live.csvtmp[0] = '\0';
    errno = saved;
}

/* atexit: every way out of the parent through exit(), die() too. */
static void at_exit(void)
{
    if (!in_child)
        remove_live();
}

static void on_stop(int sig)
{
    remove_live();
    static const char msg[] = ": stopped by a signal; removed its objects\n";
    const char *prog = err_prog();
    (void)!write(STDERR_FILENO, prog, strlen(prog));
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The child, failing: remove the System V queue (so that the parent's
 * msgrcv fails at once with EIDRM), then die_child(). */
static void child_remove_queue(void)
{
    int saved = errno;
    if (live.qid != -1)
        msgctl(live.qid, IPC_RMID, NULL);
    errno = saved;
}

/* Fail in whichever process we are: the child must _exit, never run the
 * parent's atexit clean-up or flush its copy of stdout. */
#define FAIL(...)                                                         \
    do {                                                                  \
        if (in_child) {                                                   \
            child_remove_queue();                                         \
            die_child(__VA_ARGS__);                                       \
        }                                                                 \
        die(__VA_ARGS__);                                                 \
    } while (0)

/*
 * Is the other side still there?  The parent fails when its child ended
 * early; the child of a dead parent just goes.  A child that exited with
 * status 0 may have ended on time: its last store into shared memory came
 * before its exit, but the caller may have loaded the word just before
 * that store.  So the first time the parent only notes it (looking with
 * WNOWAIT: the end of the run reaps the child, for its CPU time) and lets
 * the caller look again; back here, still waiting, it ended early.
 */
static void check_peer(void)
{
    if (in_child) {
        if (getppid() != peer)
            _exit(EXIT_FAIL);
        return;
    }
    static pid_t ended; /* the child seen exited with 0 once */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)peer, &si, WEXITED | WNOHANG | WNOWAIT) == -1)
        die("waitid %ld", (long)peer);
    if (si.si_pid != peer)
        return;
    if (si.si_code == CLD_EXITED && si.si_status == 0 && ended != peer) {
        ended = peer;
        return;
    }
    int st;
    if (waitpid(peer, &st, 0) == -1)
        die("waitpid %ld", (long)peer);
    live.child = 0;
    if (WIFSIGNALED(st))
        die_msg("the receiver (pid %ld) was killed by signal %d",
                (long)peer, WTERMSIG(st));
    die_msg("the receiver (pid %ld) ended early with status %d",
            (long)peer, WEXITSTATUS(st));
}

/* ---- time and statistics ----------------------------------------------- */

static double now_ns(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) == -1)
        FAIL("clock_gettime CLOCK_MONOTONIC");
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static double cpu_ns(const struct rusage *u)
{
    return ((double)u->ru_utime.tv_sec + (double)u->ru_stime.tv_sec) * 1e9 +
           ((double)u->ru_utime.tv_usec + (double)u->ru_stime.tv_usec) * 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct stats {
    double median, min, max;
};

/* Median, min and max of v[0..n-1] (n >= 1); v is sorted in place. */
static struct stats summarize(double *v, size_t n)
{
    struct stats s;
    qsort(v, n, sizeof v[0], cmp_double);
    s.min = v[0];
    s.max = v[n - 1];
    s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return s;
}

/* ---- messages ---------------------------------------------------------- */

/* Bytes kept free in front of every message buffer: System V wants its
 * mtype (a long) right before the data, and gets it without a copy. */
#define PAD 16
_Static_assert(PAD >= sizeof(long), "room for the mtype");

/* A buffer of size bytes (at least PING_SIZE) with PAD bytes before it. */
static unsigned char *msg_alloc(size_t size)
{
    if (size < PING_SIZE)
        size = PING_SIZE;
    unsigned char *p = NULL;
    int e = posix_memalign((void **)&p, CACHE_LINE, size + CACHE_LINE);
    if (e != 0) {
        errno = e;
        FAIL("posix_memalign %zu bytes", size);
    }
    memset(p, 0, size + CACHE_LINE);
    return p + CACHE_LINE;
}

static void msg_free(unsigned char *buf)
{
    if (buf != NULL)
        free(buf - CACHE_LINE);
}

/* The NPATTERN pattern buffers of one size, filled once. */
struct patterns {
    size_t size;
    unsigned char *buf[NPATTERN];
};

static void patterns_make(struct patterns *p, size_t size)
{
    p->size = size;
    for (unsigned k = 0; k < NPATTERN; k++) {
        p->buf[k] = msg_alloc(size);
        uint64_t *w = (uint64_t *)(void *)p->buf[k];
        for (size_t i = 0; i < size / 8; i++)
            w[i] = pattern_word(k, i);
    }
}

static void patterns_free(struct patterns *p)
{
    for (unsigned k = 0; k < NPATTERN; k++)
        msg_free(p->buf[k]);
}

/* Stamp message seq into its pattern buffer and return the buffer. */
static unsigned char *msg_stamp(struct patterns *p, uint64_t seq)
{
    unsigned char *b = p->buf[seq % NPATTERN];
    uint64_t *w = (uint64_t *)(void *)b;
    size_t n = p->size / 8;
    w[0] = seq;
    w[1] = (uint64_t)MSG_MAGIC << 32 | p->size;
    w[n - 1] = ~seq ^ p->size;
    return b;
}

/* Check message seq in buf; the index of the first wrong word, or -1.
 * Cheap: the two ends and SAMPLES pattern words; full: every word. */
static long msg_check(const unsigned char *buf, size_t size, uint64_t seq,
                      bool full)
{
    const uint64_t *w = (const uint64_t *)(const void *)buf;
    size_t n = size / 8;
    unsigned k = (unsigned)(seq % NPATTERN);
    if (w[0] != seq)
        return 0;
    if (w[1] != ((uint64_t)MSG_MAGIC << 32 | size))
        return 1;
    if (w[n - 1] != (~seq ^ size))
        return (long)(n - 1);
    if (full) {
        for (size_t i = 2; i < n - 1; i++)
            if (w[i] != pattern_word(k, i))
                return (long)i;
        return -1;
    }
    /* SAMPLES words spread over the payload, moving with seq. */
    size_t span = n - 3;
    for (size_t j = 0; j < SAMPLES; j++) {
        size_t i = 2 + (size_t)((seq * 7919 + j * span / SAMPLES) % span);
        if (w[i] != pattern_word(k, i))
            return (long)i;
    }
    return -1;
}

/* What the receiver answers after a round of throughput messages. */
struct ack {
    uint64_t magic;   /* MSG_MAGIC */
    uint64_t got;     /* messages received */
    uint64_t bad;     /* of them wrong */
    int64_t first;    /* the first wrong one: seq << 32 | word, or -1 */
};
_Static_assert(sizeof(struct ack) == ACK_SIZE, "the ack is ACK_SIZE bytes");

/* ---- the channel ------------------------------------------------------- */

struct chan {
    enum mech m;
    int rfd, wfd;            /* stream mechanisms: this side's ends */
    int fds[4];              /* before the fork: every descriptor */
    int listen_fd;           /* tcp: the parent's listening socket */
    in_port_t port;          /* tcp: its port, network order */
    int qid;                 /* sysvmq */
    mqd_t mq[2];             /* posixmq: [DOWN], [UP] */
    size_t mq_size;          /* posixmq: the queues' message size */
    struct shm_area *area;   /* shm, shm-spin, mmap */
    bool spin;               /* shm-spin: never sleep */
};

static void close_fd(int *fd)
{
    if (*fd != -1 && close(*fd) == -1)
        FAIL("close descriptor %d", *fd);
    *fd = -1;
}

/* ---- streams: pipe, fifo, unix, tcp ------------------------------------ */

static void write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1) {
            if (errno == EPIPE && !in_child)
                check_peer();
            FAIL("write %zu bytes to descriptor %d", len, fd);
        }
        p += n;
        len -= (size_t)n;
    }
}

static void read_all(int fd, unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            FAIL("read descriptor %d", fd);
        if (n == 0) {
            if (in_child)
                _exit(EXIT_FAIL); /* the parent is gone */
            check_peer();
            die_msg("read descriptor %d: end of file %zu bytes before the "
                    "end of a message", fd, len);
        }
        p += n;
        len -= (size_t)n;
    }
}

/* ---- the shared-memory ring -------------------------------------------- */

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
    //> (void)word; /* you will need them */
    //> (void)sleeping;
    //> (void)seen;
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
    //> (void)word; /* you will need them */
    //> (void)sleeping;
    //> (void)spin;
    /* END TODO 2 */
}

/* Copy len bytes from buf into the ring, waiting for room as needed. */
static void ring_write(struct ring *r, const unsigned char *buf, size_t len,
                       bool spin)
{
    uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    /* TODO 3: while bytes are left: load tail (acquire); the room is
     * RING_BYTES - (head - tail).  No room: ring_wait() on tail with
     * writer_sleeps and go round.  Else copy n = min(len, room) bytes to
     * data[head % RING_BYTES], in two memcpy() calls when they run past
     * the end of data[] (the rest goes to data[0]).  Then advance head by
     * n, publish it with atomic_store (seq_cst, see ring_wait), and
     * ring_wake() the reader (head, reader_sleeps). */
    while (len > 0) {
        uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
        uint32_t room = RING_BYTES - (head - tail);
        if (room == 0) {
            ring_wait(&r->tail, &r->writer_sleeps, tail, spin);
            continue;
        }
        size_t n = len < room ? len : room;
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
    //> (void)head; /* you will need them */
    //> (void)ring_wait;
    //> (void)ring_wake;
    //> (void)r;
    //> (void)buf;
    //> (void)len;
    //> (void)spin;
    //> errno = ENOSYS;
    //> FAIL("ring_write: not written yet (TODO 3)");
    /* END TODO 3 */
}

/* Copy len bytes out of the ring into buf, waiting for them as needed. */
static void ring_read(struct ring *r, unsigned char *buf, size_t len,
                      bool spin)
{
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    /* TODO 4: the mirror image of TODO 3: load head (acquire); the bytes
     * to read are head - tail.  None: ring_wait() on head with
     * reader_sleeps.  Else copy n = min(len, available) bytes out of
     * data[tail % RING_BYTES] (two pieces at the end of data[]), advance
     * tail, publish it with atomic_store and ring_wake() the writer
     * (tail, writer_sleeps). */
    while (len > 0) {
        uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
        uint32_t avail = head - tail;
        if (avail == 0) {
            ring_wait(&r->head, &r->reader_sleeps, head, spin);
            continue;
        }
        size_t n = len < avail ? len : avail;
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
    //> (void)tail; /* you will need them */
    //> (void)r;
    //> (void)buf;
    //> (void)len;
    //> (void)spin;
    //> errno = ENOSYS;
    //> FAIL("ring_read: not written yet (TODO 4)");
    /* END TODO 4 */
}

/* ---- send and receive, whatever the mechanism -------------------------- */

static void chan_send(struct chan *c, int dir, unsigned char *buf,
                      size_t len)
{
    switch (c->m) {
    case M_SYSV: {
        long *mtype = (long *)(void *)(buf - sizeof(long));
        *mtype = dir == DOWN ? MTYPE_DOWN : MTYPE_UP;
        while (msgsnd(c->qid, mtype, len, 0) == -1)
            if (errno != EINTR)
                FAIL("msgsnd %zu bytes to queue %d", len, c->qid);
        break;
    }
    case M_POSIX:
        for (;;) {
            struct timespec t;
            clock_gettime(CLOCK_REALTIME, &t);
            t.tv_nsec += TICK_MS * 1000000L;
            t.tv_sec += t.tv_nsec / 1000000000L;
            t.tv_nsec %= 1000000000L;
            if (mq_timedsend(c->mq[dir], (char *)buf, len, 0, &t) == 0)
                break;
            if (errno == ETIMEDOUT)
                check_peer();
            else if (errno != EINTR)
                FAIL("mq_send %zu bytes", len);
        }
        break;
    case M_SHM:
    case M_SPIN:
    case M_MMAP:
        ring_write(&c->area->ring[dir], buf, len, c->spin);
        break;
    default:
        write_all(c->wfd, buf, len);
    }
}

static void chan_recv(struct chan *c, int dir, unsigned char *buf,
                      size_t len)
{
    ssize_t n;
    switch (c->m) {
    case M_SYSV: {
        long *mtype = (long *)(void *)(buf - sizeof(long));
        long want = dir == DOWN ? MTYPE_DOWN : MTYPE_UP;
        while ((n = msgrcv(c->qid, mtype, len, want, 0)) == -1)
            if (errno != EINTR) {
                if (!in_child && (errno == EIDRM || errno == EINVAL))
                    check_peer();
                FAIL("msgrcv from queue %d", c->qid);
            }
        break;
    }
    case M_POSIX:
        for (;;) {
            struct timespec t;
            clock_gettime(CLOCK_REALTIME, &t);
            t.tv_nsec += TICK_MS * 1000000L;
            t.tv_sec += t.tv_nsec / 1000000000L;
            t.tv_nsec %= 1000000000L;
            n = mq_timedreceive(c->mq[dir], (char *)buf, c->mq_size, NULL,
                                &t);
            if (n != -1)
                break;
            if (errno == ETIMEDOUT)
                check_peer();
            else if (errno != EINTR)
                FAIL("mq_receive");
        }
        break;
    case M_SHM:
    case M_SPIN:
    case M_MMAP:
        ring_read(&c->area->ring[dir], buf, len, c->spin);
        return;
    default:
        read_all(c->rfd, buf, len);
        return;
    }
    if ((size_t)n != len) {
        errno = EBADMSG;
        FAIL("a message of %zd bytes where %zu were due", n, len);
    }
}

/* ---- setting a channel up and down ------------------------------------- */

static long proc_limit(const char *path, long fallback)
{
    FILE *f = fopen(path, "r");
    long v;
    if (f == NULL)
        return fallback;
    if (fscanf(f, "%ld", &v) != 1)
        v = fallback;
    fclose(f);
    return v;
}

/* The largest message a mechanism carries, or 0 for no limit; why in
 * *why.  */
static size_t mech_limit(enum mech m, const char **why)
{
    static char text[128];
    long v;
    switch (m) {
    case M_SYSV:
        v = proc_limit("/proc/sys/kernel/msgmax", 8192);
        snprintf(text, sizeof text,
                 "larger than msgmax (%ld B, /proc/sys/kernel/msgmax)", v);
        break;
    case M_POSIX:
        v = proc_limit("/proc/sys/fs/mqueue/msgsize_max", 8192);
        snprintf(text, sizeof text,
                 "larger than msgsize_max (%ld B, "
                 "/proc/sys/fs/mqueue/msgsize_max)", v);
        break;
    default:
        return 0;
    }
    *why = text;
    return v > 0 ? (size_t)v : 0;
}

static void make_tmpdir(void)
{
    char dir[sizeof live.dir] = TMPDIR_TEMPLATE;
    hold_signals();
    if (mkdtemp(dir) == NULL)
        die("mkdtemp %s in the current directory", TMPDIR_TEMPLATE);
    memcpy(live.dir, dir, sizeof dir);
    release_signals();
}

/* Remove a path made in the temporary directory, then the directory. */
static void remove_tmp(void)
{
    hold_signals();
    for (int i = 0; i < 2; i++) {
        if (live.path[i][0] != '\0' && unlink(live.path[i]) == -1)
            die("unlink %s", live.path[i]);
        live.path[i][0] = '\0';
    }
    if (live.dir[0] != '\0' && rmdir(live.dir) == -1)
        die("rmdir %s", live.dir);
    live.dir[0] = '\0';
    release_signals();
}

static struct shm_area *map_area(int fd)
{
    void *p = mmap(NULL, sizeof(struct shm_area), PROT_READ | PROT_WRITE,
                   fd == -1 ? MAP_SHARED | MAP_ANONYMOUS : MAP_SHARED, fd,
                   0);
    if (p == MAP_FAILED)
        FAIL("mmap %zu bytes shared", sizeof(struct shm_area));
    return p;
}

static void posix_open(struct chan *c, size_t size)
{
    long depth = proc_limit("/proc/sys/fs/mqueue/msg_max", MQ_DEPTH);
    struct mq_attr attr = {0};
    attr.mq_maxmsg = depth < MQ_DEPTH ? depth : MQ_DEPTH;
    attr.mq_msgsize = (long)size;
    c->mq_size = size;
    const char *tags[2] = {MQ_TAG_DOWN, MQ_TAG_UP};
    for (int d = 0; d < 2; d++) {
        char name[IPC_NAME_MAX];
        if (ipc_name(name, sizeof name, tags[d]) == -1)
            die("ipc_name %s", tags[d]);
        hold_signals();
        c->mq[d] = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
        if (c->mq[d] == (mqd_t)-1) {
            if (errno == EEXIST)
                die_msg("the message queue %s exists already, left by "
                        "another run (remove it: rm /dev/mqueue%s)",
                        name, name);
            die("mq_open %s (%ld messages of %zu bytes)", name,
                (long)attr.mq_maxmsg, size);
        }
        memcpy(live.mq[d], name, sizeof name);
        release_signals();
    }
    /* Both ends hold both queues through the fork: the names can go. */
    hold_signals();
    for (int d = 0; d < 2; d++) {
        if (mq_unlink(live.mq[d]) == -1)
            die("mq_unlink %s", live.mq[d]);
        live.mq[d][0] = '\0';
    }
    release_signals();
}

/* Before the fork: make the objects.  size: the largest message. */
static void chan_setup(struct chan *c, enum mech m, size_t size)
{
    memset(c, 0, sizeof *c);
    c->m = m;
    c->rfd = c->wfd = c->listen_fd = -1;
    for (int i = 0; i < 4; i++)
        c->fds[i] = -1;
    c->qid = -1;
    c->mq[0] = c->mq[1] = (mqd_t)-1;
    switch (m) {
    case M_PIPE:
        if (pipe(c->fds) == -1 || pipe(c->fds + 2) == -1)
            die("pipe");
        break;
    case M_FIFO:
        make_tmpdir();
        for (int d = 0; d < 2; d++) {
            snprintf(live.path[d], sizeof live.path[d], "%s/%s", live.dir,
                     d == DOWN ? "down" : "up");
            if (mkfifo(live.path[d], 0600) == -1)
                die("mkfifo %s", live.path[d]);
        }
        break;
    case M_SYSV: {
        key_t key = ftok(".", SYSV_PROJ_ID);
        if (key == -1)
            die("ftok .");
        hold_signals();
        c->qid = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
        if (c->qid == -1 && errno == EEXIST)
            die_msg("a message queue with key 0x%08x exists already, left "
                    "by another run (remove it: ipcrm -Q 0x%08x)",
                    (unsigned)key, (unsigned)key);
        if (c->qid == -1)
            die("msgget key 0x%08x", (unsigned)key);
        live.qid = c->qid;
        release_signals();
        break;
    }
    case M_POSIX:
        posix_open(c, size);
        break;
    case M_UNIX:
        /* TODO 5: a connected pair of Unix stream sockets with
         * socketpair(AF_UNIX, SOCK_STREAM, 0, ...) into c->fds[0] (the
         * parent's end) and c->fds[1] (the child's); die "socketpair"
         * when it fails. */
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, c->fds) == -1)
            die("socketpair AF_UNIX SOCK_STREAM");
        //> die_msg("unix: not written yet (TODO 5)");
        /* END TODO 5 */
        break;
    case M_TCP: {
        /* TODO 6: a listening TCP socket on 127.0.0.1, port 0 (the kernel
         * picks a free one): socket(AF_INET, SOCK_STREAM, 0) into
         * c->listen_fd, bind() to INADDR_LOOPBACK (htonl) port 0,
         * listen(fd, 1), then getsockname() to learn the port: keep it in
         * c->port (network order) for the child's connect().  die() naming
         * each call that fails. */
        struct sockaddr_in a;
        socklen_t alen = sizeof a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        c->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
        if (c->listen_fd == -1)
            die("socket AF_INET SOCK_STREAM");
        if (bind(c->listen_fd, (struct sockaddr *)&a, sizeof a) == -1)
            die("bind 127.0.0.1 port 0");
        if (listen(c->listen_fd, 1) == -1)
            die("listen");
        if (getsockname(c->listen_fd, (struct sockaddr *)&a, &alen) == -1)
            die("getsockname");
        c->port = a.sin_port;
        //> die_msg("tcp: not written yet (TODO 6)");
        /* END TODO 6 */
        break;
    }
    case M_SHM:
    case M_SPIN:
        c->area = map_area(-1);
        c->spin = m == M_SPIN;
        break;
    case M_MMAP: {
        make_tmpdir();
        snprintf(live.path[0], sizeof live.path[0], "%s/ring", live.dir);
        int fd = open(live.path[0], O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd == -1)
            die("open %s", live.path[0]);
        if (ftruncate(fd, sizeof(struct shm_area)) == -1)
            die("ftruncate %s", live.path[0]);
        c->area = map_area(fd);
        if (close(fd) == -1)
            die("close %s", live.path[0]);
        break;
    }
    default:
        break;
    }
}

/* TCP: no Nagle delay on small messages. */
static void tcp_nodelay(int fd)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
        FAIL("setsockopt TCP_NODELAY");
}

/* After the fork, in each process: keep this side's ends. */
static void chan_open(struct chan *c)
{
    switch (c->m) {
    case M_PIPE:
        /* fds[0..1]: DOWN (read, write); fds[2..3]: UP */
        c->rfd = in_child ? c->fds[0] : c->fds[2];
        c->wfd = in_child ? c->fds[3] : c->fds[1];
        close_fd(&c->fds[in_child ? 1 : 0]);
        close_fd(&c->fds[in_child ? 2 : 3]);
        c->fds[in_child ? 0 : 2] = c->fds[in_child ? 3 : 1] = -1;
        break;
    case M_FIFO:
        /* Open in the same order on both sides, or both block. */
        if (in_child) {
            c->rfd = open(live.path[DOWN], O_RDONLY);
            if (c->rfd == -1)
                FAIL("open %s for reading", live.path[DOWN]);
            c->wfd = open(live.path[UP], O_WRONLY);
            if (c->wfd == -1)
                FAIL("open %s for writing", live.path[UP]);
        } else {
            c->wfd = open(live.path[DOWN], O_WRONLY);
            if (c->wfd == -1)
                die("open %s for writing", live.path[DOWN]);
            c->rfd = open(live.path[UP], O_RDONLY);
            if (c->rfd == -1)
                die("open %s for reading", live.path[UP]);
            remove_tmp(); /* both sides have both: the names can go */
        }
        break;
    case M_UNIX:
        c->rfd = c->wfd = c->fds[in_child ? 1 : 0];
        close_fd(&c->fds[in_child ? 0 : 1]);
        c->fds[in_child ? 1 : 0] = -1;
        break;
    case M_TCP:
        if (in_child) {
            close_fd(&c->listen_fd);
            struct sockaddr_in a;
            memset(&a, 0, sizeof a);
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            a.sin_port = c->port;
            c->rfd = socket(AF_INET, SOCK_STREAM, 0);
            if (c->rfd == -1)
                FAIL("socket AF_INET SOCK_STREAM");
            if (connect(c->rfd, (struct sockaddr *)&a, sizeof a) == -1)
                FAIL("connect 127.0.0.1 port %u", ntohs(c->port));
        } else {
            struct pollfd p = {.fd = c->listen_fd, .events = POLLIN};
            int r;
            while ((r = poll(&p, 1, TICK_MS)) == 0 ||
                   (r == -1 && errno == EINTR))
                check_peer();
            if (r == -1)
                die("poll the listening socket");
            c->rfd = accept(c->listen_fd, NULL, NULL);
            if (c->rfd == -1)
                die("accept");
            close_fd(&c->listen_fd);
        }
        c->wfd = c->rfd;
        tcp_nodelay(c->rfd);
        break;
    case M_MMAP:
        if (in_child) {
            /* The child maps the file itself, by its name. */
            int fd = open(live.path[0], O_RDWR);
            if (fd == -1)
                FAIL("open %s", live.path[0]);
            struct shm_area *mine = map_area(fd);
            if (close(fd) == -1)
                FAIL("close %s", live.path[0]);
            if (munmap(c->area, sizeof *c->area) == -1)
                FAIL("munmap");
            c->area = mine;
            atomic_store(&c->area->ready, 1);
            if (futex_wake(&c->area->ready) == -1)
                FAIL("futex wake");
        } else {
            while (atomic_load(&c->area->ready) == 0)
                if (futex_wait(&c->area->ready, 0, TICK_MS) == 1)
                    check_peer();
            remove_tmp(); /* both have it mapped: the name can go */
        }
        break;
    default:
        break;
    }
}

/* In each process, at the end: close and unmap what it holds.  The parent
 * removes the System V queue after the child is reaped. */
static void chan_close(struct chan *c)
{
    if (c->rfd != c->wfd)
        close_fd(&c->wfd);
    c->wfd = -1;
    close_fd(&c->rfd);
    for (int i = 0; i < 4; i++)
        close_fd(&c->fds[i]);
    close_fd(&c->listen_fd);
    for (int d = 0; d < 2; d++)
        if (c->mq[d] != (mqd_t)-1 && mq_close(c->mq[d]) == -1)
            FAIL("mq_close");
    if (c->area != NULL && munmap(c->area, sizeof *c->area) == -1)
        FAIL("munmap");
    c->area = NULL;
}

/* ---- CPUs -------------------------------------------------------------- */

static cpu_set_t allowed;   /* the CPUs we may run on, at the start */
static int spin_cpu[2] = {-1, -1}; /* shm-spin's two CPUs, -1: none */

static void pin(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    if (sched_setaffinity(0, sizeof s, &s) == -1)
        FAIL("sched_setaffinity CPU %d", cpu);
}

static void unpin(void)
{
    if (sched_setaffinity(0, sizeof allowed, &allowed) == -1)
        die("sched_setaffinity (all allowed CPUs)");
}

/* The CPU set as a short list: "0-1", "0,2-3". */
static void cpu_list(const cpu_set_t *s, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < CPU_SETSIZE; i++) {
        if (!CPU_ISSET(i, s))
            continue;
        int j = i;
        while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, s))
            j++;
        int n = j > i ? snprintf(buf + used, len - used, "%s%d-%d",
                                 used ? "," : "", i, j)
                      : snprintf(buf + used, len - used, "%s%d",
                                 used ? "," : "", i);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
        i = j;
    }
}

static void placement(void)
{
    if (sched_getaffinity(0, sizeof allowed, &allowed) == -1)
        die("sched_getaffinity");
    char list[256];
    cpu_list(&allowed, list, sizeof list);
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    printf("%s: %ld CPUs online, %d allowed (%s); ", err_prog(), online,
           CPU_COUNT(&allowed), list);
    if (opt.pinned) {
        for (int i = 0; i < 2; i++)
            if (!CPU_ISSET(opt.cpu[i], &allowed))
                die_msg("-c: CPU %d is not one this process may use (%s)",
                        opt.cpu[i], list);
        printf("sender pinned to CPU %d, receiver to CPU %d\n", opt.cpu[0],
               opt.cpu[1]);
        if (opt.cpu[0] != opt.cpu[1]) {
            spin_cpu[0] = opt.cpu[0];
            spin_cpu[1] = opt.cpu[1];
        }
    } else {
        int n = 0;
        for (int i = 0; i < CPU_SETSIZE && n < 2; i++)
            if (CPU_ISSET(i, &allowed))
                spin_cpu[n++] = i;
        if (n < 2)
            spin_cpu[0] = spin_cpu[1] = -1;
        printf("sender and receiver not pinned");
        if (spin_cpu[1] != -1)
            printf(" (shm-spin: CPUs %d and %d)", spin_cpu[0], spin_cpu[1]);
        printf("\n");
    }
}

/* ---- results ----------------------------------------------------------- */

static FILE *csv;

static void size_text(size_t size, char *buf, size_t len)
{
    if (size >= (1UL << 20) && size % (1UL << 20) == 0)
        snprintf(buf, len, "%zuM", size >> 20);
    else if (size >= 1024 && size % 1024 == 0)
        snprintf(buf, len, "%zuK", size >> 10);
    else
        snprintf(buf, len, "%zu", size);
}

static const char *test_name(enum test t)
{
    return t == T_LATENCY ? "latency" : "throughput";
}

static void report(enum mech m, enum test t, size_t size, unsigned reps,
                   struct stats s, double cpu)
{
    char sz[32];
    size_text(size, sz, sizeof sz);
    int prec = t == T_LATENCY ? 0 : 1;
    const char *unit = t == T_LATENCY ? "ns" : "MB/s";
    printf("%-9s  %-10s  %6s  %11.*f  %11.*f  %11.*f  %-4s  %8.2f\n",
           mech_name[m], test_name(t), sz, prec, s.median, prec, s.min,
           prec, s.max, unit, cpu);
    fflush(stdout);
    if (csv != NULL) {
        char cpu_test[32];
        snprintf(cpu_test, sizeof cpu_test, "%s-cpu", test_name(t));
        fprintf(csv, CSV_ROW, mech_name[m], test_name(t), size, reps, prec,
                s.median, prec, s.min, prec, s.max, unit);
        fprintf(csv, CSV_ROW, mech_name[m], cpu_test, size, 1u, 2, cpu, 2,
                cpu, 2, cpu, "cpu/wall");
    }
}

static void report_skip(enum mech m, enum test t, size_t size,
                        const char *why)
{
    char sz[32];
    size_text(size, sz, sizeof sz);
    printf("%-9s  %-10s  %6s  skipped: %s\n", mech_name[m], test_name(t),
           sz, why);
    fflush(stdout);
    if (csv != NULL)
        fprintf(csv, CSV_ROW, mech_name[m], test_name(t), size, 0u, 0, 0.0,
                0, 0.0, 0, 0.0, "skipped");
}

/* Totals for the --verify summary. */
static unsigned long long total_msgs, total_bytes;

/* ---- the measurements -------------------------------------------------- */

/* Messages per throughput round for this size. */
static unsigned msgs_for(size_t size)
{
    size_t n = plan.volume / size;
    if (n < plan.msgs_min)
        n = plan.msgs_min;
    if (n > plan.msgs_max)
        n = plan.msgs_max;
    return (unsigned)n;
}

static bool full_check(void)
{
    return opt.verify || opt.quick;
}

/* The child's side: echo pings, or receive rounds and acknowledge. */
static void child_run(struct chan *c, enum test t, size_t size)
{
    if (t == T_LATENCY) {
        unsigned char *buf = msg_alloc(PING_SIZE);
        for (unsigned i = 0; i < plan.rtt_warm + plan.rtt_count; i++) {
            chan_recv(c, DOWN, buf, PING_SIZE);
            chan_send(c, UP, buf, PING_SIZE);
        }
        msg_free(buf);
        return;
    }
    unsigned char *buf = msg_alloc(size);
    unsigned char *ackbuf = msg_alloc(ACK_SIZE);
    unsigned count = msgs_for(size);
    bool full = full_check();
    for (unsigned rep = 0; rep < 1 + plan.reps; rep++) {
        struct ack a = {MSG_MAGIC, 0, 0, -1};
        for (unsigned i = 0; i < count; i++) {
            chan_recv(c, DOWN, buf, size);
            long w = msg_check(buf, size, i, full);
            a.got++;
            if (w != -1 && a.bad++ == 0)
                a.first = (int64_t)i << 32 | w;
        }
        memcpy(ackbuf, &a, sizeof a);
        chan_send(c, UP, ackbuf, ACK_SIZE);
    }
    msg_free(ackbuf);
    msg_free(buf);
}

/* The parent's side of a latency test: the round trips, in ns. */
static void parent_latency(struct chan *c, double *v)
{
    struct patterns p;
    patterns_make(&p, PING_SIZE);
    unsigned char *back = msg_alloc(PING_SIZE);
    bool full = full_check();
    for (unsigned i = 0; i < plan.rtt_warm + plan.rtt_count; i++) {
        unsigned char *m = msg_stamp(&p, i);
        double t0 = now_ns();
        chan_send(c, DOWN, m, PING_SIZE);
        chan_recv(c, UP, back, PING_SIZE);
        double t1 = now_ns();
        long w = full ? (memcmp(back, m, PING_SIZE) ? 0 : -1)
                      : msg_check(back, PING_SIZE, i, false);
        if (w != -1)
            die_msg("%s: round trip %u came back wrong (word %ld)",
                    mech_name[c->m], i, w);
        if (i >= plan.rtt_warm)
            v[i - plan.rtt_warm] = t1 - t0;
    }
    total_msgs += 2ULL * (plan.rtt_warm + plan.rtt_count);
    total_bytes += 2ULL * PING_SIZE * (plan.rtt_warm + plan.rtt_count);
    msg_free(back);
    patterns_free(&p);
}

/* The parent's side of a throughput test: MB/s of each timed round. */
static void parent_throughput(struct chan *c, size_t size, double *v)
{
    struct patterns p;
    patterns_make(&p, size);
    unsigned char *ackbuf = msg_alloc(ACK_SIZE);
    unsigned count = msgs_for(size);
    for (unsigned rep = 0; rep < 1 + plan.reps; rep++) {
        double t0 = now_ns();
        for (unsigned i = 0; i < count; i++)
            chan_send(c, DOWN, msg_stamp(&p, i), size);
        chan_recv(c, UP, ackbuf, ACK_SIZE);
        double t1 = now_ns();
        struct ack a;
        memcpy(&a, ackbuf, sizeof a);
        if (a.magic != MSG_MAGIC || a.got != count)
            die_msg("%s: the receiver's answer is wrong (got %llu of %u "
                    "messages)", mech_name[c->m],
                    (unsigned long long)a.got, count);
        if (a.bad != 0)
            die_msg("%s, %zu-byte messages: %llu of %u arrived wrong "
                    "(first: message %lld, word %lld)",
                    mech_name[c->m], size, (unsigned long long)a.bad, count,
                    (long long)(a.first >> 32),
                    (long long)(a.first & 0xffffffff));
        if (rep >= 1)
            v[rep - 1] = (double)count * (double)size / 1e6 /
                         ((t1 - t0) / 1e9);
        total_msgs += count;
        total_bytes += (unsigned long long)count * size;
    }
    msg_free(ackbuf);
    patterns_free(&p);
}

/* Reap the child; fail unless it exited 0. */
static void reap(void)
{
    int st;
    pid_t r;
    while ((r = wait4(live.child, &st, 0, &child_usage)) == -1 &&
           errno == EINTR)
        ;
    if (r == -1)
        die("wait4 %ld", (long)live.child);
    live.child = 0;
    child_status = st;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die_msg("the receiver (pid %ld) failed: %s %d", (long)r,
                WIFSIGNALED(st) ? "signal" : "status",
                WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

/* One measurement of mechanism m over a fresh channel and child. */
static void measure(enum mech m, enum test t, size_t size)
{
    if (m == M_SPIN && spin_cpu[1] == -1) {
        report_skip(m, t, t == T_LATENCY ? PING_SIZE : size,
                    "needs 2 CPUs");
        return;
    }
    size_t msg = t == T_LATENCY ? PING_SIZE : size;
    const char *why = NULL;
    size_t limit = mech_limit(m, &why);
    if (limit != 0 && msg > limit) {
        report_skip(m, t, msg, why);
        return;
    }
    int cpus[2] = {-1, -1};
    if (m == M_SPIN) {
        cpus[0] = spin_cpu[0];
        cpus[1] = spin_cpu[1];
    } else if (opt.pinned) {
        cpus[0] = opt.cpu[0];
        cpus[1] = opt.cpu[1];
    }

    struct chan c;
    chan_setup(&c, m, msg < ACK_SIZE ? ACK_SIZE : msg);
    struct rusage u0, u1;
    if (getrusage(RUSAGE_SELF, &u0) == -1)
        die("getrusage");
    double w0 = now_ns();
    fflush(stdout);
    hold_signals();
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        in_child = true;
        peer = getppid();
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        release_signals();
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
            FAIL("prctl PR_SET_PDEATHSIG");
        check_peer();
        if (cpus[1] != -1)
            pin(cpus[1]);
        chan_open(&c);
        child_run(&c, t, size);
        chan_close(&c);
        _exit(EXIT_SUCCESS);
    }
    live.child = peer = pid;
    release_signals();
    if (cpus[0] != -1)
        pin(cpus[0]);
    chan_open(&c);

    unsigned n = t == T_LATENCY ? plan.rtt_count : plan.reps;
    double *v = malloc(n * sizeof *v);
    if (v == NULL)
        die("malloc");
    if (t == T_LATENCY)
        parent_latency(&c, v);
    else
        parent_throughput(&c, size, v);
    chan_close(&c);
    reap();
    double w1 = now_ns();
    if (getrusage(RUSAGE_SELF, &u1) == -1)
        die("getrusage");
    if (cpus[0] != -1)
        unpin();
    if (live.qid != -1) {
        hold_signals();
        if (msgctl(live.qid, IPC_RMID, NULL) == -1)
            die("msgctl queue %d IPC_RMID", live.qid);
        live.qid = -1;
        release_signals();
    }
    double cpu = (cpu_ns(&u1) - cpu_ns(&u0) + cpu_ns(&child_usage)) /
                 (w1 - w0);
    report(m, t, msg, n, summarize(v, n), cpu);
    free(v);
}

/* The ceiling: memcpy between two buffers of this process. */
static void measure_memcpy(size_t size)
{
    /* Through a volatile pointer: the compiler may not drop a copy whose
     * result it can see is never read. */
    void *(*volatile copy)(void *, const void *, size_t) = memcpy;
    struct patterns p;
    patterns_make(&p, size);
    unsigned char *dst = msg_alloc(size);
    unsigned count = msgs_for(size);
    double *v = malloc(plan.reps * sizeof *v);
    if (v == NULL)
        die("malloc");
    struct rusage u0, u1;
    if (getrusage(RUSAGE_SELF, &u0) == -1)
        die("getrusage");
    double w0 = now_ns();
    if (opt.pinned)
        pin(opt.cpu[0]);
    for (unsigned rep = 0; rep < 1 + plan.reps; rep++) {
        double t0 = now_ns();
        for (unsigned i = 0; i < count; i++)
            copy(dst, p.buf[i % NPATTERN], size);
        double t1 = now_ns();
        if (full_check() &&
            memcmp(dst, p.buf[(count - 1) % NPATTERN], size) != 0)
            die_msg("memcpy: the copy differs from its source");
        if (rep >= 1)
            v[rep - 1] = (double)count * (double)size / 1e6 /
                         ((t1 - t0) / 1e9);
    }
    if (opt.pinned)
        unpin();
    double w1 = now_ns();
    if (getrusage(RUSAGE_SELF, &u1) == -1)
        die("getrusage");
    report(M_MEMCPY, T_THROUGHPUT, size, plan.reps, summarize(v, plan.reps),
           (cpu_ns(&u1) - cpu_ns(&u0)) / (w1 - w0));
    free(v);
    msg_free(dst);
    patterns_free(&p);
}

/* ---- the command line -------------------------------------------------- */

static void parse_mechs(char *arg)
{
    memset(opt.use, 0, sizeof opt.use);
    for (char *save, *tok = strtok_r(arg, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        int m;
        for (m = 0; m < NMECH; m++)
            if (strcmp(tok, mech_name[m]) == 0)
                break;
        if (m == NMECH) {
            warn_msg("-m: unknown mechanism '%s' (pipe fifo sysvmq posixmq "
                     "unix tcp shm shm-spin mmap memcpy)", tok);
            die_usage(USAGE);
        }
        opt.use[m] = true;
    }
}

static void parse_sizes(const char *arg)
{
    const char *p = arg;
    opt.nsizes = 0;
    for (;;) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(p, &end, 10);
        bool ok = errno == 0 && end != p && *p != '-' && *p != '+';
        if (ok && (*end == 'K' || *end == 'k')) {
            v = v > MSG_MAX ? MSG_MAX + 1 : v << 10;
            end++;
        } else if (ok && (*end == 'M' || *end == 'm')) {
            v = v > MSG_MAX ? MSG_MAX + 1 : v << 20;
            end++;
        }
        if (!ok || (*end != ',' && *end != '\0') || v < MSG_MIN ||
            v > MSG_MAX || v % 8 != 0 || opt.nsizes == MAX_SIZES) {
            warn_msg("-s: bad size list '%s': want up to %d sizes, each a "
                     "multiple of 8 from %d to 64M (K and M allowed)",
                     arg, MAX_SIZES, MSG_MIN);
            die_usage(USAGE);
        }
        opt.sizes[opt.nsizes++] = v;
        if (*end == '\0')
            break;
        p = end + 1;
    }
}

static void parse_cpus(const char *arg)
{
    int a, b, n = -1;
    if (sscanf(arg, "%d,%d%n", &a, &b, &n) != 2 || n < 0 ||
        arg[n] != '\0' || a < 0 || b < 0 || a >= CPU_SETSIZE ||
        b >= CPU_SETSIZE) {
        warn_msg("-c: want two CPU numbers, like 0,1");
        die_usage(USAGE);
    }
    opt.pinned = true;
    opt.cpu[0] = a;
    opt.cpu[1] = b;
}

static void parse_args(int argc, char *argv[])
{
    static const struct option longs[] = {
        {"quick", no_argument, NULL, 'q'},
        {"verify", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0}};
    char sizes[] = DEFAULT_SIZES;
    for (int m = 0; m < NMECH; m++)
        opt.use[m] = true;
    parse_sizes(sizes);
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "+m:s:o:c:", longs, NULL)) != -1) {
        switch (ch) {
        case 'm':
            parse_mechs(optarg);
            break;
        case 's':
            parse_sizes(optarg);
            break;
        case 'o':
            if (optarg[0] == '\0')
                die_usage(USAGE);
            opt.csv = optarg;
            break;
        case 'c':
            parse_cpus(optarg);
            break;
        case 'q':
            opt.quick = true;
            break;
        case 'v':
            opt.verify = true;
            break;
        default:
            if (optopt != 0 && strchr("msoc", optopt) != NULL)
                warn_msg("option -%c needs an argument", optopt);
            else
                warn_msg("unknown option '%s'", argv[optind - 1]);
            die_usage(USAGE);
        }
    }
    if (optind != argc) {
        warn_msg("unexpected argument '%s'", argv[optind]);
        die_usage(USAGE);
    }
}

/* Open FILE.tmp.PID for the CSV; it becomes FILE at the very end. */
static void csv_open(void)
{
    hold_signals();
    int n = snprintf(live.csvtmp, sizeof live.csvtmp, "%s.tmp.%ld",
                     opt.csv, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof live.csvtmp) {
        live.csvtmp[0] = '\0';
        errno = ENAMETOOLONG;
        die("-o %s", opt.csv);
    }
    int fd = open(live.csvtmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd == -1) {
        live.csvtmp[0] = '\0';
        die("open %s", opt.csv);
    }
    release_signals();
    csv = fdopen(fd, "w");
    if (csv == NULL)
        die("fdopen %s", live.csvtmp);
    fprintf(csv, "%s\n", CSV_HEADER);
}

static void csv_finish(void)
{
    if (fflush(csv) == EOF || ferror(csv))
        die("write %s", live.csvtmp);
    if (fclose(csv) == EOF)
        die("close %s", live.csvtmp);
    csv = NULL;
    hold_signals();
    if (rename(live.csvtmp, opt.csv) == -1)
        die("rename %s to %s", live.csvtmp, opt.csv);
    live.csvtmp[0] = '\0';
    release_signals();
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    parse_args(argc, argv);
    if (opt.quick) {
        plan.rtt_warm = QUICK_RTT_WARM;
        plan.rtt_count = QUICK_RTT_COUNT;
        plan.reps = QUICK_REPS;
        plan.volume = QUICK_VOLUME;
        plan.msgs_min = QUICK_MSGS_MIN;
        plan.msgs_max = QUICK_MSGS_MAX;
    } else {
        plan.rtt_warm = RTT_WARM;
        plan.rtt_count = RTT_COUNT;
        plan.reps = REPS;
        plan.volume = VOLUME;
        plan.msgs_min = MSGS_MIN;
        plan.msgs_max = MSGS_MAX;
    }

    /* Clean-up first, so that nothing made later can escape it. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sa.sa_mask = stop_signals;
    if (sigaction(SIGINT, &sa, NULL) == -1 ||
        sigaction(SIGTERM, &sa, NULL) == -1 ||
        sigaction(SIGHUP, &sa, NULL) == -1)
        die("sigaction");
    /* A write to a closed pipe or socket fails with EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);
    if (atexit(at_exit) != 0)
        die_msg("atexit failed");
    if (opt.csv != NULL)
        csv_open();

    placement();
    printf("%s: every message checked: %s\n", err_prog(),
           full_check() ? "every byte compared (--verify)"
                        : "sequence number, length and 4 sampled words "
                          "(--verify compares every byte)");
    printf("%s: latency: %u round trips of %d B after %u warm-up; "
           "throughput: median of %u rounds after 1 warm-up\n",
           err_prog(), plan.rtt_count, PING_SIZE, plan.rtt_warm, plan.reps);
    printf("%-9s  %-10s  %6s  %11s  %11s  %11s  %-4s  %8s\n", "mechanism",
           "test", "size", "median", "min", "max", "unit", "cpu/wall");
    fflush(stdout);

    for (int m = 0; m < NMECH; m++) {
        if (!opt.use[m])
            continue;
        if (m == M_MEMCPY) {
            for (int i = 0; i < opt.nsizes; i++)
                measure_memcpy(opt.sizes[i]);
            continue;
        }
        measure((enum mech)m, T_LATENCY, PING_SIZE);
        for (int i = 0; i < opt.nsizes; i++)
            measure((enum mech)m, T_THROUGHPUT, opt.sizes[i]);
    }

    if (full_check())
        printf("%s: verified: %llu messages, %llu bytes, every byte "
               "compared: no errors\n",
               err_prog(), total_msgs, total_bytes);
    if (csv != NULL)
        csv_finish();
    return EXIT_SUCCESS;
}
