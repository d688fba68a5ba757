/*
 * 12-pmutex.c - tests for lab 12 (pmutex.h, pmutex.c): worker processes
 * share a counter and a bounded queue through a process-shared, robust
 * pthread mutex and condition variables.  See handouts/12-pmutex.md for
 * the specification.
 *
 * pmutex checks its own totals, but the tests do not trust that: they
 * compute the expected counter and checksum themselves and compare the
 * printed lines.  Races are not left to chance: pmutex's given code
 * yields the CPU in the middle of a counter update and with the queue
 * full, a few times per worker, and fakes a spurious wake-up on every
 * other wait, so that a missing lock or an `if` where a `while` belongs
 * shows up in every run, even on one busy CPU (checked with taskset -c 0
 * and 15 gradings at a time).  The robust-mutex tests let pmutex kill one
 * of its own workers (-k) at a known round.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ----------------------------------------------------------- */

/* What pmutex -p n -r r -q q [-k k] prints when all went right. */
static const char *totals(long n, long r, long q, long k)
{
    static char buf[512];
    unsigned long long items = (unsigned long long)(n * r);
    unsigned long long sum = items * (items + 1) / 2;
    if (k != 0) {
        long dies_at = r / 2;
        for (long i = dies_at; i < r; i++)
            sum -= (unsigned long long)((k - 1) * r + i + 1);
        items -= (unsigned long long)(r - dies_at);
    }
    snprintf(buf, sizeof buf,
             "pmutex: %ld process%s x %ld round%s, queue of %ld\n"
             "pmutex: counter %llu (expected %llu)\n"
             "pmutex: queue passed %llu item%s, checksum %llu (expected "
             "%llu)\n",
             n, n == 1 ? "" : "es", r, r == 1 ? "" : "s", q, items, items,
             items, items == 1 ? "" : "s", sum, sum);
    return buf;
}

/* stdout without the "recovered:" lines. */
static char *without_recovered(const char *out)
{
    char *copy = malloc(strlen(out) + 1), *w = copy;
    if (copy == NULL)
        h_fail("harness: out of memory");
    for (const char *l = out; *l != '\0';) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) + 1 : strlen(l);
        if (strncmp(l, "pmutex: recovered:", 18) != 0) {
            memcpy(w, l, len);
            w += len;
        }
        l += len;
    }
    *w = '\0';
    return copy;
}

static int recovered_lines(const char *out)
{
    int n = 0;
    for (const char *l = out; (l = strstr(l, "pmutex: recovered:")) != NULL;
         l++)
        n++;
    return n;
}

/* Run pmutex and expect every total right. */
static void expect_run(long n, long r, long q, long k)
{
    char sn[16], sr[16], sq[16], sk[16];
    snprintf(sn, sizeof sn, "%ld", n);
    snprintf(sr, sizeof sr, "%ld", r);
    snprintf(sq, sizeof sq, "%ld", q);
    snprintf(sk, sizeof sk, "%ld", k);
    struct h_opts o = {.timeout = 2 * H_TIMEOUT};
    struct h_proc *p =
        k != 0
            ? h_run(&o, "pmutex", "-p", sn, "-r", sr, "-q", sq, "-k", sk, NULL)
            : h_run(&o, "pmutex", "-p", sn, "-r", sr, "-q", sq, NULL);
    h_expect_reaped(p);
    h_expect_exit(p, 0);
    int rec = recovered_lines(p->out);
    if (rec != (k != 0))
        h_fail("pmutex printed %d \"pmutex: recovered: ...\" line%s; "
               "expected %d\n  stdout: %s\n  command: %s",
               rec, rec == 1 ? "" : "s", k != 0, h_quote(p->out, p->out_len),
               p->cmd);
    char *rest = without_recovered(p->out);
    const char *want = totals(n, r, q, k);
    if (strcmp(rest, want) != 0)
        h_fail("the totals are wrong\n  expected: %s\n  got:      %s\n"
               "  stderr: %s\n  command: %s",
               h_quote(want, strlen(want)), h_quote(rest, strlen(rest)),
               h_quote(p->err, p->err_len), p->cmd);
    free(rest);
    h_expect_stderr_empty(p);
}

/* ---- tests ------------------------------------------------------------- */

/* Bug caught: no lock around the counter (lost updates), or the region
 * mapped MAP_PRIVATE (each worker counts in its own copy). */
