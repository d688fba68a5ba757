/*
 * hidden/01-pipe.c - an instructor's hidden test for lab 01.  Files in
 * tests/hidden/ are linked into the lab's test program but never shipped
 * to students (make dist-student leaves this folder out).
 */
#include "harness.h"

START_TEST(lines_and_tabs)
{
    /* Bytes, not lines: a child that reads with fgets() or stops at the
     * first newline loses the rest. */
    const char *msg = "first line\nsecond\tline\n\nlast";
    struct h_proc *p = h_run(NULL, "pipe", msg, NULL);
    h_expect_exit(p, 0);
    h_expect_stdout(p, "first line\nsecond\tline\n\nlast\n");
}
END_TEST

static const struct h_test hidden[] = {
    {&lines_and_tabs, 2, "a message with newlines and tabs arrives whole",
     "the child reads lines (fgets) instead of bytes"},
};
H_HIDDEN(hidden)
