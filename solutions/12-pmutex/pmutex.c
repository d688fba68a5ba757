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

#include "err.h"
#include "pmutex.h"

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

/* A number from lo to hi for option opt, or a usage error. */
static long parse_num(int opt, const char *arg, long lo, long hi)
{
    char *end;
    errno = 0;
    long n = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || n < lo || n > hi) {
        warn_msg("bad -%c '%s': want a number from %ld to %ld", opt, arg, lo,
                 hi);
        die_usage(USAGE);
    }
    return n;
}

/* The region, with its mutex and condition variables ready for use by
 * every process forked after this. */
static void setup_shared(unsigned size)
{
    /* TODO 1: map sizeof *sh bytes, PROT_READ | PROT_WRITE, MAP_SHARED |
     * MAP_ANONYMOUS (MAP_PRIVATE would give each child a copy of its
     * own).  Initialise the mutex with an attribute object that is
     * PTHREAD_PROCESS_SHARED and PTHREAD_MUTEX_ROBUST, and the three
     * condition variables with one that is PTHREAD_PROCESS_SHARED and uses
     * CLOCK_MONOTONIC.  Destroy the attribute objects afterwards.  The
     * pthread_* calls return an error number instead of setting errno:
     * put it in errno before die().  Set sh->size; every other field
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
        (e = pthread_mutex_init(&sh->lock, &ma)) != 0) {
        errno = e;
        die("the mutex's attributes or pthread_mutex_init");
    }
    pthread_mutexattr_destroy(&ma);
    if ((e = pthread_condattr_init(&ca)) != 0 ||
        (e = pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED)) != 0 ||
        (e = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) != 0 ||
        (e = pthread_cond_init(&sh->not_full, &ca)) != 0 ||
        (e = pthread_cond_init(&sh->not_empty, &ca)) != 0 ||
        (e = pthread_cond_init(&sh->gate, &ca)) != 0) {
        errno = e;
        die("the condition variables' attributes or pthread_cond_init");
    }
    pthread_condattr_destroy(&ca);
    sh->size = size;
    //> (void)size;
    //> die_msg("setup_shared: not written yet (TODO 1)");
    /* END TODO 1 */
}

