/*
 * 17-locks.c - tests for lab 17 (ledger.h, ledger.c, xfer.c, holdrec.c):
 * record locking.  See handouts/17-locks.md for the specification.
 *
 * The ledger's layout (from the handout; ledger.h is given) fixes the
 * bytes each account's lock must cover: account i is bytes 32 + 32 i to
 * 63 + 32 i.  The tests read the kernel's table of locks, /proc/locks,
 * for what a program holds, and /proc/PID/syscall for what it waits on.
 *
 * To catch a process between two locks, the tests use xfer -S: it stops
 * itself (SIGSTOP) right after its first lock; the test waits until /proc
 * says 'T', arranges the other processes, and lets it go on (SIGCONT).
 * That is how the deadlock is made to happen every time: A holds account
 * 0 and is stopped, B holds 1 and waits for 0, then A asks for 1.
 */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The layout of ledger.h, as the handout specifies it. */
#define HEAD_SIZE 32
#define ACCT_SIZE 32
#define FIRST_BYTE(i) (HEAD_SIZE + ACCT_SIZE * (i))
#define LAST_BYTE(i) (FIRST_BYTE(i) + ACCT_SIZE - 1)

#define LEDGER "bank"

/* What h_expect_idle tells a program that spins while it waits. */
static const char idle_hint[] =
    "Wait in the kernel with F_SETLKW; do not loop on F_SETLK.";

/* ---- helpers ----------------------------------------------------------- */

/* ledger init LEDGER n balance, which must work. */
static void make_ledger(const char *n, const char *balance)
{
    h_setup_begin();
    struct h_proc *p = h_run(NULL, "ledger", "init", LEDGER, n, balance, NULL);
    h_expect_exit(p, 0);
    h_setup_end();
}

/* ledger check LEDGER must say ok: n accounts, the total want. */
static void expect_ok(long n, long want)
{
    struct h_proc *p = h_run(NULL, "ledger", "check", LEDGER, NULL);
    char line[160];
    snprintf(line, sizeof line,
             "ledger: %s: %ld accounts, total %ld (created with %ld): ok\n",
             LEDGER, n, want, want);
    if (strcmp(p->out, line) != 0 || !WIFEXITED(p->status) ||
        WEXITSTATUS(p->status) != 0)
        h_fail("after the transfers the total must still be %ld: %s said "
               "%s (exit status %d).\n  Two transfers changed one account "
               "at the same time and one update was lost: is every record "
               "written under its lock, and every lock held until both "
               "records are written?",
               want, p->cmd, h_quote(p->out, p->out_len),
               WIFEXITED(p->status) ? WEXITSTATUS(p->status) : -1);
}

/* ledger show LEDGER: its stdout (the harness frees nothing: a test is a
 * process of its own). */
static const char *show(void)
{
    struct h_proc *p = h_run(NULL, "ledger", "show", LEDGER, NULL);
    h_expect_exit(p, 0);
    return p->out;
}

/* The line of `ledger show` for account i must be want. */
static void expect_account(const char *shown, long i, long balance,
                           long updates)
{
    char want[96];
    snprintf(want, sizeof want, "account %ld: balance %ld (updates %ld)", i,
             balance, updates);
    if (h_count_lines(shown, want) != 1)
        h_fail("ledger show should print \"%s\"; it printed %s", want,
               h_quote(shown, strlen(shown)));
}

/* Wait until p is stopped ('T'): xfer -S after its first lock. */
static void await_stopped(struct h_proc *p, const char *why)
{
    if (!h_await_stopped(p->pid, 0)) {
        if (!p->done)
            h_kill(p, SIGKILL);
        h_wait(p, 0);
        h_fail("%s never stopped after its first lock (-S): %s.\n  stdout: "
               "%s\n  stderr: %s",
               p->cmd, why, h_quote(p->out, p->out_len),
               h_quote(p->err, p->err_len));
    }
}

/* p must come to sleep in fcntl (F_SETLKW waiting for a lock). */
static void await_lock_wait(struct h_proc *p, const char *why)
{
    if (!h_await_in_call(p->pid, SYS_fcntl, H_TIMEOUT))
        h_fail("%s should be waiting in fcntl(F_SETLKW) now (state '%c'): "
               "%s",
               p->cmd, h_proc_state(p->pid), why);
}

/*
 * Is there a line in /proc/locks of this kind (POSIX, OFDLCK, FLOCK),
 * type (WRITE, READ), owner pid (-1 for OFD locks) and byte range?
 * The lines of waiters ("->") do not count.  *all gets the whole table.
 */
