/* internal.h - what the harness's own files share; tests never see it. */
#ifndef KIT_HARNESS_INTERNAL_H
#define KIT_HARNESS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The current test's io directory (stdin/stdout/stderr files, pids). */
const char *h_iodir(void);

/* Checked fixture: set-up that runs inside each test's process. */
void h_child_setup(void);

/* Runner side: remove what a test left behind; returns a description of
 * what had to be removed ("" if nothing).  Never fails. */
const char *h_cleanup(const char *workdir, const char *iodir);

/* Close every descriptor from fd up, in one call where the kernel has
 * close_range (Linux 5.9): a loop of close() calls costs a system call
 * per descriptor in each program started. */
void h_close_from(int fd);

/* rm -rf path; never fails (reports what it cannot remove). */
void h_rm_rf(const char *path);

/*
 * Find System V objects a test left: those keyed on workdir (ftok with any
 * project id) and segments created by a pid listed in iodir/pids.  Remove
 * them if asked.  Describes them in what; returns true if any were found.
 */
bool h_ipc_leftovers(const char *workdir, const char *iodir, bool remove,
                     char *what, size_t n);

/* ---- a hang explained (diag.c) ---- */

/* For every live descendant of the calling test process: where it is
 * stuck and why, from /proc.  malloc'd text (at most about 4 KB), or
 * NULL when no descendant is alive. */
char *h_diag_stuck(void);
/* The same, leading with focus (the program the test waited for) when
 * nothing else is clearly the root of the hang. */
char *h_diag_stuck_for(pid_t focus);
/* The CPU seconds the calling test's live descendants have used (with
 * what root's reaped children used), and the seconds they have been ready
 * to run but waited for a CPU, summed. */
void h_tree_cpu(pid_t root, double *used, double *waited, bool *starved);
/* A malloc'd copy of a diagnosis cut at a line end to at most max
 * bytes. */
char *h_diag_clip(const char *text, size_t max);
/* The message being built carries a diagnosis (how_ended put one in). */
void h_diag_shown(void);
/* The first byte of a failure message that carries a hang's diagnosis:
 * the runner then leaves the test's static "likely bug" hint out.  Only
 * h_fail puts it there (it strips it from everything else). */
#define H_DIAG_MARK '\001'
#define H_DIAG_MARK_S "\001"
/* Every program the test started, the ones that failed or wrote to stderr
 * first: one line each (command, how it ended, its last stderr line),
 * into buf (room bytes), but for those the message (already) shows with
 * their last stderr line; returns the length. */
size_t h_evidence(char *buf, size_t room, const char *already);
/* How p ended, in words: its status, the signal and what earned it, or
 * where it was stuck when it was killed at its limit (static buffer). */
const char *h_how_ended(const struct h_proc *p);
/* After it (or first), the mark of a failure in the test's set-up
 * (h_setup_begin): its programs could not start. */
#define H_SETUP_MARK '\002'
#define H_SETUP_MARK_S "\002"

/* ---- run.c, for the diagnosis ---- */

/* The command line of a live program the harness started; NULL if it did
 * not start pid. */
const char *h_cmd_of(pid_t pid);
/* True in a test's process (after its set-up began), false in the
 * runner. */
bool h_in_test(void);
/* The program most recently killed with a diagnosis the failure messages
 * have not shown yet (NULL if none); marks every one shown. */
const struct h_proc *h_stuck_unshown(void);
/* p's diagnosis is in the message being built. */
void h_stuck_mark(const struct h_proc *p);
/* The program whose output the test gave up waiting for (h_await_stdout
 * timed out while it ran), if the test has done nothing since; else 0. */
pid_t h_gave_up_on(void);
/* The test moves on (starts, waits, signals, measures): forget that. */
void h_moved_on(void);
#endif
