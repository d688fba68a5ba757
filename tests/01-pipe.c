/*
 * 01-pipe.c - tests for lab 01 (pipe.c): a message from parent to child
 * through a pipe.  See handouts/01-pipe.md for the specification.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The stderr lines pipe prints for a message of n bytes, in order. */
static const char *narration(size_t n)
{
    static char buf[256];
    snprintf(buf, sizeof buf,
             "pipe: parent sent %zu bytes\n"
             "pipe: child received %zu bytes\n"
             "pipe: child exited with status 0\n",
             n, n);
    return buf;
}

START_TEST(hello)
{
    struct h_proc *p = h_run(NULL, "pipe", NULL);
    h_expect_exit(p, 0);
    h_expect_stdout(p, "Hello, World!\n");
}
END_TEST

START_TEST(no_nul_byte)
{
    struct h_proc *p = h_run(NULL, "pipe", "abc", NULL);
    h_expect_exit(p, 0);
    if (memchr(p->out, '\0', p->out_len) != NULL)
        h_fail("stdout contains a NUL byte: %s\n"
               "  send strlen(message) bytes, not strlen + 1\n"
               "  command: %s",
               h_quote(p->out, p->out_len), p->cmd);
    h_expect_stdout(p, "abc\n");
}
END_TEST

START_TEST(argument)
{
    struct h_proc *p =
        h_run(NULL, "pipe", "pipes carry bytes, not strings", NULL);
    h_expect_exit(p, 0);
    h_expect_stdout(p, "pipes carry bytes, not strings\n");
}
END_TEST

START_TEST(long_message)
{
    /* 100000 bytes: more than a pipe holds (64 KiB), so the child must
     * read in a loop while the parent is still writing. */
    enum { LEN = 100000 };
    char *msg = malloc(LEN + 2);
    for (size_t i = 0; i < LEN; i++)
        msg[i] = (char)('a' + i % 26);
    msg[LEN] = '\0';
    struct h_proc *p = h_run(NULL, "pipe", msg, NULL);
    h_expect_exit(p, 0);
    msg[LEN] = '\n';
    h_expect_stdout_bytes(p, msg, LEN + 1);
    free(msg);
}
END_TEST

START_TEST(finishes)
{
    struct h_proc *p = h_run(NULL, "pipe", "eof", NULL);
    if (p->timed_out)
        h_fail("%s never finished: the child's read never saw end-of-file.\n"
               "  Every process must close the write end it does not use,\n"
               "  and the parent must close its own after writing.",
               p->cmd);
    h_expect_exit(p, 0);
    h_expect_stdout(p, "eof\n");
}
END_TEST

START_TEST(narrates_in_order)
{
    struct h_proc *p = h_run(NULL, "pipe", NULL);
    h_expect_exit(p, 0);
    const char *want = narration(14);
    if (strcmp(p->err, want) != 0)
        h_fail("stderr should be exactly these lines, in this order:\n%s"
               "  got: %s\n  command: %s",
               want, h_quote(p->err, p->err_len), p->cmd);
}
END_TEST

START_TEST(reaps_child)
{
    struct h_proc *p = h_run(NULL, "pipe", "wait for me", NULL);
    h_expect_exit(p, 0);
    h_expect_reaped(p);
}
END_TEST

START_TEST(streams)
{
    /* Data on stdout, narration on stderr: never the other way round. */
    struct h_proc *p = h_run(NULL, "pipe", "where", NULL);
    h_expect_exit(p, 0);
    if (strstr(p->out, "sent") != NULL || strstr(p->out, "received") != NULL)
        h_fail("the narration belongs on stderr, but stdout was %s\n"
               "  command: %s",
               h_quote(p->out, p->out_len), p->cmd);
    if (strstr(p->err, "where\n") != NULL)
        h_fail("the message belongs on stdout, but stderr was %s\n"
               "  command: %s",
               h_quote(p->err, p->err_len), p->cmd);
    h_expect_stdout(p, "where\n");
}
END_TEST

START_TEST(usage)
{
    struct h_proc *p = h_run(NULL, "pipe", "one", "two", NULL);
    h_expect_exit(p, 2);
    h_expect_stderr_has(p, "usage:", NULL);
    h_expect_stdout_empty(p);
}
END_TEST

START_TEST(empty_message)
{
    struct h_proc *p = h_run(NULL, "pipe", "", NULL);
    h_expect_exit(p, 0);
    h_expect_stdout(p, "\n");
}
END_TEST

static const struct h_test tests[] = {
    {&hello, 2, "prints the default message \"Hello, World!\"",
     "the message is not sent, or arrives changed"},
    {&no_nul_byte, 2, "sends no NUL byte",
     "sends strlen + 1 bytes, so a NUL byte reaches stdout"},
    {&argument, 1, "sends the message given as argument", "ignores argv[1]"},
    {&empty_message, 1, "sends an empty message as one newline",
     "treats an empty argument as no argument, or sends nothing"},
    {&long_message, 3, "a 100000-byte message arrives whole",
     "the child reads once; one read returns at most what the pipe holds"},
    {&finishes, 3, "finishes: the child sees end-of-file",
     "a write end stays open (the child's own copy), so read never "
     "returns 0"},
    {&narrates_in_order, 2, "says sent / received / exited on stderr, in order",
     "the parent does not wait for the child, or prints before it closes"},
    {&reaps_child, 2, "reaps its child before exiting",
     "no waitpid(): the child is left a zombie or an orphan"},
    {&streams, 1, "data on stdout, narration on stderr",
     "printf narration to stdout, or the message to stderr"},
    {&usage, 1, "rejects two arguments with a usage line and status 2",
     "no argument check"},
};

H_LAB("01-pipe", "pipe.c", "pipe", tests)
