/*
 * signals.h - what the programs of lab 15 agree on: which signal carries
 * which message in sigsync.c (synclib's TELL/WAIT on signals), and the
 * constants of restart.c.  No signal number below is repeated in a .c file.
 *
 * sigsync: four signals, each with one meaning.
 *
 *   SIG_TO_CHILD   TELL_CHILD() sends it to the child; WAIT_PARENT()
 *                  waits for it.
 *   SIG_TO_PARENT  TELL_PARENT() sends it to the parent; WAIT_CHILD()
 *                  waits for it.
 *   SIG_HELLO      sent once by the child to the parent right after
 *                  fork(): "here is my pid" (the parent reads it from the
 *                  signal's si_pid).  TELL_CHILD() takes no pid, so the
 *                  parent has no other way to learn whom to signal.  A
 *                  real-time signal: it is queued, never merged.
 *   SIG_GONE       wakes a WAIT whose peer has ended: the parent gets it
 *                  when the child ends (SIGCHLD is what the kernel sends
 *                  anyway); on Linux the child asks for it when the parent
 *                  dies (prctl PR_SET_PDEATHSIG).
 *
 * All four are blocked by TELL_WAIT(), before fork(), and stay blocked in
 * both processes.  A WAIT unblocks the one it waits for (and SIG_GONE) only
 * inside sigsuspend(), which swaps the mask and sleeps in one step, so a
 * signal can never arrive between "the flag is not set yet" and "go to
 * sleep" and be lost.  A signal sent before the other side waits stays
 * pending until then.
 *
 * Cleanup: sigsync creates nothing that outlives a process: no file, no
 * IPC object.  What a failure can leave is a process waiting for a turn
 * that never comes; that is why a WAIT also wakes up when its peer ends,
 * and fails (status 1) instead of waiting for ever.  The handlers stay
 * installed and the signals stay blocked until the process exits (a
 * program that exec()s after TELL_WAIT() passes the blocked mask on).
 */
#ifndef LAB15_SIGNALS_H
#define LAB15_SIGNALS_H

#include <signal.h>

#define SIG_TO_CHILD SIGUSR1
#define SIG_TO_PARENT SIGUSR2
#define SIG_HELLO SIGRTMIN
#define SIG_GONE SIGCHLD

/*
 * restart: a read() from an empty pipe, interrupted by SIGALRM every
 * RESTART_TICK_MS milliseconds (setitimer ITIMER_REAL).  The handler only
 * counts the signals that came while the program was reading; at the
 * RESTART_DATA_TICK-th it writes RESTART_DATA into the pipe (write() is
 * async-signal-safe).  Without SA_RESTART the first signal during the read
 * makes it fail with EINTR, long before the data comes; with SA_RESTART
 * the read goes on after each signal and returns the data.
 *
 * Cleanup: the pipe and the timer belong to the process and end with it.
 */
#define RESTART_SIGNAL SIGALRM
#define RESTART_TICK_MS 10
#define RESTART_DATA_TICK 3
#define RESTART_DATA "hello from the signal handler\n"

#endif