static bool has_lock(const char *kind, const char *type, long pid, long first,
                     long last, const char **all)
{
    char *text = h_read_file("/proc/locks", NULL);
    if (text == NULL)
        h_fail("harness: cannot read /proc/locks");
    *all = strdup(text); /* the lines below are cut up */
    if (*all == NULL)
        h_fail("harness: out of memory");
    char want_last[32];
    snprintf(want_last, sizeof want_last, "%ld", last);
    for (char *line = text; line != NULL && *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0'; /* one line at a time */
        char k[16], a[16], t[16], dev[64], end[32];
        long p, start;
        if (strstr(line, "->") == NULL &&
            sscanf(line, "%*d: %15s %15s %15s %ld %63s %ld %31s", k, a, t, &p,
                   dev, &start, end) == 7 &&
            strcmp(k, kind) == 0 && strcmp(t, type) == 0 && p == pid &&
            start == first && strcmp(end, want_last) == 0)
            return true;
        line = nl != NULL ? nl + 1 : NULL;
    }
    return false;
}

/* Start n workers: xfer with args, then -s i, LEDGER and count. */
static void run_workers(int n, const char *const *args, const char *count)
{
    struct h_proc *w[16];
    for (int i = 0; i < n; i++) {
        const char *argv[16];
        int k = 0;
        for (; args[k] != NULL; k++)
            argv[k] = args[k];
        char seed[16];
        snprintf(seed, sizeof seed, "%d", 17 + i);
        argv[k++] = "-s";
        argv[k++] = seed;
        argv[k++] = LEDGER;
        argv[k++] = count;
        argv[k] = NULL;
        w[i] = h_startv(NULL, "xfer", argv);
    }
    char want[64];
    snprintf(want, sizeof want, "xfer: %s transfers, ", count);
    for (int i = 0; i < n; i++) {
        h_wait(w[i], 4 * H_TIMEOUT);
        h_expect_exit(w[i], 0);
        if (strncmp(w[i]->out, want, strlen(want)) != 0)
            h_fail("%s should print \"%s... EDEADLK back-offs\"; it printed "
                   "%s",
                   w[i]->cmd, want, h_quote(w[i]->out, w[i]->out_len));
    }
}

/* The sum of the updates counts `ledger show` prints. */
static long sum_updates(const char *shown)
{
    long sum = 0;
    for (const char *s = shown; (s = strstr(s, "(updates ")) != NULL; s++)
        sum += strtol(s + 9, NULL, 10);
    return sum;
}

/* ---- tests ------------------------------------------------------------- */

/* Bug caught: init opens without O_EXCL (or O_TRUNC): a second init wipes
 * out a ledger in use. */
START_TEST(init_and_check)
{
    struct h_proc *p = h_run(NULL, "ledger", "init", LEDGER, "4", "250", NULL);
    h_expect_exit(p, 0);
    h_expect_stdout(p, "ledger: created bank: 4 accounts of 250, total "
                       "1000\n");
    p = h_run(NULL, "xfer", "-t", "0,1", LEDGER, "7", NULL);
    h_expect_exit(p, 0);
    p = h_run(NULL, "ledger", "init", LEDGER, "2", "5", NULL);
    h_expect_failure(p);
    h_expect_stderr_has(p, "bank", "EEXIST", NULL);
    p = h_run(NULL, "ledger", "check", LEDGER, NULL);
    h_expect_exit(p, 0);
    h_expect_stdout(p, "ledger: bank: 4 accounts, total 1000 (created with "
                       "1000): ok\n");
    const char *shown = show();
    expect_account(shown, 0, 243, 7);
    expect_account(shown, 1, 257, 7);
    expect_account(shown, 3, 250, 0);
}
END_TEST

/* Bug caught: a transfer that takes more than the payer has, or does not
 * count its updates. */
START_TEST(fixed_transfers)
{
    make_ledger("4", "100");
    struct h_proc *p = h_run(NULL, "xfer", "-t", "2,3", LEDGER, "150", NULL);
    h_expect_exit(p, 0);
    h_expect_stdout(p, "xfer: 150 transfers, 0 EDEADLK back-offs\n");
    p = h_run(NULL, "xfer", "-t", "1,0", LEDGER, "30", NULL);
    h_expect_exit(p, 0);
    const char *shown = show();
    expect_account(shown, 0, 130, 30);
    expect_account(shown, 1, 70, 30);
    expect_account(shown, 2, 0, 150);
    expect_account(shown, 3, 200, 150);
    expect_ok(4, 400);
}
END_TEST

/* Bug caught: no locks, one lock, or locks released before the records
 * are written back: updates are lost when workers collide. */
