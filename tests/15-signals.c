/*
 * 15-signals.c - tests for lab 15 (sigsync.c, restart.c): synclib's
 * TELL/WAIT rebuilt on signals, the student's own lab 09 mipc on top of
 * it, and restart, which shows SA_RESTART.  See handouts/15-signals.md
 * for the specification.
 *
 * mipc is lab 09's mipc.c (the grader takes it from the student's lab 09
 * folder), linked with sigsync.o; mipc-pipes is the same file linked with
 * synclib's pipes, as in lab 09.  Each mipc test first checks mipc-pipes:
 * if lab 09's part is wrong, that is what the report says, once.  Then
 * mipc must print exactly what lab 09's mipc prints.  A lost wake-up (a
 * signal that comes between "the flag is not set" and "sleep") is a race:
 * many_turns makes it likely by running several long games side by side,
 * and a hang is caught by the time limit.  The peer tests kill one side of
 * a game and expect the other to fail at once, not wait for ever.
 * restart needs no timing from the test: the program's own timer keeps
 * sending SIGALRM until its read returns.
 */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EINTR_OUT                                                              \
    "reading from an empty pipe, SIGALRM every 10 ms, without SA_RESTART\n"    \
    "read interrupted: EINTR\n"
#define RESTART_OUT                                                            \
    "reading from an empty pipe, SIGALRM every 10 ms, with SA_RESTART\n"       \
    "read completed after 3 signals: hello from the signal handler\n"

/* ---- helpers ----------------------------------------------------------- */

/* What lab 09's mipc prints for rounds turns: "parent: 0", "child: 1"... */
static char *turns(long rounds)
{
    size_t cap = (size_t)rounds * 20 + 1, n = 0;
    char *s = malloc(cap);
    if (s == NULL)
        h_fail("harness: out of memory");
    s[0] = '\0';
    for (long i = 0; i < rounds; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s: %ld\n",
                              i % 2 == 0 ? "parent" : "child", i);
    return s;
}

/* p ended; expect exit 0, exactly rounds turns and nothing on stderr. */
static void expect_turns(struct h_proc *p, long rounds)
{
    /* A hang is shown where each side was stuck; a death by a signal with
     * what the signal means (h_expect_exit says both). */
    h_expect_exit(p, 0);
    char *want = turns(rounds);
    h_expect_stdout(p, want);
    free(want);
    h_expect_stderr_empty(p);
    h_expect_reaped(p);
}

/*
 * mipc here is the student's lab 09 program: before it tests sigsync, a
 * test checks that program on lab 09's own pipes (mipc-pipes, four turns).
 * If it fails there too, the cause is lab 09's part, and the test stops
 * with that as a failed start-up: the report leads with it once.
 */
static void need_lab09(void)
{
    h_setup_begin();
    struct h_proc *p = h_run(NULL, "mipc-pipes", "4", NULL);
    char *want = turns(4);
    bool ok = !p->timed_out && WIFEXITED(p->status) &&
              WEXITSTATUS(p->status) == 0 && strcmp(p->out, want) == 0;
    free(want);
    if (!ok)
        h_fail("mipc is your lab 09 program (labs/09-mipc/mipc.c), here "
               "linked with your sigsync.c, and it does not work on lab "
               "09's pipes either: finish lab 09 first (make grade "
               "LAB=09), then this lab tests sigsync with it\n"
               "  on lab 09's pipes, %s %s\n  stdout: %s\n  stderr: %s",
               p->cmd,
               p->timed_out ? "never ended"
               : WIFEXITED(p->status)
                   ? (WEXITSTATUS(p->status) != 0 ? "failed"
                                                  : "printed the wrong turns")
                   : "was killed by a signal",
               h_quote(p->out, p->out_len), h_quote(p->err, p->err_len));
    h_setup_end();
}

/* The pid of p's child, waiting for the fork if need be; 0 if none. */
static pid_t child_of(struct h_proc *p)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", (long)p->pid,
             (long)p->pid);
    char *text = h_read_file(path, NULL);
    long c = 0;
    if (text != NULL && sscanf(text, "%ld", &c) != 1)
        c = 0;
    free(text);
    return (pid_t)c;
}

