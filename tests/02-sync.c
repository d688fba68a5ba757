/*
 * 02-sync.c - tests for lab 02 (sync.c): a parent and its child take turns
 * with synclib.  See handouts/02-sync.md for the specification.
 *
 * The programs' stdout is a file here, so it is fully buffered: a line
 * that is not flushed before the turn passes shows up out of order.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The exact stdout of n rounds: "parent: 1", "child: 1", ... (malloc'd). */
static char *rounds(int n)
{
    size_t cap = (size_t)n * 32 + 1, used = 0;
    char *s = malloc(cap);
    if (s == NULL)
        h_fail("harness: out of memory");
    s[0] = '\0';
    for (int i = 1; i <= n; i++)
        used += (size_t)snprintf(s + used, cap - used,
                                 "parent: %d\nchild: %d\n", i, i);
    return s;
}

/*
 * The first line where stdout differs from n rounds, so that a long
 * mismatch says where the turns went wrong instead of dumping it all.
 */
static void expect_rounds(const struct h_proc *p, int n)
{
    char *want = rounds(n);
    if (p->out_len == strlen(want) && memcmp(p->out, want, p->out_len) == 0) {
        free(want);
        return;
    }
    size_t line = 1, i = 0, start = 0;
    while (i < p->out_len && want[i] != '\0' && p->out[i] == want[i]) {
        if (want[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    const char *wend = strchr(want + start, '\n');
    size_t wlen =
        wend != NULL ? (size_t)(wend - want - start) + 1 : strlen(want + start);
    const char *gend = memchr(p->out + start, '\n', p->out_len - start);
    size_t glen =
        gend != NULL ? (size_t)(gend - p->out - start) + 1 : p->out_len - start;
    h_fail("stdout should be %d rounds, \"parent: i\" then \"child: i\" "
           "for i = 1..%d,\n"
           "  but line %zu is %s, expected %s\n"
           "  (stdout: %zu bytes, expected %zu: %s)\n"
           "  command: %s",
           n, n, line, glen ? h_quote(p->out + start, glen) : "missing",
           wlen ? h_quote(want + start, wlen) : "no more lines", p->out_len,
           strlen(want), h_quote(p->out, p->out_len), p->cmd);
}

START_TEST(default_rounds)
{
    struct h_proc *p = h_run(NULL, "sync", NULL);
    h_expect_exit(p, 0);
    expect_rounds(p, 5);
}
END_TEST

START_TEST(argument)
{
    struct h_proc *p = h_run(NULL, "sync", "3", NULL);
    h_expect_exit(p, 0);
    expect_rounds(p, 3);
}
END_TEST

START_TEST(one_round)
{
    struct h_proc *p = h_run(NULL, "sync", "1", NULL);
    h_expect_exit(p, 0);
    expect_rounds(p, 1);
}
END_TEST

START_TEST(many_rounds)
{
    /* 1000 rounds: 2000 turns, each a chance for the order to slip. */
    struct h_proc *p = h_run(NULL, "sync", "1000", NULL);
    h_expect_exit(p, 0);
    expect_rounds(p, 1000);
}
END_TEST

START_TEST(flushes_each_line)
{
    /* stdout is a file: without fflush the lines of each process come
     * out together, when it exits. */
    struct h_proc *p = h_run(NULL, "sync", "4", NULL);
    h_expect_exit(p, 0);
    if (p->out_len >= 20 && strncmp(p->out, "parent: 1\nparent: 2\n", 20) == 0)
        h_fail("the parent's lines came out together: stdout %s\n"
               "  stdout is a file here, so it is fully buffered; call\n"
               "  fflush(stdout) after each line, before TELL_*.\n"
               "  command: %s",
               h_quote(p->out, p->out_len), p->cmd);
    if (p->out_len >= 18 && strncmp(p->out, "child: 1\nchild: 2\n", 18) == 0)
        h_fail("the child's lines came out together: stdout %s\n"
               "  stdout is a file here, so it is fully buffered; call\n"
               "  fflush(stdout) after each line, before TELL_*.\n"
               "  command: %s",
               h_quote(p->out, p->out_len), p->cmd);
    expect_rounds(p, 4);
}
END_TEST

START_TEST(streams)
{
    /* The rounds go to stdout; a good run says nothing on stderr. */
    struct h_proc *p = h_run(NULL, "sync", "2", NULL);
    h_expect_exit(p, 0);
    h_expect_stderr_empty(p);
    expect_rounds(p, 2);
}
END_TEST

START_TEST(reaps_child)
{
    struct h_proc *p = h_run(NULL, "sync", "2", NULL);
    h_expect_exit(p, 0);
    h_expect_reaped(p);
}
END_TEST

START_TEST(bad_nloops)
{
    static const char *const bad[] = {"0",      "-3",  "abc",
                                      "5x",     "",    " 4",
                                      "100001", "3.5", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct h_proc *p = h_run(NULL, "sync", bad[i], NULL);
        h_expect_exit(p, 2);
        h_expect_stderr_has(p, "usage:", NULL);
        h_expect_stdout_empty(p);
    }
}
END_TEST

START_TEST(usage)
{
    struct h_proc *p = h_run(NULL, "sync", "2", "3", NULL);
    h_expect_exit(p, 2);
    h_expect_stderr_has(p, "usage:", NULL);
    h_expect_stdout_empty(p);
}
END_TEST

static const struct h_test tests[] = {
    {&default_rounds, 3, "5 rounds by default, strictly alternating",
     "TELL_WAIT() after fork(), a wrong loop bound, or a child that falls "
     "through into the parent's code"},
    {&argument, 2, "NLOOPS from the command line: 3 rounds", "argv[1] ignored"},
    {&one_round, 1, "NLOOPS 1: one line each", "off-by-one loop bounds"},
    {&many_rounds, 3, "1000 rounds, every line in its turn",
     "a line printed after the turn passed, or lost"},
    {&flushes_each_line, 3, "each line is flushed before the turn passes",
     "relies on line buffering: stdout is a file under the grader"},
    {&streams, 1, "the rounds on stdout, nothing on stderr",
     "lines printed to stderr, or synclib misuse reported there"},
    {&reaps_child, 2, "reaps its child before exiting",
     "no waitpid(): the child is left a zombie or an orphan"},
    {&bad_nloops, 2, "rejects 0, negatives, non-numbers, > 100000: status 2",
     "atoi() without checks: \"abc\" runs 0 rounds"},
    {&usage, 1, "rejects two arguments with a usage line and status 2",
     "no argument count check"},
};

H_LAB("02-sync", "sync.c", "sync", tests)
