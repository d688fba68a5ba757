/*
 * pmutex.c - N processes share a counter and a bounded queue, synchronised
 * with a process-shared, robust pthread mutex and condition variables.
 *
 * Usage: pmutex -p N -r R [-q SIZE] [-k K]
 *
 * The parent maps an anonymous shared region (pmutex.h), initialises the
 * mutex and the condition variables in it, and forks N workers.  Each
 * worker waits at a start gate until all N are there, then does R
 * rounds; in each it adds 1 to the shared counter, puts one
 * item into the queue (SIZE slots, default 8; it waits while the queue is
 * full) and takes one out (it waits while the queue is empty).  The parent
 * waits for them all and checks the totals:
 *
 *     $ ./pmutex -p 4 -r 1000
 *     pmutex: 4 processes x 1000 rounds, queue of 8
 *     pmutex: counter 4000 (expected 4000)
 *     pmutex: queue passed 4000 items, checksum 8002000 (expected 8002000)
 *
 * -k K (1 to N, N at least 2): worker K kills itself with SIGKILL half-way
 * through its rounds, while it holds the lock in the middle of an update.
 * The next process to lock gets EOWNERDEAD, rolls the update back, makes
 * the mutex consistent and says so; worker K's remaining rounds are
 * missing from the expected totals:
 *
 *     pmutex: recovered: a worker died holding the lock; its update was
 *     rolled back (counter 1751)
 *
 * Status 0 when every total is right; 1 when one is wrong (the line says
 * which), a worker failed, or a call failed; 2 for a bad command line.
 *
 * Cleanup: nothing outlives the run.  The region is anonymous (it goes
 * with the last process that maps it), and the parent reaps every worker.
 * A worker that fails exits at once; its waits are bounded, so the others
 * fail within PM_WAIT_SECS instead of hanging.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS: in POSIX only since 2024 */

#include "pmutex.h"
#include "err.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define USAGE "-p N -r R [-q SIZE] [-k K]"

static struct pm_shared *sh;

/* A run, as the command line asks for it. */
struct run {
    long procs, rounds; /* -p N, -r R */
    long size;          /* -q SIZE */
    long victim;        /* -k K: the worker (1 to N) that dies; 0: none */
    long dies_at;       /* the round it dies in; rounds: never */
};

/* What the parent reads from the region once the workers are gone. */
struct totals {
    unsigned long counter, check; /* the counter's two halves */
    int busy;                     /* the journal: an update cut short */
    unsigned long recoveries;
    unsigned long passed;        /* the queue: items taken out */
    unsigned long long checksum; /* and the sum of their values */
    unsigned left;               /* items still in it */
};

/* A pthread_* call's result e (the calls return an error number and leave
 * errno alone): 0 goes on; anything else ends this process as die_child()
 * does (no stdio flush, _exit), with e's name and text.  For the calls a
 * worker makes; the parent's set-up uses die_errno(). */
static void pt_check(int e, const char *call)
{
    if (e != 0) {
        warn_errno(e, "%s", call);
        _exit(EXIT_FAIL);
    }
}

/* Map the region into sh, its mutex and condition variables ready for use
 * by every process forked after this, its queue size slots long.  Dies
 * on an error (we are the parent, before any fork). */
static void setup_shared(unsigned size)
{
    /* TODO 1: map sizeof *sh bytes, PROT_READ | PROT_WRITE, MAP_SHARED |
     * MAP_ANONYMOUS (MAP_PRIVATE would give each child a copy of its
     * own).  Initialise the mutex with an attribute object that is
     * PTHREAD_PROCESS_SHARED and PTHREAD_MUTEX_ROBUST, and the three
     * condition variables with one that is PTHREAD_PROCESS_SHARED and uses
     * CLOCK_MONOTONIC.  Destroy the attribute objects afterwards.  The
     * pthread_* calls return an error number instead of setting errno:
     * give it to die_errno(e, ...).  Set sh->size; every other field
     * starts at 0 (a new anonymous mapping is all zero). */
    void *p = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap %zu bytes", sizeof *sh);
    sh = p;
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    int e;
    if ((e = pthread_mutexattr_init(&ma)) != 0 ||
        (e = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED)) != 0 ||
        (e = pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST)) != 0 ||
        (e = pthread_mutex_init(&sh->lock, &ma)) != 0)
        die_errno(e, "the mutex's attributes or pthread_mutex_init");
    pthread_mutexattr_destroy(&ma);
    if ((e = pthread_condattr_init(&ca)) != 0 ||
        (e = pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED)) != 0 ||
        (e = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) != 0 ||
        (e = pthread_cond_init(&sh->not_full, &ca)) != 0 ||
        (e = pthread_cond_init(&sh->not_empty, &ca)) != 0 ||
        (e = pthread_cond_init(&sh->gate, &ca)) != 0)
        die_errno(e,
                  "the condition variables' attributes or pthread_cond_init");
    pthread_condattr_destroy(&ca);
    sh->size = size;
    //> (void)size;
    //> die_msg("setup_shared: not written yet (TODO 1)");
    /* END TODO 1 */
}