/* Start a long game and wait until both sides have played twice. */
static struct h_proc *start_game(pid_t *child)
{
    need_lab09();
    struct h_proc *p = h_start(NULL, "mipc", "10000000", NULL);
    if (!h_await_stdout(p, "child: 3\n", 0)) {
        h_kill(p, SIGKILL);
        h_wait(p, 0);
        h_fail("mipc 10000000 did not get to \"child: 3\"\n  stdout: %s\n"
               "  stderr: %s\n  command: %s",
               h_quote(p->out, p->out_len), h_quote(p->err, p->err_len),
               p->cmd);
    }
    *child = child_of(p);
    if (*child <= 0)
        h_fail("mipc 10000000 has no child while it plays\n  command: %s",
               p->cmd);
    return p;
}

/* The field of /proc/pid/status named name ("SigCgt"), or "". */
static const char *status_field(pid_t pid, const char *name)
{
    static char value[128];
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    char *text = h_read_file(path, NULL);
    value[0] = '\0';
    size_t len = strlen(name);
    for (char *l = text; l != NULL && *l != '\0';) {
        char *end = strchr(l, '\n');
        if (strncmp(l, name, len) == 0 && l[len] == ':') {
            const char *v = l + len + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t n = end != NULL ? (size_t)(end - v) : strlen(v);
            if (n >= sizeof value)
                n = sizeof value - 1;
            memcpy(value, v, n);
            value[n] = '\0';
            break;
        }
        l = end != NULL ? end + 1 : NULL;
    }
    free(text);
    return value;
}

/* Is signal sig in the hexadecimal signal set of /proc/pid/status? */
static bool in_sigset(const char *hex, int sig)
{
    unsigned long long set = strtoull(hex, NULL, 16);
    return (set >> (sig - 1)) & 1;
}

/* How many of pid's descriptors are pipes. */
static int count_pipes(pid_t pid)
{
    int n = 0;
    for (int fd = 0; fd < 64; fd++) {
        char path[64], link[128];
        snprintf(path, sizeof path, "/proc/%ld/fd/%d", (long)pid, fd);
        ssize_t len = readlink(path, link, sizeof link - 1);
        if (len <= 0)
            continue;
        link[len] = '\0';
        if (strncmp(link, "pipe:", 5) == 0)
            n++;
    }
    return n;
}

/*
 * Wait (bounded, by looking, not sleeping) until pid has been asleep
 * ('S') in 100 looks in a row, and return 'S'.  A spinning WAIT may be
 * seen in 'S' for a moment (a page fault, a lock), never for long: when
 * the time runs out first, return the last state other than 'S' seen
 * ('?' if there was none), never the state of the last look alone.
 */
static char await_asleep(pid_t pid)
{
    double end = h_now() + h_scale(1.0);
    char other = '?';
    for (int asleep = 0; h_now() < end;) {
        char st = h_proc_state(pid);
        if (st == 'S') {
            if (++asleep == 100)
                return 'S';
        } else {
            asleep = 0;
            other = st;
        }
    }
    return other;
}

/* Stop `stopped`, wait until `waiter` sleeps in its WAIT, then kill
 * `stopped`: the waiter is surely asleep when its peer dies. */
static void kill_while_asleep(struct h_proc *p, pid_t stopped, pid_t waiter)
{
    if (kill(stopped, SIGSTOP) == -1)
        h_fail("harness: kill SIGSTOP %ld: %s", (long)stopped, strerror(errno));
    char st = await_asleep(waiter);
    if (st != 'S')
        h_fail("with its peer stopped, process %ld stayed in state '%c', "
               "never asleep in a WAIT\n  command: %s",
               (long)waiter, st, p->cmd);
    if (kill(stopped, SIGKILL) == -1)
        h_fail("harness: kill SIGKILL %ld: %s", (long)stopped, strerror(errno));
}