START_TEST(counter_exact)
{
    expect_run(4, 50000, 8, 0);
}
END_TEST

/* Bug caught: the last worker at the start gate signals instead of
 * broadcasting (one waiter wakes, the other 14 wait in vain), or the
 * condition variables lack the PTHREAD_PROCESS_SHARED attribute (a
 * wake-up never crosses processes: the gate stays shut).  (A robust
 * mutex without it happens to work on glibc, which makes every robust
 * mutex shared: a bug no test here can see.) */
START_TEST(many_processes)
{
    expect_run(16, 3000, 2, 0);
}
END_TEST

/* Bug caught: `if` instead of `while` around a condition wait, or a full
 * test off by one: with one slot and eight processes, a producer gets
 * past a full queue and an item is overwritten.  Or take() does not
 * signal not_full: a producer waits for room in vain. */
START_TEST(one_slot)
{
    expect_run(8, 5000, 1, 0);
}
END_TEST

/* Bug caught: the ring does not wrap (tail or head not taken modulo
 * size), so items land outside the queue; or take() reads the wrong
 * slot. */
START_TEST(wraparound)
{
    expect_run(1, 100, 3, 0);
    expect_run(3, 4000, 5, 0);
}
END_TEST

/* Bug caught: the mutex is not robust (the others wait for a dead
 * holder), or EOWNERDEAD is not handled. */
START_TEST(robust_recovery)
{
    expect_run(4, 20000, 8, 2);
}
END_TEST

/* Bug caught: the repair skips pthread_mutex_consistent (the mutex
 * becomes ENOTRECOVERABLE at the repairer's unlock, and the next lock
 * fails: a worker's, or the parent's second one when the parent did the
 * repair), or does not roll the journal back (the counter's halves
 * differ). */
START_TEST(robust_consistent)
{
    expect_run(3, 10000, 2, 3);
    expect_run(2, 1, 8, 1);
}
END_TEST

/* Bug caught: the parent reports before every worker is reaped, or
 * ignores a worker that failed. */
START_TEST(one_process)
{
    expect_run(1, 1, 8, 0);
    expect_run(1, 1000, 1, 0);
}
END_TEST

/* Bug caught: the command line is not checked: -k without a survivor,
 * a queue larger than the array, a missing -p. */
START_TEST(usage)
{
    static const char *const cases[][7] = {
        {"-p", "2", NULL},
        {"-r", "5", NULL},
        {"-p", "0", "-r", "5", NULL},
        {"-p", "65", "-r", "5", NULL},
        {"-p", "2", "-r", "5", "-q", "0", NULL},
        {"-p", "2", "-r", "5", "-q", "1025", NULL},
        {"-p", "2", "-r", "5", "-k", "3", NULL},
        {"-p", "1", "-r", "5", "-k", "1", NULL},
        {"-p", "2x", "-r", "5", NULL},
        {"-p", "2", "-r", "5", "extra", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct h_proc *p = h_runv(NULL, "pmutex", cases[i]);
        h_expect_exit(p, 2);
        h_expect_stderr_has(p, "usage:", NULL);
        h_expect_stdout_empty(p);
    }
}
END_TEST

static const struct h_test tests[] = {
    {&counter_exact, 3, "4 processes x 50000 rounds: counter exact",
     "no lock around the counter, or a private mapping"},
    {&many_processes, 3, "16 processes, 2 slots: every total right, no stall",
     "signal instead of broadcast at the start gate, or condition variables "
     "without PTHREAD_PROCESS_SHARED"},
    {&one_slot, 3, "8 processes through a queue of one slot",
     "`if` instead of `while` around a condition wait, or a missing signal"},
    {&wraparound, 2, "queues of 3 and 5 slots wrap many times",
     "the ring's indexes do not wrap"},
    {&robust_recovery, 3, "a worker killed holding the lock: run completes",
     "the mutex is not robust, or EOWNERDEAD is not handled"},
    {&robust_consistent, 3, "recovery repairs and makes the mutex consistent",
     "no pthread_mutex_consistent, or no roll-back"},
    {&one_process, 1, "one process: totals right, worker reaped",
     "the parent reads the totals before reaping"},
    {&usage, 1, "bad arguments: usage line, status 2", "no argument check"},
};

H_LAB("12-pmutex", "pmutex.h pmutex.c", "pmutex", tests)