/* lock() or wait_on() got EOWNERDEAD: we own the lock and its last holder
 * died.  Undo what the journal says it left half done, count the
 * recovery, and make the mutex usable again.  An error ends the process. */
static void repair(void)
{
    /* TODO 3: if the journal says an update was under way (busy), roll it
     * back: counter and check both back to before, busy to 0, and print
     * "pmutex: recovered: a worker died holding the lock; its update was
     * rolled back (counter C)" (flushed).  Count the recovery.  Then
     * pthread_mutex_consistent(), through pt_check(): without it,
     * unlocking makes the mutex unusable for good. */
    if (sh->busy) {
        sh->counter = sh->before;
        sh->check = sh->before;
        sh->busy = 0;
        printf("%s: recovered: a worker died holding the lock; its update "
               "was rolled back (counter %lu)\n",
               err_prog(), sh->counter);
        fflush(stdout);
    }
    sh->recoveries++;
    pt_check(pthread_mutex_consistent(&sh->lock), "pthread_mutex_consistent");
    //> die_child("repair: not written yet (TODO 3)");
    /* END TODO 3 */
}

/* A deadline PM_WAIT_SECS from now on clock c. */
static struct timespec deadline_on(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    t.tv_sec += PM_WAIT_SECS;
    return t;
}

/* Lock, waiting at most PM_WAIT_SECS: returns holding the lock, repaired
 * if its last holder died.  A lock that stays taken, or an error, ends the
 * process (die_child, pt_check). */
static void lock(void)
{
    /* TODO 2: pthread_mutex_timedlock() with deadline_on(CLOCK_REALTIME)
     * (its clock).  0: done.  EOWNERDEAD: we hold the lock, repair().
     * ETIMEDOUT: die_child() that the lock stayed taken for PM_WAIT_SECS
     * (its holder died and the mutex is not robust?).  Anything else
     * (ENOTRECOVERABLE: someone unlocked without making it consistent):
     * pt_check(). */
    struct timespec until = deadline_on(CLOCK_REALTIME);
    int e = pthread_mutex_timedlock(&sh->lock, &until);
    if (e == EOWNERDEAD)
        repair();
    else if (e == ETIMEDOUT)
        die_child("the lock stayed taken for %d s: did its holder die, "
                  "with a mutex that is not robust?",
                  PM_WAIT_SECS);
    else
        pt_check(e, "pthread_mutex_timedlock");
    //> die_child("lock: not written yet (TODO 2)");
    /* END TODO 2 */
}

/* Unlock; an error ends the process. */
static void unlock(void)
{
    pt_check(pthread_mutex_unlock(&sh->lock), "pthread_mutex_unlock");
}

/* Wait on cond (lock held) until it is signalled or PM_WAIT_SECS pass;
 * what: what we wait for, for the message.  Every other call returns at
 * once, a spurious wake-up (pmutex.h): the caller must check again. */
static void wait_on(pthread_cond_t *cond, const char *what)
{
    static unsigned long calls;
    if (calls++ % 2 == 0)
        return;
    struct timespec until = deadline_on(CLOCK_MONOTONIC);
    int e = pthread_cond_timedwait(cond, &sh->lock, &until);
    if (e == EOWNERDEAD)
        repair();
    else if (e == ETIMEDOUT)
        die_child("waited %d s for %s in vain: a lost wake-up, or a dead "
                  "peer?",
                  PM_WAIT_SECS, what);
    else
        pt_check(e, "pthread_cond_timedwait");
}

/* Put value into the queue, waiting while it is full. */
static void put(unsigned long value)
{
    lock();
    /* TODO 4: while the queue is full (count == size), wait_on(not_full).
     * Then store value at tail, move tail on (modulo size), count one
     * more, and signal not_empty: one item, one taker. */
    while (sh->count == sh->size)
        wait_on(&sh->not_full, "room in the queue");
    sh->item[sh->tail] = value;
    sh->tail = (sh->tail + 1) % sh->size;
    sh->count++;
    pt_check(pthread_cond_signal(&sh->not_empty), "pthread_cond_signal");
    //> (void)value;
    //> (void)wait_on;
    //> die_child("put: not written yet (TODO 4)");
    /* END TODO 4 */
    unlock();
}

