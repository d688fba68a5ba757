/*
 * bare.c (bench) - the bare IPC loops' driver: the yardstick for lab 16's
 * ipcbench in `make bench BENCH=ipcbench` (tests/bench/ipcbench.sh).
 *
 * Usage: bare [-c A,B] MECH latency|throughput SIZE COUNT
 *
 *   MECH        pipe fifo sysvmq posixmq unix tcp shm shm-spin mmap memcpy
 *   latency     COUNT round trips of a SIZE-byte message, after COUNT/10
 *               more that warm up; each one timed, the median kept (ns)
 *   throughput  COUNT SIZE-byte messages one way, then one ACK_SIZE answer
 *               back, timed (MB/s, 10^6 bytes a second), after such a
 *               round of COUNT/4 messages that warms up
 *   -c A,B      the parent (the sender) on CPU A, the child on CPU B
 *
 * memcpy (throughput only) copies SIZE bytes COUNT times in one process
 * (after COUNT/4 times to warm up): the ceiling.  One line on stdout,
 * MECH,TEST,SIZE,COUNT,VALUE,UNIT:
 *
 *     $ build/bench/bare -c 0,1 pipe latency 64 10000
 *     pipe,latency,64,10000,21345,ns
 *
 * No message is checked, nothing is summed up but the one median: this is
 * what a mechanism costs with nothing around it (bare.h).  Exit status 0;
 * 1 when a call failed, after a message; 2 for a bad command line.
 */
#define _GNU_SOURCE /* sched_setaffinity and CPU_SET, prctl */

#include "bare.h"
#include "util.h"

#include <errno.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define USAGE "[-c A,B] MECH latency|throughput SIZE COUNT"

struct live live = {.qid = -1};
bool in_child;

static const struct mech *const mechs[] = {
    &mech_pipe, &mech_fifo, &mech_sysvmq,   &mech_posixmq, &mech_unix,
    &mech_tcp,  &mech_shm,  &mech_shm_spin, &mech_mmap};
#define NMECHS (sizeof mechs / sizeof mechs[0])

static struct {
    const struct mech *m; /* NULL: memcpy */
    bool latency;
    size_t size;
    long count;
    int cpu[2]; /* parent's, child's; -1: not pinned */
} opt = {NULL, false, 0, 0, {-1, -1}};

static sigset_t held; /* SIGINT, SIGTERM, SIGHUP, SIGCHLD */

/* ---- time, CPUs, buffers ----------------------------------------------- */

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void pin(int cpu)
{
    cpu_set_t set;
    if (cpu == -1)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) == -1)
        FAIL("sched_setaffinity CPU %d", cpu);
}

/* A message buffer on a cache line of its own, as ipcbench's are, with
 * room for a long before it (msgsnd's mtype: see mq.c), so that no
 * mechanism copies a message to send it. */
static unsigned char *msg_buf(size_t size)
{
    void *p;
    int e = posix_memalign(&p, 64, size + 64);
    if (e != 0) {
        errno = e;
        FAIL("posix_memalign %zu bytes", size + 64);
    }
    memset(p, 'b', size + 64);
    return (unsigned char *)p + 64;
}