START_TEST(many_workers)
{
    make_ledger("16", "1000");
    static const char *const args[] = {"-d", "200", NULL};
    run_workers(8, args, "150");
    expect_ok(16, 16000);
    long n = sum_updates(show());
    if (n != 2 * 8 * 150)
        h_fail("8 workers made 150 transfers each: the accounts should "
               "count %d updates in all, they count %ld (lost updates)",
               2 * 8 * 150, n);
}
END_TEST

/* Bug caught: -m file takes no flock, or releases it too early. */
START_TEST(file_lock_workers)
{
    make_ledger("16", "1000");
    static const char *const args[] = {"-m", "file", "-d", "100", NULL};
    run_workers(6, args, "100");
    expect_ok(16, 16000);
    if (sum_updates(show()) != 2 * 6 * 100)
        h_fail("6 workers with -m file made 100 transfers each: updates "
               "were lost (the flock is not held around the whole "
               "read-change-write)");
}
END_TEST

/* p printed "xfer: 1 transfers, N EDEADLK back-offs" with N >= least. */
static void expect_backoffs(const struct h_proc *p, long least, const char *why)
{
    long n = -1, k = -1;
    char nl = 0;
    if (sscanf(p->out, "xfer: %ld transfers, %ld EDEADLK back-offs%c", &n, &k,
               &nl) != 3 ||
        nl != '\n' || n != 1)
        h_fail("%s printed \"%s\"; expected \"xfer: 1 transfers, N EDEADLK "
               "back-offs\" and a newline",
               p->cmd, p->out);
    if (k < least)
        h_fail("%s counted %ld EDEADLK back-offs, at least %ld expected: %s",
               p->cmd, k, least, why);
}

/* Bug caught: EDEADLK is not handled (the worker dies), or is retried
 * while still holding the first lock (livelock). */
START_TEST(unordered_workers)
{
    make_ledger("6", "1000");
    static const char *const args[] = {"-m", "unordered", "-d", "300", NULL};
    run_workers(6, args, "80");
    expect_ok(6, 6000);
}
END_TEST

/* Bug caught: EDEADLK from the second lock is fatal, or the first lock is
 * kept while backing off (the same cycle forms again at once). */
START_TEST(deadlock_detected)
{
    make_ledger("4", "100");
    struct h_proc *a = h_start(NULL, "xfer", "-m", "unordered", "-S", "-t",
                               "0,1", LEDGER, "1", NULL);
    await_stopped(a, "it should hold account 0 (lock the payer first)");
    struct h_proc *b = h_start(NULL, "xfer", "-m", "unordered", "-S", "-t",
                               "1,0", LEDGER, "1", NULL);
    await_stopped(b, "it should hold account 1 (lock the payer first)");
    h_kill(b, SIGCONT); /* b asks for account 0, which a holds */
    await_lock_wait(b, "it holds account 1 and asks for account 0");
    h_kill(a, SIGCONT); /* a asks for account 1: a cycle */
    h_wait(a, 2 * H_TIMEOUT);
    h_wait(b, 2 * H_TIMEOUT);
    if (a->timed_out || b->timed_out)
        h_fail("two xfers locking in opposite orders hung: the one that gets "
               "EDEADLK must unlock the account it holds, back off and try "
               "again");
    h_expect_exit(a, 0);
    h_expect_exit(b, 0);
    h_expect_stderr_has(a, "EDEADLK", "back", NULL);
    /* a closes the cycle, so its first try is refused.  b is woken when a
     * unlocks, but a busy machine may run a's short back-off and its next
     * lock of account 0 before b gets the CPU: then b meets the cycle too.
     * Both outcomes are correct; only a's first back-off is certain. */
    expect_backoffs(a, 1,
                    "it asked for account 1 while b held it and "
                    "waited for account 0: the kernel must refuse it");
    expect_backoffs(b, 0, NULL);
    const char *shown = show();
    expect_account(shown, 0, 100, 2);
    expect_account(shown, 1, 100, 2);
}
END_TEST

/* Bug caught: mode record locks the payer first instead of the lower
 * account: the same two transfers deadlock. */
START_TEST(ordered_no_deadlock)
{
    make_ledger("4", "100");
    struct h_proc *a =
        h_start(NULL, "xfer", "-S", "-t", "0,1", LEDGER, "1", NULL);
    await_stopped(a, "it should hold account 0, the lower one");
    struct h_proc *b = h_start(NULL, "xfer", "-t", "1,0", LEDGER, "1", NULL);
    await_lock_wait(b, "account 0, the lower one, is held by a stopped xfer");
    h_kill(a, SIGCONT);
    h_wait(a, 0);
    h_wait(b, 0);
    h_expect_exit(a, 0);
    h_expect_exit(b, 0);
    h_expect_stdout(a, "xfer: 1 transfers, 0 EDEADLK back-offs\n");
    h_expect_stdout(b, "xfer: 1 transfers, 0 EDEADLK back-offs\n");
    expect_ok(4, 400);
}
END_TEST