/* ---- mipc ------------------------------------------------------------- */

START_TEST(mipc_ten)
{
    need_lab09();
    expect_turns(h_run(NULL, "mipc", NULL), 10);
}
END_TEST

START_TEST(mipc_counts)
{
    static const long counts[] = {6, 5, 2, 1, 101};
    need_lab09();
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        char arg[32];
        snprintf(arg, sizeof arg, "%ld", counts[i]);
        expect_turns(h_run(NULL, "mipc", arg, NULL), counts[i]);
    }
}
END_TEST

START_TEST(many_turns)
{
    /* Three games at once on a small machine: each side is often
     * interrupted between its test of the flag and its sleep, which is
     * where a signal that is not blocked gets lost. */
    enum { GAMES = 3, TURNS = 30000 };
    struct h_proc *p[GAMES];
    need_lab09();
    for (int i = 0; i < GAMES; i++)
        p[i] = h_start(NULL, "mipc", "30000", NULL);
    /* One deadline for the three (they run at once; under a second on an
     * idle machine): a lost wake-up is found in 6 s, not three times 12. */
    double end = h_now() + h_scale(2 * H_TIMEOUT);
    for (int i = 0; i < GAMES; i++) {
        double left = (end - h_now()) / h_scale(1.0);
        h_wait(p[i], left > 0.01 ? left : 0.01);
    }
    for (int i = 0; i < GAMES; i++)
        expect_turns(p[i], TURNS);
}
END_TEST

START_TEST(waits_asleep)
{
    pid_t child;
    struct h_proc *p = start_game(&child);
    /* Stop the child: the parent must now wait for its turn asleep in
     * the kernel (state S), not spinning (state R). */
    if (kill(child, SIGSTOP) == -1)
        h_fail("harness: kill SIGSTOP %ld: %s", (long)child, strerror(errno));
    char st = await_asleep(p->pid);
    const char *caught = status_field(p->pid, "SigCgt");
    int pipes = count_pipes(p->pid);
    if (kill(child, SIGCONT) == -1)
        h_fail("harness: kill SIGCONT %ld: %s", (long)child, strerror(errno));
    if (st != 'S')
        h_fail("while the child was stopped, the parent's state stayed '%c' "
               "for 1 s, never 'S' (asleep) for long: a WAIT must sleep "
               "in sigsuspend(), not spin\n  command: %s",
               st, p->cmd);
    if (!in_sigset(caught, SIGUSR1) || !in_sigset(caught, SIGUSR2))
        h_fail("the parent catches signals %s (/proc SigCgt): expected "
               "handlers for SIGUSR1 and SIGUSR2\n  command: %s",
               caught, p->cmd);
    if (pipes > 0)
        h_fail("the parent holds %d pipe(s) while it plays: sigsync must "
               "pass the turn with signals, not pipes\n  command: %s",
               pipes, p->cmd);
    /* Stopped and continued, the child goes on playing. */
    if (!h_await_stdout(p, "child: 2001\n", 0))
        h_fail("after the child was stopped and continued the game did not "
               "reach \"child: 2001\"\n  command: %s",
               p->cmd);
    h_kill(p, SIGKILL);
    h_wait(p, 0);
}
END_TEST

START_TEST(dead_child)
{
    pid_t child;
    struct h_proc *p = start_game(&child);
    kill_while_asleep(p, child, p->pid);
    if (!h_wait(p, 0))
        h_fail("the child was killed and the parent waited for it for "
               "ever: WAIT_CHILD must also wake on SIGCHLD and fail\n"
               "  command: %s",
               p->cmd);
    h_expect_exit(p, 1);
    h_expect_stderr_has(p, "WAIT_CHILD", "child", NULL);
}
END_TEST