/* Take one item out of the queue, waiting while it is empty; add it to
 * the checksum. */
static void take(void)
{
    lock();
    /* TODO 5: the mirror image of put(): while empty, wait_on(not_empty);
     * take the item at head, move head on, count one less, add the value
     * to checksum and 1 to passed, signal not_full. */
    while (sh->count == 0)
        wait_on(&sh->not_empty, "an item in the queue");
    unsigned long value = sh->item[sh->head];
    sh->head = (sh->head + 1) % sh->size;
    sh->count--;
    sh->checksum += value;
    sh->passed++;
    pt_check(pthread_cond_signal(&sh->not_full), "pthread_cond_signal");
    //> die_child("take: not written yet (TODO 5)");
    /* END TODO 5 */
    unlock();
}

/* Wait, lock held, until all n workers have come to the gate. */
static void start_gate(long n)
{
    /* TODO 6: count this worker in (arrived).  The one that makes it n
     * wakes all the others, waiting at the gate: pthread_cond_broadcast
     * (pthread_cond_signal would wake just one of them).  The others
     * wait_on(gate) while fewer than n have arrived. */
    sh->arrived++;
    if (sh->arrived == (unsigned)n)
        pt_check(pthread_cond_broadcast(&sh->gate), "pthread_cond_broadcast");
    while (sh->arrived < (unsigned)n)
        wait_on(&sh->gate, "the other workers at the start gate");
    //> (void)n;
    //> die_child("start_gate: not written yet (TODO 6)");
    /* END TODO 6 */
}

/* Add 1 to the counter, in two halves with the journal around them.
 * slow: yield the CPU after reading the counter (pmutex.h).  die_here:
 * kill ourselves between the halves, holding the lock. */
static void count_one(bool slow, bool die_here)
{
    lock();
    unsigned long c = sh->counter;
    sh->busy = 1;
    sh->before = c;
    if (slow)
        sched_yield();
    sh->counter = c + 1;
    if (die_here)
        raise(SIGKILL);
    sh->check++;
    sh->busy = 0;
    unlock();
}

/* Worker w of n, in a run of R rounds; dies at round dies_at (R: never).
 * Every R / PM_YIELDS rounds it yields twice (pmutex.h). */
static noreturn void worker(long w, long n, long rounds, long dies_at)
{
    lock();
    start_gate(n);
    unlock();
    long every = rounds >= PM_YIELDS ? rounds / PM_YIELDS : 1;
    for (long r = 0; r < rounds; r++) {
        bool slow = (r + 1) % every == 0;
        count_one(slow, r == dies_at);
        put((unsigned long)(w * rounds + r + 1));
        if (slow)
            sched_yield(); /* our item is in the queue: others find it full */
        take();
    }
    _exit(EXIT_SUCCESS);
}

/* The sum of the values worker w puts in rounds from to R-1. */
static unsigned long long values(long w, long from, long rounds)
{
    unsigned long long s = 0;
    for (long r = from; r < rounds; r++)
        s += (unsigned long long)(w * rounds + r + 1);
    return s;
}

/* Read the command line into *run; a usage error (status 2, nothing on
 * stdout) for anything out of bounds, and for -k without a survivor. */
static void parse_args(int argc, char *argv[], struct run *run)
{
    *run = (struct run){.size = PM_QDEFAULT};
    int opt;
    while ((opt = getopt(argc, argv, "p:r:q:k:")) != -1) {
        switch (opt) {
        case 'p':
            run->procs = arg_long("-p", optarg, 1, PM_MAX_PROCS, USAGE);
            break;
        case 'r':
            run->rounds = arg_long("-r", optarg, 1, PM_MAX_ROUNDS, USAGE);
            break;
        case 'q':
            run->size = arg_long("-q", optarg, 1, PM_QMAX, USAGE);
            break;
        case 'k':
            run->victim = arg_long("-k", optarg, 1, PM_MAX_PROCS, USAGE);
            break;
        default:
            die_usage(USAGE);
        }
    }
    if (optind != argc || run->procs == 0 || run->rounds == 0)
        die_usage(USAGE);
    if (run->victim > run->procs || (run->victim != 0 && run->procs < 2)) {
        warn_msg("-k %ld: want a worker from 1 to N, and N at least 2 (one "
                 "must be left to recover)",
                 run->victim);
        die_usage(USAGE);
    }
    run->dies_at = run->victim != 0 ? run->rounds / 2 : run->rounds;
}

/* Fork the run's workers, their pids into pid[]; returns how many were
 * started (fewer than N when a fork failed: it says so). */