/* Bug caught: F_SETLK polled in a loop (spins), or a lock on more or
 * other bytes than the record. */
START_TEST(killed_holder)
{
    make_ledger("4", "100");
    struct h_proc *h =
        h_start_ready(NULL, "holdrec: holding", "holdrec", LEDGER, "2", NULL);
    double t0 = h_now();
    struct h_proc *x = h_start(NULL, "xfer", "-t", "2,3", LEDGER, "1", NULL);
    await_lock_wait(x, "holdrec holds account 2");
    struct h_proc *other = h_run(NULL, "xfer", "-t", "0,1", LEDGER, "1", NULL);
    h_expect_exit(other, 0); /* accounts 0 and 1 are free */
    h_await_stdout(x, "never", 0.3);
    h_expect_idle(x, t0, "for account 2's lock", idle_hint);
    h_kill(h, SIGKILL); /* the kernel releases a dead process's locks */
    h_wait(h, 0);
    h_wait(x, 0);
    if (x->timed_out)
        h_fail("holdrec was killed, but %s still waited for its lock", x->cmd);
    h_expect_exit(x, 0);
    const char *shown = show();
    expect_account(shown, 2, 99, 1);
    expect_account(shown, 3, 101, 1);
}
END_TEST

/* Bug caught: l_len 0 (a lock to the end of the file) or a wrong offset:
 * the lock covers other accounts' records. */
START_TEST(proc_locks)
{
    make_ledger("8", "100");
    struct h_proc *a =
        h_start(NULL, "xfer", "-S", "-t", "3,4", LEDGER, "1", NULL);
    await_stopped(a, "it should hold account 3");
    const char *all;
    if (!has_lock("POSIX", "WRITE", a->pid, FIRST_BYTE(3), LAST_BYTE(3), &all))
        h_fail("while xfer -S -t 3,4 is stopped after its first lock, "
               "/proc/locks should show \"POSIX ADVISORY WRITE %ld <dev:inode> "
               "%d %d\" (account 3's record, no more); it shows:\n%s",
               (long)a->pid, FIRST_BYTE(3), LAST_BYTE(3), all);
    h_kill(a, SIGCONT);
    h_wait(a, 0);
    h_expect_exit(a, 0);
    struct h_proc *h = h_start_ready(NULL, "holdrec: holding", "holdrec", "-o",
                                     LEDGER, "5", NULL);
    if (!has_lock("OFDLCK", "WRITE", -1, FIRST_BYTE(5), LAST_BYTE(5), &all))
        h_fail("while holdrec -o holds account 5, /proc/locks should show "
               "\"OFDLCK ADVISORY WRITE -1 <dev:inode> %d %d\"; it shows:\n%s",
               FIRST_BYTE(5), LAST_BYTE(5), all);
    h_kill(h, SIGTERM);
    h_wait(h, 0);
    h_expect_exit(h, 0);
    h_expect_stdout(h, "holdrec: holding account 5 of bank (OFD lock, bytes "
                       "192-223)\n"
                       "holdrec: SIGTERM: released account 5\n");
}
END_TEST

/* Bug caught: -c does not open and close a second descriptor, or the lock
 * is always an OFD lock (or always a POSIX one). */
START_TEST(close_trap)
{
    make_ledger("8", "100");
    const char *all;
    struct h_proc *h = h_start_ready(NULL, "holdrec: holding", "holdrec", "-c",
                                     LEDGER, "6", NULL);
    if (has_lock("POSIX", "WRITE", h->pid, FIRST_BYTE(6), LAST_BYTE(6), &all))
        h_fail("holdrec -c holds a classic POSIX lock, then opens and closes "
               "a second descriptor of the ledger: that close releases the "
               "lock, yet /proc/locks still shows it:\n%s\n  Take a POSIX "
               "lock (F_SETLKW) unless -o, and open and close the file "
               "again with -c",
               all);
    struct h_proc *x = h_run(NULL, "xfer", "-t", "6,7", LEDGER, "1", NULL);
    h_expect_exit(x, 0); /* nothing stops it: the lock is gone */
    h_kill(h, SIGTERM);
    h_wait(h, 0);
    h_expect_exit(h, 0);
    h = h_start_ready(NULL, "holdrec: holding", "holdrec", "-o", "-c", LEDGER,
                      "6", NULL);
    if (!has_lock("OFDLCK", "WRITE", -1, FIRST_BYTE(6), LAST_BYTE(6), &all))
        h_fail("holdrec -o -c holds an OFD lock: closing another descriptor "
               "must not release it, yet /proc/locks does not show it:\n%s",
               all);
    x = h_start(NULL, "xfer", "-t", "6,7", LEDGER, "1", NULL);
    await_lock_wait(x, "holdrec -o -c still holds account 6");
    h_kill(h, SIGTERM);
    h_wait(h, 0);
    h_expect_exit(h, 0);
    h_wait(x, 0);
    h_expect_exit(x, 0);
    expect_ok(8, 800);
}
END_TEST

