/*
 * bench.c - lab 16's measuring machinery: see bench.h.  The two processes,
 * the timing, the message check, the statistics, the command line, the
 * table and the CSV, the CPUs and the clean-up.  The lab's channels
 * (ring.c, chan.c) are reached through struct bench_chan only.
 */
#define _GNU_SOURCE /* sched_setaffinity and CPU_SET, prctl, getopt_long */

#include "bench.h"

#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *const mech_name[NMECH] = {"pipe", "fifo",  "sysvmq", "posixmq",
                                      "unix", "tcp",   "shm",    "shm-spin",
                                      "mmap", "memcpy"};

/* ---- options and counts ------------------------------------------------ */

#define MAX_SIZES 16
#define CACHE_LINE 64

static struct {
    bool use[NMECH];
    size_t sizes[MAX_SIZES];
    int nsizes;
    const char *csv;
    bool quick, verify;
    bool pinned; /* -c given */
    int cpu[2];  /* [0] the sender's, [1] the receiver's */
} opt;

static struct {
    unsigned rtt_warm, rtt_count, reps;
    size_t volume;
    unsigned msgs_min, msgs_max;
} plan;

/* ---- what exists, for the clean-up ------------------------------------- */

struct live live = {.qid = -1};
bool in_child;                    /* this process is the receiver */
static pid_t peer;                /* the other side's pid */
static struct rusage child_usage; /* its CPU time, once reaped */
static sigset_t stop_signals;     /* SIGINT, SIGTERM, SIGHUP */

void hold_signals(void)
{
    sigprocmask(SIG_BLOCK, &stop_signals, NULL);
}

void release_signals(void)
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

void child_remove_queue(void)
{
    int saved = errno;
    if (live.qid != -1)
        msgctl(live.qid, IPC_RMID, NULL);
    errno = saved;
}

/*
 * A child that exited with status 0 may have ended on time: its last
 * store into shared memory came before its exit, but the caller may have
 * loaded the word just before that store.  So the first time the parent
 * only notes it (looking with WNOWAIT: the end of the run reaps the child,
 * for its CPU time) and lets the caller look again; back here, still
 * waiting, it ended early.
 */
void check_peer(void)
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
        die_msg("the receiver (pid %ld) was killed by signal %d", (long)peer,
                WTERMSIG(st));
    die_msg("the receiver (pid %ld) ended early with status %d", (long)peer,
            WEXITSTATUS(st));
}

/* ---- time and statistics ----------------------------------------------- */

double now_ns(void)
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

struct stats summarize(double *v, size_t n)
{
    struct stats s;
    qsort(v, n, sizeof v[0], cmp_double);
    s.min = v[0];
    s.max = v[n - 1];
    s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return s;
}

/* ---- messages ---------------------------------------------------------- */

/* Word i of pattern p (0 <= p < NPATTERN). */
static uint64_t pattern_word(unsigned p, size_t i)
{
    uint64_t x = (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ULL;
    return x ^ ((uint64_t)(p + 1) * 0xC2B2AE3D27D4EB4FULL) ^ (x >> 29);
}

/* A buffer of size bytes (at least PING_SIZE) with CACHE_LINE bytes
 * before it: System V wants its mtype (a long) right before the data, and
 * gets it without a copy. */
static unsigned char *msg_alloc(size_t size)
{
    if (size < PING_SIZE)
        size = PING_SIZE;
    unsigned char *p = NULL;
    int e = posix_memalign((void **)&p, CACHE_LINE, size + CACHE_LINE);
    if (e != 0) {
        errno = e; /* what FAIL's die or die_child reads */
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
    uint64_t magic; /* MSG_MAGIC */
    uint64_t got;   /* messages received */
    uint64_t bad;   /* of them wrong */
    int64_t first;  /* the first wrong one: seq << 32 | word, or -1 */
};
_Static_assert(sizeof(struct ack) == ACK_SIZE, "the ack is ACK_SIZE bytes");

/* ---- CPUs -------------------------------------------------------------- */

static cpu_set_t allowed;          /* the CPUs we may run on, at the start */
static int spin_cpu[2] = {-1, -1}; /* shm-spin's two CPUs, -1: none */

int bench_spin_cpu(int side)
{
    return spin_cpu[side];
}

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

/* Print where the processes run; choose shm-spin's two CPUs. */
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
        return;
    }
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

/* ---- results ----------------------------------------------------------- */

static FILE *csv;
/* Totals for the --verify summary. */
static unsigned long long total_msgs, total_bytes;

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
           mech_name[m], test_name(t), sz, prec, s.median, prec, s.min, prec,
           s.max, unit, cpu);
    fflush(stdout);
    if (csv != NULL) {
        char cpu_test[32];
        snprintf(cpu_test, sizeof cpu_test, "%s-cpu", test_name(t));
        fprintf(csv, CSV_ROW, mech_name[m], test_name(t), size, reps, prec,
                s.median, prec, s.min, prec, s.max, unit);
        fprintf(csv, CSV_ROW, mech_name[m], cpu_test, size, 1u, 2, cpu, 2, cpu,
                2, cpu, "cpu/wall");
    }
}