static long start_workers(const struct run *run, pid_t pid[])
{
    long started = 0;
    for (; started < run->procs; started++) {
        pid[started] = fork();
        if (pid[started] == -1) {
            warn_sys("fork (worker %ld)", started + 1);
            break;
        }
        if (pid[started] == 0)
            worker(started, run->procs, run->rounds,
                   started + 1 == run->victim ? run->dies_at : run->rounds);
    }
    return started;
}

/* Reap the n workers started; only worker `victim` may die, and by
 * SIGKILL.  Returns whether every one of them finished as it should. */
static bool reap_workers(const struct run *run, const pid_t pid[], long n)
{
    bool ok = true;
    for (long i = 0; i < n; i++) {
        int st;
        while (waitpid(pid[i], &st, 0) == -1)
            if (errno != EINTR)
                die("waitpid worker %ld", i + 1);
        if (i + 1 == run->victim && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
            continue;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            warn_msg("worker %ld (pid %ld) failed", i + 1, (long)pid[i]);
            ok = false;
        }
    }
    return ok;
}

/*
 * The workers are gone, but the lock may not be free: a worker killed
 * holding it, after every other had finished, leaves the repair to us.
 * So we read the totals under the lock, in two critical sections like any
 * other process: the second also shows that the mutex still works after a
 * repair (without pthread_mutex_consistent it would not).
 */
static void read_totals(struct totals *t)
{
    lock();
    t->counter = sh->counter;
    t->check = sh->check;
    t->busy = sh->busy;
    t->recoveries = sh->recoveries;
    unlock();
    lock();
    t->passed = sh->passed;
    t->checksum = sh->checksum;
    t->left = sh->count;
    unlock();
}

/* Print the totals against what the run should give, and say on stderr
 * what is wrong, if anything.  Returns whether every total is right. */
static bool check_totals(const struct run *run, const struct totals *t)
{
    long all = run->procs * run->rounds;
    unsigned long want = (unsigned long)all;
    unsigned long long sum = values(0, 0, all); /* 1 + ... + N * R */
    if (run->victim != 0) {
        want -= (unsigned long)(run->rounds - run->dies_at);
        sum -= values(run->victim - 1, run->dies_at, run->rounds);
    }
    printf("%s: counter %lu (expected %lu)\n", err_prog(), t->counter, want);
    printf("%s: queue passed %lu item%s, checksum %llu (expected %llu)\n",
           err_prog(), t->passed, t->passed == 1 ? "" : "s", t->checksum, sum);
    bool right = true;
    if (t->counter != t->check || t->busy) {
        warn_msg("the counter's two halves differ (%lu and %lu): an update "
                 "was cut short and never repaired",
                 t->counter, t->check);
        right = false;
    }
    if (t->counter != want) {
        warn_msg("counter %lu, expected %lu: updates were lost", t->counter,
                 want);
        right = false;
    }
    if (t->passed != want || t->checksum != sum || t->left != 0) {
        warn_msg("the queue lost, doubled or kept items (%lu passed, %u "
                 "left, checksum %llu, expected %lu and %llu)",
                 t->passed, t->left, t->checksum, want, sum);
        right = false;
    }
    if (t->recoveries != (run->victim != 0 ? 1u : 0u)) {
        warn_msg("%lu recoveries from a dead holder; expected %d",
                 t->recoveries, run->victim != 0);
        right = false;
    }
    return right;
}

/* Undo setup_shared(), once no other process uses the region. */
static void destroy_shared(void)
{
    pthread_cond_destroy(&sh->not_full);
    pthread_cond_destroy(&sh->not_empty);
    pthread_cond_destroy(&sh->gate);
    pthread_mutex_destroy(&sh->lock);
    if (munmap(sh, sizeof *sh) == -1)
        die("munmap");
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    struct run run;
    parse_args(argc, argv, &run);

    setup_shared((unsigned)run.size);
    printf("%s: %ld process%s x %ld round%s, queue of %ld\n", err_prog(),
           run.procs, run.procs == 1 ? "" : "es", run.rounds,
           run.rounds == 1 ? "" : "s", run.size);
    if (fflush(stdout) == EOF) /* or the children print it again */
        die("write stdout");

    pid_t pid[PM_MAX_PROCS];
    long started = start_workers(&run, pid);
    bool finished = reap_workers(&run, pid, started);
    if (!finished || started < run.procs)
        die_msg("not every worker finished: no totals");

    struct totals t;
    read_totals(&t);
    bool right = check_totals(&run, &t);
    if (fflush(stdout) == EOF)
        die("write stdout");
    destroy_shared();
    return right ? EXIT_SUCCESS : EXIT_FAIL;
}
