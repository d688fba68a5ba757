/*
 * sync.c - a parent and its child take turns, NLOOPS rounds, with synclib.
 *
 * Usage: sync [NLOOPS]
 *
 * In each round the parent prints "parent: <round>", lets the child go on
 * with TELL_CHILD() and blocks in WAIT_CHILD(); the child, blocked in
 * WAIT_PARENT(), prints "child: <round>" and hands the turn back with
 * TELL_PARENT().  So the lines alternate strictly, whatever the scheduler
 * does.  NLOOPS (default 5) is a whole number from 1 to 100000.  The parent
 * reaps the child and exits with 0 only if the child did too.
 *
 *     $ ./sync 2
 *     parent: 1
 *     child: 1
 *     parent: 2
 *     child: 2
 *
 * Each line is flushed before the turn passes: when stdout is a file or a
 * pipe it is fully buffered, and unflushed lines would reach it only when
 * each process exits, all of one process's lines together.
 *
 * Companion: synclib (synclib.h), whose two pipes carry the turns.  No IPC
 * object outlives the program: the pipes go away with the processes.
 */
#include "err.h"
#include "synclib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_NLOOPS 5
#define MAX_NLOOPS 100000
#define USAGE "[NLOOPS]   (NLOOPS: 1 to 100000, default 5)"

/*
 * NLOOPS from the command line: decimal digits only (no sign, no spaces,
 * nothing after them), 1 to MAX_NLOOPS.  Anything else is a usage error.
 */
static int parse_nloops(const char *s)
{
    long n = 0;
    if (*s == '\0')
        goto bad;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            goto bad;
        n = n * 10 + (*p - '0');
        if (n > MAX_NLOOPS) /* stop before a long string overflows n */
            goto bad;
    }
    if (n < 1)
        goto bad;
    return (int)n;
bad:
    warn_msg("NLOOPS must be a whole number from 1 to %d, not '%s'", MAX_NLOOPS,
             s);
    die_usage(USAGE);
}

/* Print one line and push it out at once; returns -1 on failure. */
static int say(const char *who, int round)
{
    if (printf("%s: %d\n", who, round) < 0 || fflush(stdout) == EOF)
        return -1;
    return 0;
}

/* The child's side: wait for the parent's turn, print, hand it back. */
static _Noreturn void child(int nloops)
{
    /* TODO 1: for each round 1..nloops: WAIT_PARENT(), print
     * "child: <round>" with say() (on failure die_child()), then
     * TELL_PARENT().  The line must be flushed before TELL_PARENT(): once
     * the parent runs, it prints its next line. */
    (void)nloops;
    (void)say; /* you will need it */
    /* END TODO 1 */

    /* exit, not return: a child that returns from here would run the
     * parent's code too. */
    exit(EXIT_SUCCESS);
}

/* The parent's side: print, hand the turn to the child, wait for it. */
static void parent(int nloops)
{
    /* TODO 3: for each round 1..nloops: print "parent: <round>" with say()
     * (on failure die()), then TELL_CHILD(), then WAIT_CHILD(). */
    (void)nloops;
    (void)say;
    /* END TODO 3 */
}

/*
 * Wait for the child pid to end; returns its exit status.  A failed
 * waitpid(), or a child killed by a signal: die() or die_msg().
 */
static int reap(pid_t pid)
{
    /* TODO 4: reap the child with waitpid() (retry on EINTR; any other
     * error: die()).  A child killed by a signal: die_msg() saying which.
     * Keep its exit status in status. */
    (void)pid;
    int status = 0;
    /* END TODO 4 */
    return WEXITSTATUS(status);
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc > 2)
        die_usage(USAGE);
    int nloops = argc == 2 ? parse_nloops(argv[1]) : DEFAULT_NLOOPS;

    /* TODO 2: set up synclib's pipes with TELL_WAIT().  Where you call it
     * matters: the child must inherit the very same pipes. */
    /* END TODO 2 */

    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0)
        child(nloops);
    parent(nloops);
    return reap(pid) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