static void msg_free(unsigned char *buf)
{
    free(buf - 64);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- clean-up ---------------------------------------------------------- */

static int holds; /* hold_signals() calls not yet released */

void hold_signals(void)
{
    if (holds++ == 0 && sigprocmask(SIG_BLOCK, &held, NULL) == -1)
        FAIL("sigprocmask");
}

void release_signals(void)
{
    if (--holds == 0 && sigprocmask(SIG_UNBLOCK, &held, NULL) == -1)
        FAIL("sigprocmask");
}

/* Remove what live notes.  checked: fail on an error (the normal end);
 * else ignore errors (exit and signal paths: only system calls here). */
static void remove_all(bool checked)
{
    int e = errno;
    for (int i = 0; i < 2; i++) {
        if (live.path[i][0] != '\0' && unlink(live.path[i]) == -1 && checked)
            FAIL("unlink %s", live.path[i]);
        if (live.mq[i][0] != '\0' && mq_unlink(live.mq[i]) == -1 && checked)
            FAIL("mq_unlink %s", live.mq[i]);
        live.path[i][0] = live.mq[i][0] = '\0';
    }
    if (live.dir[0] != '\0' && rmdir(live.dir) == -1 && checked)
        FAIL("rmdir %s", live.dir);
    if (live.shm[0] != '\0' && shm_unlink(live.shm) == -1 && checked)
        FAIL("shm_unlink %s", live.shm);
    if (live.qid != -1 && msgctl(live.qid, IPC_RMID, NULL) == -1 && checked)
        FAIL("msgctl %d IPC_RMID", live.qid);
    live.dir[0] = live.shm[0] = '\0';
    live.qid = -1;
    errno = e;
}

void remove_live(void)
{
    hold_signals();
    remove_all(true);
    release_signals();
}

/* On an early exit of the parent: stop the child, remove everything. */
static void stop_all(void)
{
    if (live.child > 0)
        kill(live.child, SIGKILL);
    remove_all(false);
}

static void at_exit(void)
{
    if (!in_child)
        stop_all();
}

static void on_stop(int sig)
{
    stop_all();
    signal(sig, SIG_DFL);
    raise(sig); /* held until this handler returns, then fatal */
}

/* A child that ended early: remove everything and fail, instead of
 * waiting for it for ever. */
static void on_child(int sig)
{
    static const char msg[] = "bare: the child ended early\n";
    int st, e = errno;
    (void)sig;
    if (live.child > 0 && waitpid(live.child, &st, WNOHANG) == live.child) {
        live.child = 0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            remove_all(false);
            if (write(STDERR_FILENO, msg, sizeof msg - 1) == -1)
                _exit(EXIT_FAIL); /* nothing more to say it with */
            _exit(EXIT_FAIL);
        }
    }
    errno = e;
}

static void catch_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD};
    struct sigaction sa;
    sigemptyset(&held);
    for (int i = 0; i < 4; i++)
        sigaddset(&held, sigs[i]);
    memset(&sa, 0, sizeof sa);
    sa.sa_mask = held;
    sa.sa_flags = SA_RESTART;
    for (int i = 0; i < 4; i++) {
        sa.sa_handler = sigs[i] == SIGCHLD ? on_child : on_stop;
        if (sigaction(sigs[i], &sa, NULL) == -1)
            die("sigaction %d", sigs[i]);
    }
    signal(SIGPIPE, SIG_IGN); /* a write to a closed end fails: EPIPE */
    if (atexit(at_exit) != 0)
        die_msg("atexit failed");
}

/* ---- the loops --------------------------------------------------------- */

/* The child, stopped (or its parent gone, even by SIGKILL): the one object
 * that outlives both processes is the System V queue. */
static void on_child_stop(int sig)
{
    if (live.qid != -1)
        msgctl(live.qid, IPC_RMID, NULL);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Messages in round r: latency, one round, COUNT round trips and a tenth
 * more to warm up; a stream, round 0 a quarter of COUNT to warm up, round
 * 1 COUNT, timed. */
static long round_len(int r)
{
    if (opt.latency)
        return opt.count / 10 + opt.count;
    return r == 0 ? opt.count / 4 + 1 : opt.count;
}

/* The child: echo each round trip, or take each round and answer it. */
static noreturn void child_main(pid_t parent)
{
    const struct mech *m = opt.m;
    in_child = true;
    signal(SIGINT, on_child_stop);
    signal(SIGTERM, on_child_stop);
    signal(SIGHUP, on_child_stop);
    signal(SIGCHLD, SIG_DFL);
    release_signals();
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
        die_child("prctl PR_SET_PDEATHSIG");
    if (getppid() != parent) /* the parent died before prctl */
        _exit(EXIT_FAIL);
    pin(opt.cpu[1]);
    m->open();
    unsigned char *buf = msg_buf(opt.size), *ack = msg_buf(opt.size);
    for (int round = 0; round < (opt.latency ? 1 : 2); round++) {
        for (long i = 0; i < round_len(round); i++) {
            m->recv(DOWN, buf, opt.size);
            if (opt.latency)
                m->send(UP, buf, opt.size);
        }
        if (!opt.latency)
            m->send(UP, ack, ACK_SIZE);
    }
    _exit(EXIT_SUCCESS);
}

/* The parent's round trips: the median of the timed ones, in ns. */
static double parent_latency(const struct mech *m)
{
    long warm = opt.count / 10;
    unsigned char *buf = msg_buf(opt.size);
    double *v = malloc((size_t)opt.count * sizeof *v);
    if (v == NULL)
        die("malloc");
    for (long i = 0; i < warm + opt.count; i++) {
        double t0 = now_ns();
        m->send(DOWN, buf, opt.size);
        m->recv(UP, buf, opt.size);
        if (i >= warm)
            v[i - warm] = now_ns() - t0;
    }
    qsort(v, (size_t)opt.count, sizeof *v, cmp_double);
    long n = opt.count;
    double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    free(v);
    msg_free(buf);
    return median;
}

/* The parent's stream: a round to warm up, a round timed, in MB/s. */
static double parent_stream(const struct mech *m)
{
    unsigned char *buf = msg_buf(opt.size), *ack = msg_buf(opt.size);
    double t0 = 0;
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            t0 = now_ns();
        for (long i = 0; i < round_len(round); i++)
            m->send(DOWN, buf, opt.size);
        m->recv(UP, ack, ACK_SIZE);
    }
    double t1 = now_ns();
    msg_free(ack);
    msg_free(buf);
    return (double)opt.count * (double)opt.size / 1e6 / ((t1 - t0) / 1e9);
}

