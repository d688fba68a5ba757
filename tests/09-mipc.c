/*
 * 09-mipc.c - tests for lab 09 (mipc.c): parent and child take turns
 * incrementing a counter in a shared mapping of /dev/zero.  See
 * handouts/09-mipc.md for the specification.
 *
 * One test plays the intruder: while mipc runs a long game, it writes a
 * far-off value into the counter through /proc/<pid>/mem (the test is
 * mipc's parent, so it may), and mipc must notice at its next turn.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* What mipc prints for rounds turns: "parent: 0", "child: 1", ... */
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

/* Run mipc with args, expect exit 0 and exactly rounds turns. */
static struct h_proc *expect_game(long rounds, const char *arg)
{
    struct h_proc *p = h_run(NULL, "mipc", arg, NULL);
    if (p->timed_out)
        h_fail("%s never finished: parent and child wait for each other "
               "(is TELL_WAIT() called before fork()?)\n  stdout: %s\n"
               "  command: %s",
               p->cmd, h_quote(p->out, p->out_len), p->cmd);
    h_expect_exit(p, 0);
    char *want = turns(rounds);
    h_expect_stdout(p, want);
    free(want);
    return p;
}

START_TEST(default_ten)
{
    expect_game(10, NULL);
}
END_TEST

START_TEST(rounds_argument)
{
    expect_game(6, "6");
}
END_TEST

START_TEST(odd_rounds)
{
    /* The parent takes the last turn: it must not hand the turn to a
     * child that has finished. */
    struct h_proc *p = expect_game(5, "5");
    h_expect_stderr_empty(p);
    p = expect_game(1, "1");
    h_expect_stderr_empty(p);
}
END_TEST

START_TEST(many_rounds)
{
    struct h_proc *p =
        h_run(&(struct h_opts){.timeout = 3 * H_TIMEOUT}, "mipc", "2000", NULL);
    h_expect_exit(p, 0);
    char *want = turns(2000);
    h_expect_stdout(p, want);
    free(want);
    h_expect_stderr_empty(p);
}
END_TEST

START_TEST(reaps_child)
{
    struct h_proc *p = expect_game(4, "4");
    h_expect_reaped(p);
}
END_TEST

/* The address of the first /dev/zero mapping of pid, or 0. */
static unsigned long counter_addr(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/maps", (long)pid);
    char *text = h_read_file(path, NULL);
    if (text == NULL)
        return 0;
    unsigned long addr = 0;
    for (char *l = strtok(text, "\n"); l != NULL && addr == 0;
         l = strtok(NULL, "\n")) {
        unsigned long lo;
        char perms[8];
        int off = 0;
        if (sscanf(l, "%lx-%*x %7s %*x %*x:%*x %*u %n", &lo, perms, &off) ==
                2 &&
            off > 0 && strncmp(l + off, "/dev/zero", 9) == 0 &&
            strcmp(perms, "rw-s") == 0)
            addr = lo;
    }
    free(text);
    return addr;
}

/* A counter far from any turn's number, so any check sees it. */
#define INTRUDER 4000000000L

/* Write v into the counter of the running mipc p. */
static bool poke(struct h_proc *p, unsigned long addr, long v)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/mem", (long)p->pid);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t w = -1;
    if (fd != -1) {
        errno = 0;
        w = pwrite(fd, &v, sizeof v, (off_t)addr);
    }
    int err = errno;
    if (fd != -1)
        close(fd);
    if (w == (ssize_t)sizeof v)
        return true;
    /* mipc may have ended on its own since the last look (it found an
     * earlier write): its exit status and stderr then tell the rest.  A
     * process on its way out has no memory left: pwrite() writes nothing
     * and sets no errno, and once it is a zombie its /proc/<pid>/mem
     * belongs to root (EACCES for a test that is not root). */
    char state = h_proc_state(p->pid);
    char maps[64];
    snprintf(maps, sizeof maps, "/proc/%ld/maps", (long)p->pid);
    size_t mlen = 0;
    free(h_read_file(maps, &mlen)); /* empty: it has let go of its memory */
    if (w >= 0 || err == ESRCH || err == ENOENT || err == EIO || state == 'Z' ||
        state == 'X' || state == '\0' || mlen == 0)
        return false;
    errno = err;
    h_fail("harness: write the counter through %s: %s", path, strerror(errno));
    return false;
}