/* Bug caught: check reads without a read lock: it can add up a ledger in
 * the middle of a transfer. */
START_TEST(reader_waits)
{
    make_ledger("4", "100");
    struct h_proc *a =
        h_start(NULL, "xfer", "-S", "-t", "0,1", LEDGER, "1", NULL);
    await_stopped(a, "it should hold account 0");
    struct h_proc *c = h_start(NULL, "ledger", "check", LEDGER, NULL);
    if (!h_await_in_call(c->pid, SYS_fcntl, H_TIMEOUT)) {
        h_kill(a, SIGCONT);
        h_wait(c, 0);
        h_fail("ledger check should wait for its read lock on the whole "
               "file while a transfer holds a write lock on account 0; it "
               "did not wait (stdout %s)",
               h_quote(c->out, c->out_len));
    }
    h_kill(a, SIGCONT);
    h_wait(a, 0);
    h_wait(c, 0);
    h_expect_exit(c, 0);
    h_expect_stdout(c, "ledger: bank: 4 accounts, total 400 (created with "
                       "400): ok\n");
}
END_TEST

/* Bug caught: arguments not checked: a crash or a silent default. */
START_TEST(usage)
{
    static const char *const bad[][8] = {
        {"ledger", NULL},
        {"ledger", "init", LEDGER, "1", "10", NULL},
        {"ledger", "init", LEDGER, "4", "-5", NULL},
        {"ledger", "sum", LEDGER, NULL},
        {"xfer", LEDGER, NULL},
        {"xfer", "-m", "fast", LEDGER, "1", NULL},
        {"xfer", "-t", "1,1", LEDGER, "1", NULL},
        {"xfer", LEDGER, "ten", NULL},
        {"holdrec", LEDGER, NULL},
        {"holdrec", "-x", LEDGER, "1", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct h_proc *p = h_runv(NULL, bad[i][0], bad[i] + 1);
        h_expect_exit(p, 2);
        h_expect_stderr_has(p, "usage", NULL);
    }
    if (access(h_path(LEDGER), F_OK) == 0)
        h_fail("a refused command line created %s", LEDGER);
}
END_TEST

static const struct h_test tests[] = {
    {&init_and_check, 2, "init, check, show; a second init is refused",
     "init without O_EXCL overwrites a ledger"},
    {&fixed_transfers, 2, "xfer -t: exact balances and update counts",
     "more moved than the payer has, or updates not counted"},
    {&many_workers, 4, "8 workers at once: total and updates kept",
     "records read or written outside their locks: lost updates"},
    {&file_lock_workers, 2, "-m file: one flock per transfer keeps the total",
     "no flock, or released before the records are written"},
    {&unordered_workers, 2, "-m unordered: workers survive their deadlocks",
     "EDEADLK is fatal, or retried while holding the first lock"},
    {&deadlock_detected, 3, "a made deadlock: EDEADLK, back off, both finish",
     "EDEADLK not handled, or the first lock kept (livelock)"},
    {&ordered_no_deadlock, 2, "mode record locks the lower account first",
     "the payer locked first: opposite transfers deadlock"},
    {&killed_holder, 3, "a killed holder's lock is released; waiters sleep",
     "F_SETLK polled in a loop, or the lock covers other records"},
    {&proc_locks, 2, "/proc/locks shows exactly the record's bytes",
     "l_len 0 (to end of file) or a wrong offset"},
    {&close_trap, 2, "-c drops a POSIX lock, not an OFD one",
     "-c does nothing, or always the same kind of lock"},
    {&reader_waits, 2, "check waits for a transfer in progress",
     "check reads without its whole-file read lock"},
    {&usage, 1, "bad arguments: usage line, status 2", "no argument check"},
};

H_LAB("17-locks", "ledger.h ledger.c xfer.c holdrec.c", "ledger xfer holdrec",
      tests)