/* Make the objects, fork, measure, reap, remove: the figure. */
static double run_pair(void)
{
    catch_signals();
    hold_signals(); /* names noted and objects made: one step */
    opt.m->make(opt.size);
    pid_t parent = getpid();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0)
        child_main(parent);
    live.child = pid;
    release_signals();
    pin(opt.cpu[0]);
    opt.m->open();
    double v = opt.latency ? parent_latency(opt.m) : parent_stream(opt.m);
    int st = 0;
    hold_signals(); /* SIGCHLD's handler must not reap it first */
    if (live.child > 0 && waitpid(live.child, &st, 0) == -1)
        die("waitpid %ld", (long)live.child);
    if (live.child > 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
        die_msg("the child failed (wait status 0x%x)", (unsigned)st);
    live.child = 0;
    release_signals();
    remove_live();
    return v;
}

/* The ceiling: memcpy, through a volatile pointer so that no copy whose
 * result is never read can be dropped. */
static double copy_rate(void)
{
    void *(*volatile copy)(void *, const void *, size_t) = memcpy;
    unsigned char *src = msg_buf(opt.size), *dst = msg_buf(opt.size);
    double t0 = 0;
    pin(opt.cpu[0]);
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            t0 = now_ns();
        for (long i = 0; i < round_len(round); i++)
            copy(dst, src, opt.size);
    }
    double t1 = now_ns();
    msg_free(dst);
    msg_free(src);
    return (double)opt.count * (double)opt.size / 1e6 / ((t1 - t0) / 1e9);
}

/* ---- the command line -------------------------------------------------- */

static void parse_cpus(const char *arg)
{
    int n = -1;
    if (sscanf(arg, "%d,%d%n", &opt.cpu[0], &opt.cpu[1], &n) != 2 || n < 0 ||
        arg[n] != '\0' || opt.cpu[0] < 0 || opt.cpu[1] < 0 ||
        opt.cpu[0] >= CPU_SETSIZE || opt.cpu[1] >= CPU_SETSIZE) {
        warn_msg("-c: want two CPU numbers, like 0,1");
        die_usage(USAGE);
    }
}

static void parse(int argc, char *argv[])
{
    int a = 1;
    if (argc > 2 && strcmp(argv[1], "-c") == 0) {
        parse_cpus(argv[2]);
        a = 3;
    }
    if (argc - a != 4)
        die_usage(USAGE);
    for (size_t i = 0; i < NMECHS; i++)
        if (strcmp(argv[a], mechs[i]->name) == 0)
            opt.m = mechs[i];
    if (opt.m == NULL && strcmp(argv[a], "memcpy") != 0) {
        warn_msg("unknown mechanism '%s'", argv[a]);
        die_usage(USAGE);
    }
    opt.latency = strcmp(argv[a + 1], "latency") == 0;
    if ((!opt.latency && strcmp(argv[a + 1], "throughput") != 0) ||
        (opt.latency && opt.m == NULL)) {
        warn_msg("want latency or throughput (memcpy: throughput)");
        die_usage(USAGE);
    }
    opt.size = (size_t)arg_long("SIZE", argv[a + 2], MSG_MIN, 64L << 20, USAGE);
    opt.count = arg_long("COUNT", argv[a + 3], 1, 100000000, USAGE);
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    parse(argc, argv);
    double v = opt.m == NULL ? copy_rate() : run_pair();
    printf("%s,%s,%zu,%ld,%.*f,%s\n", opt.m ? opt.m->name : "memcpy",
           opt.latency ? "latency" : "throughput", opt.size, opt.count,
           opt.latency ? 0 : 1, v, opt.latency ? "ns" : "MB/s");
    return EXIT_SUCCESS;
}