static void report_skip(enum mech m, enum test t, size_t size, const char *why)
{
    char sz[32];
    size_text(size, sz, sizeof sz);
    printf("%-9s  %-10s  %6s  skipped: %s\n", mech_name[m], test_name(t), sz,
           why);
    fflush(stdout);
    if (csv != NULL)
        fprintf(csv, CSV_ROW, mech_name[m], test_name(t), size, 0u, 0, 0.0, 0,
                0.0, 0, 0.0, "skipped");
}

/* ---- helpers for the lab's chan.c ------------------------------------- */

long bench_proc_limit(const char *path, long fallback)
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

void bench_tmp_path(int i, const char *name)
{
    hold_signals();
    if (live.dir[0] == '\0') {
        char dir[sizeof live.dir] = TMPDIR_TEMPLATE;
        if (mkdtemp(dir) == NULL)
            die("mkdtemp %s in the current directory", TMPDIR_TEMPLATE);
        memcpy(live.dir, dir, sizeof dir);
    }
    snprintf(live.path[i], sizeof live.path[i], "%s/%s", live.dir, name);
    release_signals();
}

void bench_remove_tmp(void)
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

/* ---- the channel after the fork ---------------------------------------- */

static const struct bench_chan *lab; /* the lab's part (bench_run) */
static struct chan cur;              /* the one channel, made anew per test */

static void close_fd(int *fd)
{
    if (*fd != -1 && close(*fd) == -1)
        FAIL("close descriptor %d", *fd);
    *fd = -1;
}

/* Open in the same order on both sides (DOWN, then UP), or both block. */
static void fifo_open(void)
{
    int *down = in_child ? &cur.rfd : &cur.wfd;
    int *up = in_child ? &cur.wfd : &cur.rfd;
    static const char *const how[2] = {"reading", "writing"};
    *down = open(live.path[DOWN], in_child ? O_RDONLY : O_WRONLY);
    if (*down == -1)
        FAIL("open %s for %s", live.path[DOWN], how[!in_child]);
    *up = open(live.path[UP], in_child ? O_WRONLY : O_RDONLY);
    if (*up == -1)
        FAIL("open %s for %s", live.path[UP], how[in_child]);
}

/* The child connects to the parent's listening socket; the parent
 * accepts, looking at its child every tick. */
