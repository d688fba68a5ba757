/*
 * mipc.c - a parent and its child take turns incrementing one counter that
 * lives in shared memory: a MAP_SHARED mapping of /dev/zero.
 *
 * Usage: mipc [ROUNDS]
 *
 * The parent maps one long from /dev/zero (it starts at 0), then forks;
 * the child inherits the mapping, so both see the same page.  They take
 * ROUNDS turns (default 10) with synclib, the parent first.  On its turn a
 * process checks that the counter holds the turn's number, prints
 * "<who>: <number>" and increments it.  The parent reaps the child and
 * checks that the counter ends at ROUNDS.
 *
 *     $ ./mipc 4
 *     parent: 0
 *     child: 1
 *     parent: 2
 *     child: 3
 *
 * A counter that does not hold what it should (the mapping is not shared,
 * or somebody else wrote into it) is reported on stderr as "mipc: counter
 * is X, expected Y" and the process that saw it exits with 1.  The other
 * one notices at its next WAIT, which sees end-of-file, and exits with 1
 * too: neither hangs.
 *
 * Each line is flushed before the turn passes: stdout may be a file, fully
 * buffered, and unflushed lines would come out in the wrong order.
 *
 * Companion: synclib (synclib.h).  Cleanup: nothing outlives the program.
 * The mapping has no name and goes away with the last process that maps
 * it; munmap() at the end only makes that explicit.
 */
#include "err.h"
#include "synclib.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_ROUNDS 10
#define MAX_ROUNDS 10000000
#define USAGE "[ROUNDS]   (ROUNDS: 1 to 10000000, default 10)"
#define ZERO_DEVICE "/dev/zero"

/*
 * One turn: the counter must hold want.  Print the line, flushed, and
 * increment.  On a mismatch report it and end this process; the child
 * ends with _exit(), which leaves the parent's copy of stdio alone.
 */
static void take_turn(long *counter, long want, const char *who, bool is_child)
{
    long got = *counter;
    if (got != want) {
        warn_msg("counter is %ld, expected %ld", got, want);
        if (is_child)
            _exit(EXIT_FAIL);
        exit(EXIT_FAIL);
    }
    printf("%s: %ld\n", who, want);
    if (fflush(stdout) == EOF) {
        if (is_child)
            die_child("child: write stdout");
        die("write stdout");
    }
    *counter = got + 1;
}

/*
 * map_counter: one long that parent and child will share after fork(), in
 * a MAP_SHARED mapping of ZERO_DEVICE; it starts at 0.  Returns its
 * address; no descriptor is left open.  On error, exits through die.
 */
static long *map_counter(void)
{
    /* TODO 1: open ZERO_DEVICE read-write and map sizeof (long) bytes of
     * it with mmap(NULL, ..., PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
     * check against MAP_FAILED (not NULL).  Then close the descriptor:
     * the mapping stays.  MAP_SHARED is the point: with MAP_PRIVATE each
     * process gets its own copy after fork. */
    return NULL;
    /* END TODO 1 */
}

/*
 * start_child: fork the child that plays the odd turns, with synclib's
 * TELL/WAIT set up so that both processes use the same pipes.  Returns as
 * fork() does: 0 in the child, the child's pid in the parent.  On error,
 * exits through die.
 */
static pid_t start_child(void)
{
    /* TODO 2: set up synclib's pipes with TELL_WAIT(), before the fork
     * below: the pipes must exist before it, so that both processes share
     * them. */
    /* END TODO 2 */
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    return pid;
}

/*
 * play_child: the child's part: the odd turns below rounds, each after
 * the parent's turn, on the shared counter.  Never returns: the child
 * ends with _exit(), 0 when every turn was right, 1 through take_turn or
 * die_child on a failure.
 */
static noreturn void play_child(long *counter, long rounds)
{
    /* TODO 3: the child takes the odd turns 1, 3, 5, ... below rounds:
     * WAIT_PARENT(), take_turn(counter, i, "child", true), TELL_PARENT().
     * Then munmap() (die_child on failure) and _exit(EXIT_SUCCESS). */
    (void)take_turn; /* you will need it */
    (void)counter;
    (void)rounds;
    _exit(EXIT_SUCCESS);
    /* END TODO 3 */
}

/*
 * play_parent: the parent's part: the even turns below rounds, turn 0
 * first, and after each of them the child's turn if there is one.
 * Returns when the parent's last turn is done and the child has no turn
 * left; exits through take_turn on a wrong counter.
 */
static void play_parent(long *counter, long rounds)
{
    /* TODO 4: the parent takes the even turns 0, 2, 4, ... below rounds:
     * take_turn(counter, i, "parent", false), then, only if a child's
     * turn follows (i + 1 < rounds), TELL_CHILD() and WAIT_CHILD().  A
     * TELL to a child that has finished would kill the parent (SIGPIPE). */
    (void)counter;
    (void)rounds;
    /* END TODO 4 */
}

/*
 * finish: reap the child (its pid is pid) and check the game's result:
 * the child exited with 0 and the counter holds rounds.  Unmaps the
 * counter.  Returns only if all is well; otherwise exits through die or
 * die_msg.
 */
static void finish(pid_t pid, long *counter, long rounds)
{
    /* TODO 5: reap the child with waitpid() (retry on EINTR); fail with
     * die_msg() if it did not exit with 0.  Then the counter must hold
     * rounds (else die_msg "counter is X, expected Y").  Unmap it. */
    (void)pid;
    (void)counter;
    (void)rounds;
    /* END TODO 5 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc > 2)
        die_usage(USAGE);
    long rounds = argc == 2 ? arg_long("ROUNDS", argv[1], 1, MAX_ROUNDS, USAGE)
                            : DEFAULT_ROUNDS;

    long *counter = map_counter();
    pid_t pid = start_child();
    if (pid == 0)
        play_child(counter, rounds);
    play_parent(counter, rounds);
    finish(pid, counter, rounds);
    return EXIT_SUCCESS;
}