/* The number of the last whole line "<who>: <n>" mipc printed so far. */
static long last_turn(const struct h_proc *p)
{
    size_t len;
    char *out = h_read_file(p->out_path, &len);
    long n = -1;
    while (out != NULL && len > 0 && out[len - 1] != '\n')
        len--; /* a line still being written */
    if (out != NULL && len > 0) {
        out[len - 1] = '\0';
        char *l = strrchr(out, '\n');
        const char *colon = strchr(l != NULL ? l + 1 : out, ':');
        if (colon != NULL)
            n = strtol(colon + 1, NULL, 10);
    }
    free(out);
    return n;
}

START_TEST(detects_intruder)
{
    struct h_proc *p = h_start(NULL, "mipc", "1000000", NULL);
    if (!h_await_stdout(p, "child: 3\n", 0)) {
        h_wait(p, 0.5);
        h_fail("mipc 1000000 did not get to \"child: 3\"\n  stdout: %s\n"
               "  stderr: %s\n  command: %s",
               h_quote(p->out, p->out_len), h_quote(p->err, p->err_len),
               p->cmd);
    }
    unsigned long addr = counter_addr(p->pid);
    if (addr == 0)
        h_fail("mipc has no shared read-write mapping of /dev/zero "
               "(/proc/%ld/maps): map it with MAP_SHARED\n  command: %s",
               (long)p->pid, p->cmd);
    /*
     * Write INTRUDER, then wait for the game to get three turns further.
     * A checking mipc stops at its next turn, so that line never comes
     * (h_await_stdout returns at its exit).  But a process that loaded
     * the counter just before the write stores its increment over it;
     * then the game goes on and the write is tried again.  A mipc that
     * never checks goes on every time.
     */
    int tries = 0;
    for (bool going = true; going && tries < 20; tries++) {
        long n = last_turn(p);
        char next[64];
        snprintf(next, sizeof next, "%s: %ld\n",
                 (n + 3) % 2 == 0 ? "parent" : "child", n + 3);
        going = poke(p, addr, INTRUDER) && h_await_stdout(p, next, 0);
    }
    h_kill(p, SIGKILL);
    h_wait(p, 0);
    long got = 0, want = 0;
    const char *l = strstr(p->err, "mipc: counter is ");
    if (l == NULL ||
        sscanf(l, "mipc: counter is %ld, expected %ld", &got, &want) != 2 ||
        got < INTRUDER || want >= INTRUDER || !WIFEXITED(p->status) ||
        WEXITSTATUS(p->status) != 1)
        h_fail("another process wrote %ld into the counter (%d times): "
               "expected status 1 and \"mipc: counter is %ld..., expected "
               "N\" on stderr, got %s and stderr %s.  Check the counter on "
               "every turn.\n  command: %s",
               INTRUDER, tries, INTRUDER,
               WIFEXITED(p->status) ? "an exit" : "killed",
               h_quote(p->err, p->err_len), p->cmd);
}
END_TEST

START_TEST(usage)
{
    static const char *const bad[] = {"0", "x", "-3", "10000001", "5x", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct h_proc *p = h_run(NULL, "mipc", bad[i], NULL);
        h_expect_exit(p, 2);
        h_expect_stderr_has(p, "usage:", NULL);
        h_expect_stdout_empty(p);
    }
    struct h_proc *p = h_run(NULL, "mipc", "1", "2", NULL);
    h_expect_exit(p, 2);
    h_expect_stderr_has(p, "usage:", NULL);
}
END_TEST

static const struct h_test tests[] = {
    {&default_ten, 3, "no argument: ten turns, parent: 0 to child: 9",
     "the counter is not shared (MAP_PRIVATE), or the turns deadlock"},
    {&rounds_argument, 2, "mipc 6 takes six turns", "ROUNDS is ignored"},
    {&odd_rounds, 2, "an odd number of turns (5, 1) ends cleanly",
     "the turns go wrong for an odd count: one side waits for a turn "
     "that never comes"},
    {&many_rounds, 2, "2000 turns, strictly alternating, in order",
     "lines not flushed before the turn passes: out of order in a file"},
    {&reaps_child, 1, "reaps its child", "no waitpid()"},
    {&detects_intruder, 3,
     "a foreign write into the counter is reported, "
     "status 1, no hang",
     "the counter is never checked, or a mismatch "
     "is not reported as specified"},
    {&usage, 1, "rejects bad ROUNDS and two arguments with status 2",
     "atoi() without checks: \"x\" plays zero turns"},
};

H_LAB("09-mipc", "mipc.c", "mipc", tests)