static void tcp_open(void)
{
    if (in_child) {
        close_fd(&cur.listen_fd);
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = cur.port;
        if ((cur.rfd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
            FAIL("socket AF_INET SOCK_STREAM");
        if (connect(cur.rfd, (struct sockaddr *)&a, sizeof a) == -1)
            FAIL("connect 127.0.0.1 port %u", ntohs(cur.port));
    } else {
        struct pollfd p = {.fd = cur.listen_fd, .events = POLLIN};
        int r;
        while ((r = poll(&p, 1, TICK_MS)) == 0 || (r == -1 && errno == EINTR))
            check_peer();
        if (r == -1)
            die("poll the listening socket");
        if ((cur.rfd = accept(cur.listen_fd, NULL, NULL)) == -1)
            die("accept");
        close_fd(&cur.listen_fd);
    }
    cur.wfd = cur.rfd;
    int one = 1; /* no Nagle delay on small messages */
    if (setsockopt(cur.rfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
        FAIL("setsockopt TCP_NODELAY");
}

/* After the fork, in each process: keep this side's ends. */
static void chan_open(void)
{
    int me = in_child ? 1 : 0;
    if (cur.m == M_PIPE) { /* fds[0..1]: DOWN (read, write); fds[2..3]: UP */
        cur.rfd = cur.fds[me ? 0 : 2];
        cur.wfd = cur.fds[me ? 3 : 1];
        close_fd(&cur.fds[me ? 1 : 0]);
        close_fd(&cur.fds[me ? 2 : 3]);
        cur.fds[me ? 0 : 2] = cur.fds[me ? 3 : 1] = -1;
    } else if (cur.m == M_UNIX) {
        cur.rfd = cur.wfd = cur.fds[me];
        close_fd(&cur.fds[1 - me]);
        cur.fds[me] = -1;
    } else if (cur.m == M_FIFO) {
        fifo_open();
    } else if (cur.m == M_TCP) {
        tcp_open();
    } else if (cur.m == M_SHM || cur.m == M_SPIN || cur.m == M_MMAP) {
        lab->attach(&cur);
    }
}

/* In each process, at the end: close and unmap what it holds.  The parent
 * removes the System V queue after the child is reaped. */
static void chan_close(void)
{
    if (cur.rfd != cur.wfd)
        close_fd(&cur.wfd);
    cur.wfd = -1;
    close_fd(&cur.rfd);
    for (int i = 0; i < 4; i++)
        close_fd(&cur.fds[i]);
    close_fd(&cur.listen_fd);
    for (int d = 0; d < 2; d++)
        if (cur.mq[d] != (mqd_t)-1 && mq_close(cur.mq[d]) == -1)
            FAIL("mq_close");
    if (cur.area != NULL && munmap(cur.area, cur.area_len) == -1)
        FAIL("munmap");
    cur.area = NULL;
}

/* ---- one message ------------------------------------------------------- */

static void stream_recv(int fd, unsigned char *p, size_t len)
{
    ssize_t n = read_full(fd, p, len);
    if (n == -1)
        FAIL("read descriptor %d", fd);
    if ((size_t)n == len)
        return;
    if (in_child)
        _exit(EXIT_FAIL); /* the parent is gone */
    check_peer();
    die_msg("read descriptor %d: end of file %zu bytes before the end of a "
            "message",
            fd, len - (size_t)n);
}

/* The absolute time one tick from now, for mq_timedsend/receive. */
static struct timespec tick(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += TICK_MS * 1000000L;
    t.tv_sec += t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    return t;
}

static void chan_send(int dir, unsigned char *buf, size_t len)
{
    long *mtype = (long *)(void *)(buf - sizeof(long)); /* msg_alloc's room */
    struct timespec t;
    switch (cur.m) {
    case M_SYSV:
        *mtype = dir == DOWN ? MTYPE_DOWN : MTYPE_UP;
        while (msgsnd(cur.qid, mtype, len, 0) == -1)
            if (errno != EINTR)
                FAIL("msgsnd %zu bytes to queue %d", len, cur.qid);
        break;
    case M_POSIX:
        while (t = tick(), mq_timedsend(cur.mq[dir], (char *)buf, len, 0, &t))
            if (errno == ETIMEDOUT)
                check_peer();
            else if (errno != EINTR)
                FAIL("mq_send %zu bytes", len);
        break;
    case M_SHM:
    case M_SPIN:
    case M_MMAP:
        lab->ring_write(cur.ring[dir], buf, len, cur.spin);
        break;
    default:
        if (write_full(cur.wfd, buf, len) == -1) {
            if (errno == EPIPE && !in_child)
                check_peer();
            FAIL("write %zu bytes to descriptor %d", len, cur.wfd);
        }
    }
}

static void chan_recv(int dir, unsigned char *buf, size_t len)
{
    long *mtype = (long *)(void *)(buf - sizeof(long));
    long want = dir == DOWN ? MTYPE_DOWN : MTYPE_UP;
    struct timespec t;
    ssize_t n;
    switch (cur.m) {
    case M_SYSV:
        while ((n = msgrcv(cur.qid, mtype, len, want, 0)) == -1)
            if (errno != EINTR) {
                if (!in_child && (errno == EIDRM || errno == EINVAL))
                    check_peer();
                FAIL("msgrcv from queue %d", cur.qid);
            }
        break;
    case M_POSIX:
        while (t = tick(), (n = mq_timedreceive(cur.mq[dir], (char *)buf,
                                                cur.mq_size, NULL, &t)) == -1)
            if (errno == ETIMEDOUT)
                check_peer();
            else if (errno != EINTR)
                FAIL("mq_receive");
        break;
    case M_SHM:
    case M_SPIN:
    case M_MMAP:
        lab->ring_read(cur.ring[dir], buf, len, cur.spin);
        return;
    default:
        stream_recv(cur.rfd, buf, len);
        return;
    }
    if ((size_t)n != len) {
        errno = EBADMSG;
        FAIL("a message of %zd bytes where %zu were due", n, len);
    }
}

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

/* The child's side of a throughput test: receive rounds, acknowledge. */
static void child_rounds(size_t size)
{
    unsigned char *buf = msg_alloc(size);
    unsigned char *ackbuf = msg_alloc(ACK_SIZE);
    unsigned count = msgs_for(size);
    bool full = full_check();
    for (unsigned rep = 0; rep < 1 + plan.reps; rep++) {
        struct ack a = {MSG_MAGIC, 0, 0, -1};
        for (unsigned i = 0; i < count; i++) {
            chan_recv(DOWN, buf, size);
            long w = msg_check(buf, size, i, full);
            a.got++;
            if (w != -1 && a.bad++ == 0)
                a.first = (int64_t)i << 32 | w;
        }
        memcpy(ackbuf, &a, sizeof a);
        chan_send(UP, ackbuf, ACK_SIZE);
    }
    msg_free(ackbuf);
    msg_free(buf);
}

/* The child's side: echo pings, or receive rounds and acknowledge. */
static void child_run(enum test t, size_t size)
{
    if (t == T_THROUGHPUT) {
        child_rounds(size);
        return;
    }
    unsigned char *buf = msg_alloc(PING_SIZE);
    for (unsigned i = 0; i < plan.rtt_warm + plan.rtt_count; i++) {
        chan_recv(DOWN, buf, PING_SIZE);
        chan_send(UP, buf, PING_SIZE);
    }
    msg_free(buf);
}

/* The parent's side of a latency test: the round trips, in ns. */
static void parent_latency(enum mech m, double *v)
{
    struct patterns p;
    patterns_make(&p, PING_SIZE);
    unsigned char *back = msg_alloc(PING_SIZE);
    bool full = full_check();
    for (unsigned i = 0; i < plan.rtt_warm + plan.rtt_count; i++) {
        unsigned char *msg = msg_stamp(&p, i);
        double t0 = now_ns();
        chan_send(DOWN, msg, PING_SIZE);
        chan_recv(UP, back, PING_SIZE);
        double t1 = now_ns();
        long w = full ? (memcmp(back, msg, PING_SIZE) ? 0 : -1)
                      : msg_check(back, PING_SIZE, i, false);
        if (w != -1)
            die_msg("%s: round trip %u came back wrong (word %ld)",
                    mech_name[m], i, w);
        if (i >= plan.rtt_warm)
            v[i - plan.rtt_warm] = t1 - t0;
    }
    total_msgs += 2ULL * (plan.rtt_warm + plan.rtt_count);
    total_bytes += 2ULL * PING_SIZE * (plan.rtt_warm + plan.rtt_count);
    msg_free(back);
    patterns_free(&p);
}

/* Fail unless the receiver's answer says every message came intact. */
static void check_ack(const unsigned char *ackbuf, enum mech m, size_t size,
                      unsigned count)
{
    struct ack a;
    memcpy(&a, ackbuf, sizeof a);
    if (a.magic != MSG_MAGIC || a.got != count)
        die_msg("%s: the receiver's answer is wrong (got %llu of %u "
                "messages)",
                mech_name[m], (unsigned long long)a.got, count);
    if (a.bad != 0)
        die_msg("%s, %zu-byte messages: %llu of %u arrived wrong "
                "(first: message %lld, word %lld)",
                mech_name[m], size, (unsigned long long)a.bad, count,
                (long long)(a.first >> 32), (long long)(a.first & 0xffffffff));
}

/* The parent's side of a throughput test: MB/s of each timed round. */
static void parent_throughput(enum mech m, size_t size, double *v)
{
    struct patterns p;
    patterns_make(&p, size);
    unsigned char *ackbuf = msg_alloc(ACK_SIZE);
    unsigned count = msgs_for(size);
    for (unsigned rep = 0; rep < 1 + plan.reps; rep++) {
        double t0 = now_ns();
        for (unsigned i = 0; i < count; i++)
            chan_send(DOWN, msg_stamp(&p, i), size);
        chan_recv(UP, ackbuf, ACK_SIZE);
        double t1 = now_ns();
        check_ack(ackbuf, m, size, count);
        if (rep >= 1)
            v[rep - 1] = (double)count * (double)size / 1e6 / ((t1 - t0) / 1e9);
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
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die_msg("the receiver (pid %ld) failed: %s %d", (long)r,
                WIFSIGNALED(st) ? "signal" : "status",
                WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

/* The child, from the fork to its _exit. */
static void child_main(const int cpus[2], enum test t, size_t size)
{
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
    chan_open();
    child_run(t, size);
    chan_close();
    _exit(EXIT_SUCCESS);
}

/* Fork the child, measure in the parent, reap the child; the results in
 * v[], the CPU time both used per wall time returned. */
static double parent_measure(const int cpus[2], enum mech m, enum test t,
                             size_t size, double *v)
{
    struct rusage u0, u1;
    if (getrusage(RUSAGE_SELF, &u0) == -1)
        die("getrusage");
    double w0 = now_ns();
    fflush(stdout);
    hold_signals();
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0)
        child_main(cpus, t, size);
    live.child = peer = pid;
    release_signals();
    if (cpus[0] != -1)
        pin(cpus[0]);
    chan_open();
    lab->unlink(&cur); /* both sides hold the channel: the names can go */
    if (t == T_LATENCY)
        parent_latency(m, v);
    else
        parent_throughput(m, size, v);
    chan_close();
    reap();
    double w1 = now_ns();
    if (getrusage(RUSAGE_SELF, &u1) == -1)
        die("getrusage");
    if (cpus[0] != -1)
        unpin();
    return (cpu_ns(&u1) - cpu_ns(&u0) + cpu_ns(&child_usage)) / (w1 - w0);
}

/* One measurement of mechanism m over a fresh channel and child. */
static void measure(enum mech m, enum test t, size_t size)
{
    size_t msg = t == T_LATENCY ? PING_SIZE : size;
    const char *why = lab->cannot(m, msg);
    if (why != NULL) {
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
    memset(&cur, 0, sizeof cur);
    cur.m = m;
    cur.rfd = cur.wfd = cur.listen_fd = cur.qid = -1;
    for (int i = 0; i < 4; i++)
        cur.fds[i] = -1;
    cur.mq[0] = cur.mq[1] = (mqd_t)-1;
    lab->setup(&cur, m, msg < ACK_SIZE ? ACK_SIZE : msg);
    unsigned n = t == T_LATENCY ? plan.rtt_count : plan.reps;
    double *v = malloc(n * sizeof *v);
    if (v == NULL)
        die("malloc");
    double cpu = parent_measure(cpus, m, t, size, v);
    lab->remove(&cur);
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
            v[rep - 1] = (double)count * (double)size / 1e6 / ((t1 - t0) / 1e9);
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

void bench_run(const struct bench_chan *labs_part)
{
    lab = labs_part;
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
}

/* ---- the command line -------------------------------------------------- */

static int parse_mechs(char *arg)
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
                     "unix tcp shm shm-spin mmap memcpy)",
                     tok);
            return -1;
        }
        opt.use[m] = true;
    }
    return 0;
}

/* One size of a list: digits, then K or M; *end after it. */
static unsigned long parse_size(const char *p, char **end)
{
    errno = 0;
    unsigned long v = strtoul(p, end, 10);
    if (errno != 0 || *end == p || *p == '-' || *p == '+')
        return 0;
    if (**end == 'K' || **end == 'k') {
        v = v > MSG_MAX ? MSG_MAX + 1 : v << 10;
        (*end)++;
    } else if (**end == 'M' || **end == 'm') {
        v = v > MSG_MAX ? MSG_MAX + 1 : v << 20;
        (*end)++;
    }
    return v;
}

static int parse_sizes(const char *arg)
{
    const char *p = arg;
    opt.nsizes = 0;
    for (;;) {
        char *end;
        unsigned long v = parse_size(p, &end);
        if ((*end != ',' && *end != '\0') || v < MSG_MIN || v > MSG_MAX ||
            v % 8 != 0 || opt.nsizes == MAX_SIZES) {
            warn_msg("-s: bad size list '%s': want up to %d sizes, each a "
                     "multiple of 8 from %d to 64M (K and M allowed)",
                     arg, MAX_SIZES, MSG_MIN);
            return -1;
        }
        opt.sizes[opt.nsizes++] = v;
        if (*end == '\0')
            return 0;
        p = end + 1;
    }
}

static int parse_cpus(const char *arg)
{
    int a, b, n = -1;
    if (sscanf(arg, "%d,%d%n", &a, &b, &n) != 2 || n < 0 || arg[n] != '\0' ||
        a < 0 || b < 0 || a >= CPU_SETSIZE || b >= CPU_SETSIZE) {
        warn_msg("-c: want two CPU numbers, like 0,1");
        return -1;
    }
    opt.pinned = true;
    opt.cpu[0] = a;
    opt.cpu[1] = b;
    return 0;
}

/* One option of getopt_long's; -1 when it is wrong. */
static int parse_one(int ch, char *arg, char *argv[])
{
    switch (ch) {
    case 'm':
        return parse_mechs(arg);
    case 's':
        return parse_sizes(arg);
    case 'o':
        opt.csv = arg;
        return arg[0] == '\0' ? -1 : 0;
    case 'c':
        return parse_cpus(arg);
    case 'q':
        opt.quick = true;
        return 0;
    case 'v':
        opt.verify = true;
        return 0;
    default:
        if (optopt != 0 && strchr("msoc", optopt) != NULL)
            warn_msg("option -%c needs an argument", optopt);
        else
            warn_msg("unknown option '%s'", argv[optind - 1]);
        return -1;
    }
}

/* The counts of a default or a --quick run. */
static void make_plan(void)
{
    plan.rtt_warm = opt.quick ? QUICK_RTT_WARM : RTT_WARM;
    plan.rtt_count = opt.quick ? QUICK_RTT_COUNT : RTT_COUNT;
    plan.reps = opt.quick ? QUICK_REPS : REPS;
    plan.volume = opt.quick ? QUICK_VOLUME : VOLUME;
    plan.msgs_min = opt.quick ? QUICK_MSGS_MIN : MSGS_MIN;
    plan.msgs_max = opt.quick ? QUICK_MSGS_MAX : MSGS_MAX;
}

int bench_options(int argc, char *argv[])
{
    static const struct option longs[] = {{"quick", no_argument, NULL, 'q'},
                                          {"verify", no_argument, NULL, 'v'},
                                          {NULL, 0, NULL, 0}};
    char sizes[] = DEFAULT_SIZES;
    for (int m = 0; m < NMECH; m++)
        opt.use[m] = true;
    parse_sizes(sizes);
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "+m:s:o:c:", longs, NULL)) != -1)
        if (parse_one(ch, optarg, argv) == -1)
            return -1;
    if (optind != argc) {
        warn_msg("unexpected argument '%s'", argv[optind]);
        return -1;
    }
    make_plan();
    return 0;
}

/* ---- start and end ----------------------------------------------------- */

void bench_at_exit(void)
{
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    /* A write to a closed pipe or socket fails with EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);
    if (atexit(at_exit) != 0)
        die_msg("atexit failed");
}

void bench_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sa.sa_mask = stop_signals;
    if (sigaction(SIGINT, &sa, NULL) == -1 ||
        sigaction(SIGTERM, &sa, NULL) == -1 ||
        sigaction(SIGHUP, &sa, NULL) == -1)
        die("sigaction");
}

const char *bench_csv_name(void)
{
    return opt.csv;
}

int bench_csv_open(void)
{
    if (opt.csv == NULL)
        return 0;
    hold_signals();
    int n = snprintf(live.csvtmp, sizeof live.csvtmp, "%s.tmp.%ld", opt.csv,
                     (long)getpid());
    if (n < 0 || (size_t)n >= sizeof live.csvtmp) {
        live.csvtmp[0] = '\0';
        die_errno(ENAMETOOLONG, "-o %s", opt.csv);
    }
    int fd = open(live.csvtmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd == -1) {
        live.csvtmp[0] = '\0';
        int e = errno;
        release_signals();
        errno = e;
        return -1;
    }
    release_signals();
    csv = fdopen(fd, "w");
    if (csv == NULL)
        die("fdopen %s", live.csvtmp);
    fprintf(csv, "%s\n", CSV_HEADER);
    return 0;
}

void bench_start(void)
{
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
}

void bench_finish(void)
{
    if (full_check())
        printf("%s: verified: %llu messages, %llu bytes, every byte "
               "compared: no errors\n",
               err_prog(), total_msgs, total_bytes);
    if (csv == NULL)
        return;
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