/* We own the lock and its last holder died: repair what it left. */
static void repair(void)
{
    /* TODO 3: if the journal says an update was under way (busy), roll it
     * back: counter and check both back to before, busy to 0, and print
     * "pmutex: recovered: a worker died holding the lock; its update was
     * rolled back (counter C)" (flushed).  Count the recovery.  Then
     * pthread_mutex_consistent(): without it, unlocking makes the mutex
     * unusable for good. */
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
    int e = pthread_mutex_consistent(&sh->lock);
    if (e != 0) {
        errno = e;
        die_child("pthread_mutex_consistent");
    }
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

/* Lock, waiting at most PM_WAIT_SECS; repair after a dead holder. */
static void lock(void)
{
    /* TODO 2: pthread_mutex_timedlock() with deadline_on(CLOCK_REALTIME)
     * (its clock).  0: done.  EOWNERDEAD: we hold the lock, repair().
     * ETIMEDOUT: die_child() that the lock stayed taken for PM_WAIT_SECS
     * (its holder died and the mutex is not robust?).  Anything else
     * (ENOTRECOVERABLE: someone unlocked without making it consistent):
     * die_child(). */
    struct timespec until = deadline_on(CLOCK_REALTIME);
    int e = pthread_mutex_timedlock(&sh->lock, &until);
    if (e == EOWNERDEAD)
        repair();
    else if (e == ETIMEDOUT)
        die_child("the lock stayed taken for %d s: did its holder die, "
                  "with a mutex that is not robust?",
                  PM_WAIT_SECS);
    else if (e != 0) {
        errno = e;
        die_child("pthread_mutex_timedlock");
    }
    //> die_child("lock: not written yet (TODO 2)");
    /* END TODO 2 */
}

/* A pthread_* call's result: the functions return an error number and
 * leave errno alone, so put it there for the message. */
static void pt_check(int e, const char *call)
{
    if (e != 0) {
        errno = e;
        die_child("%s", call);
    }
}

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
    else if (e != 0) {
        errno = e;
        die_child("pthread_cond_timedwait");
    }
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
        pt_check(pthread_cond_broadcast(&sh->gate),
                 "pthread_cond_broadcast");
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

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    long procs = 0, rounds = 0, size = PM_QDEFAULT, victim = 0;
    int opt;
    while ((opt = getopt(argc, argv, "p:r:q:k:")) != -1) {
        switch (opt) {
        case 'p': procs = parse_num(opt, optarg, 1, PM_MAX_PROCS); break;
        case 'r': rounds = parse_num(opt, optarg, 1, PM_MAX_ROUNDS); break;
        case 'q': size = parse_num(opt, optarg, 1, PM_QMAX); break;
        case 'k': victim = parse_num(opt, optarg, 1, PM_MAX_PROCS); break;
        default: die_usage(USAGE);
        }
    }
    if (optind != argc || procs == 0 || rounds == 0)
        die_usage(USAGE);
    if (victim > procs || (victim != 0 && procs < 2)) {
        warn_msg("-k %ld: want a worker from 1 to N, and N at least 2 (one "
                 "must be left to recover)", victim);
        die_usage(USAGE);
    }

    setup_shared((unsigned)size);
    printf("%s: %ld process%s x %ld round%s, queue of %ld\n", err_prog(),
           procs, procs == 1 ? "" : "es", rounds, rounds == 1 ? "" : "s",
           size);
    if (fflush(stdout) == EOF) /* or the children print it again */
        die("write stdout");

    long dies_at = victim != 0 ? rounds / 2 : rounds;
    pid_t pid[PM_MAX_PROCS];
    long started = 0;
    for (; started < procs; started++) {
        pid[started] = fork();
        if (pid[started] == -1) {
            warn_sys("fork (worker %ld)", started + 1);
            break;
        }
        if (pid[started] == 0)
            worker(started, procs, rounds,
                   started + 1 == victim ? dies_at : rounds);
    }

    /* Reap every worker; only worker `victim` may die, and by SIGKILL. */
    bool failed = started < procs;
    for (long i = 0; i < started; i++) {
        int st;
        while (waitpid(pid[i], &st, 0) == -1)
            if (errno != EINTR)
                die("waitpid worker %ld", i + 1);
        if (i + 1 == victim && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
            continue;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            warn_msg("worker %ld (pid %ld) failed", i + 1, (long)pid[i]);
            failed = true;
        }
    }
    if (failed)
        die_msg("not every worker finished: no totals");

    /* The workers are gone, but the lock may not be free: a worker killed
     * holding it, after every other had finished, leaves the repair to
     * us.  So we read the totals under the lock, in two critical sections
     * like any other process: the second also shows that the mutex still
     * works after a repair (without pthread_mutex_consistent it would
     * not). */
    lock();
    unsigned long counter = sh->counter, check = sh->check;
    int busy = sh->busy;
    unsigned long recoveries = sh->recoveries;
    unlock();
    lock();
    unsigned long passed = sh->passed;
    unsigned long long checksum = sh->checksum;
    unsigned left = sh->count;
    unlock();

    unsigned long want = (unsigned long)(procs * rounds);
    unsigned long long sum = values(0, 0, procs * rounds); /* 1 + ... */
    if (victim != 0) {
        want -= (unsigned long)(rounds - dies_at);
        sum -= values(victim - 1, dies_at, rounds);
    }
    printf("%s: counter %lu (expected %lu)\n", err_prog(), counter, want);
    printf("%s: queue passed %lu item%s, checksum %llu (expected %llu)\n",
           err_prog(), passed, passed == 1 ? "" : "s", checksum, sum);
    bool right = true;
    if (counter != check || busy) {
        warn_msg("the counter's two halves differ (%lu and %lu): an update "
                 "was cut short and never repaired",
                 counter, check);
        right = false;
    }
    if (counter != want) {
        warn_msg("counter %lu, expected %lu: updates were lost", counter,
                 want);
        right = false;
    }
    if (passed != want || checksum != sum || left != 0) {
        warn_msg("the queue lost, doubled or kept items (%lu passed, %u "
                 "left, checksum %llu, expected %lu and %llu)",
                 passed, left, checksum, want, sum);
        right = false;
    }
    if (recoveries != (victim != 0 ? 1u : 0u)) {
        warn_msg("%lu recoveries from a dead holder; expected %d",
                 recoveries, victim != 0);
        right = false;
    }
    if (fflush(stdout) == EOF)
        die("write stdout");
    pthread_cond_destroy(&sh->not_full);
    pthread_cond_destroy(&sh->not_empty);
    pthread_cond_destroy(&sh->gate);
    pthread_mutex_destroy(&sh->lock);
    if (munmap(sh, sizeof *sh) == -1)
        die("munmap");
    return right ? EXIT_SUCCESS : EXIT_FAIL;
}