START_TEST(dead_parent)
{
    pid_t child;
    struct h_proc *p = start_game(&child);
    kill_while_asleep(p, p->pid, child);
    double t0 = h_now();
    /* h_wait also waits for the orphaned child, and kills it at the
     * time limit. */
    h_wait(p, 0);
    double took = h_now() - t0;
    if (took > h_scale(H_TIMEOUT) * 0.9 ||
        strstr(p->err, "WAIT_PARENT") == NULL)
        h_fail("the parent was killed; its child should notice at once, "
               "say \"WAIT_PARENT: the parent exited ...\" and exit, but it "
               "%s (%.1f s)\n  stderr: %s\n  command: %s",
               took > h_scale(H_TIMEOUT) * 0.9 ? "had to be killed"
                                               : "ended without the message",
               took, h_quote(p->err, p->err_len), p->cmd);
}
END_TEST

/* ---- restart ---------------------------------------------------------- */

START_TEST(restart_eintr)
{
    struct h_proc *p = h_run(NULL, "restart", NULL);
    if (p->timed_out)
        h_fail("restart never ended: without -r the first SIGALRM during "
               "the read must make it fail with EINTR (no SA_RESTART, no "
               "retry)\n  stdout: %s\n  command: %s",
               h_quote(p->out, p->out_len), p->cmd);
    h_expect_exit(p, 0);
    h_expect_stdout(p, EINTR_OUT);
    h_expect_stderr_empty(p);
}
END_TEST

START_TEST(restart_r)
{
    for (int i = 0; i < 3; i++) {
        struct h_proc *p = h_run(NULL, "restart", "-r", NULL);
        if (p->timed_out)
            h_fail("restart -r never ended: the handler writes its line at "
                   "the third signal, and a restarted read returns it\n"
                   "  stdout: %s\n  command: %s",
                   h_quote(p->out, p->out_len), p->cmd);
        h_expect_exit(p, 0);
        h_expect_stdout(p, RESTART_OUT);
        h_expect_stderr_empty(p);
    }
}
END_TEST

START_TEST(restart_usage)
{
    static const char *const bad[][3] = {{"-x", NULL, NULL},
                                         {"r", NULL, NULL},
                                         {"-r", "-r", NULL},
                                         {"-r", "x", NULL},
                                         {"", NULL, NULL}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct h_proc *p = h_runv(NULL, "restart", bad[i]);
        h_expect_exit(p, 2);
        h_expect_stderr_has(p, "usage:", "restart", NULL);
        h_expect_stdout_empty(p);
    }
    h_expect_no_fifos(NULL);
    h_expect_no_ipc();
}
END_TEST

static const struct h_test tests[] = {
    {&mipc_ten, 3, "mipc on sigsync: ten turns, as in lab 09",
     "a TELL sends the wrong signal, or a signal has no handler (the "
     "default action kills)"},
    {&mipc_counts, 2, "mipc 6, 5, 2, 1, 101: exactly lab 09's output",
     "the flag is not cleared after a WAIT: the next WAIT returns at once"},
    {&many_turns, 3, "three games of 30000 turns at once, none hangs",
     "signals not blocked before fork, or pause() after the flag test: a "
     "wake-up is lost",
     30},
    {&waits_asleep, 2,
     "a WAIT sleeps (state S), handlers for SIGUSR1 and "
     "SIGUSR2, no pipes",
     "a WAIT that spins on the flag, or synclib's "
     "pipes instead of signals"},
    {&dead_child, 2, "child killed: the parent's WAIT fails, status 1",
     "WAIT_CHILD does not wake on SIGCHLD: the parent waits for ever"},
    {&dead_parent, 1, "parent killed: the child's WAIT fails at once",
     "WAIT_PARENT never learns that the parent died: an orphan waits for "
     "ever"},
    {&restart_eintr, 2, "restart: the read fails with EINTR",
     "SA_RESTART set without -r, or the read retried on EINTR"},
    {&restart_r, 2, "restart -r: the read is restarted and gets the data",
     "SA_RESTART not set with -r"},
    {&restart_usage, 1, "restart rejects other arguments with status 2",
     "any argument taken as -r"},
};

H_LAB("15-signals", "signals.h sigsync.c restart.c 09-mipc/mipc.c",
      "mipc mipc-pipes restart", tests)
