/*
 * harness.h - the kit's grading harness, used by every lab's test file.
 *
 * A lab's tests treat the student's programs as black boxes: each test
 * starts the built programs with fork+exec, feeds them stdin, captures
 * stdout and stderr in files, bounds them in time, and checks what they did.
 * No student code ever runs inside the test process, so nothing a student
 * program does or prints can make a test pass.
 *
 * A test file looks like this:
 *
 *     #include "harness.h"
 *
 *     START_TEST(hello)
 *     {
 *         struct h_proc *p = h_run(NULL, "pipe", NULL);
 *         h_expect_exit(p, 0);
 *         h_expect_stdout(p, "Hello, World!\n");
 *     }
 *     END_TEST
 *
 *     static const struct h_test tests[] = {
 *         {&hello, 2, "prints the default message",
 *          "the message arrives changed, or with a NUL byte after it"},
 *     };
 *     H_LAB("01-pipe", "pipe.c", "pipe", tests)
 *
 * Each test runs in its own process (Check's fork mode) with its own empty
 * working directory; whatever it leaves behind (processes, FIFOs, System V
 * objects keyed on that directory) is removed after it, pass or fail.
 *
 * Every time limit is multiplied by the environment variable
 * CK_TIMEOUT_MULTIPLIER (the kit's one knob for slow machines; `make grade
 * TIMEOUT_SCALE=4` sets it).
 */
#ifndef KIT_HARNESS_H
#define KIT_HARNESS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- the test table ---------------------------------------------------- */

struct h_test {
    const TTest *const *fn; /* &name, for START_TEST(name) */
    int points;             /* what a pass is worth */
    const char *what;       /* the behaviour checked, one line */
    const char *bug;        /* the student bug it catches, one line */
    double timeout;         /* Check's bound for the whole test; 0 = 20 s */
};

struct h_lab {
    const char *name;  /* "01-pipe" */
    const char *files; /* files the student edits, space-separated */
    const char *progs; /* programs the lab builds, space-separated */
    const struct h_test *tests;
    size_t ntests;
};

int h_main(const struct h_lab *lab, int argc, char **argv);

/*
 * Hidden tests: an instructor's extra tests for a lab, in
 * tests/hidden/NN-topic.c, which is never shipped to students (make
 * dist-student leaves tests/hidden out).  That file ends with
 * H_HIDDEN(table); its tests run after the public ones and carry the
 * visibility KIT_HIDDEN_VISIBILITY (default "after_published") in
 * results.json.
 */
extern const struct h_test *const h_hidden_tests __attribute__((weak));
extern const size_t h_hidden_count __attribute__((weak));
#define H_HIDDEN(table)                                                        \
    const struct h_test *const h_hidden_tests = table;                         \
    const size_t h_hidden_count = sizeof table / sizeof table[0];

#define H_LAB(name, files, progs, table)                                       \
    int main(int argc, char **argv)                                            \
    {                                                                          \
        static const struct h_lab lab = {name, files, progs, table,            \
                                         sizeof table / sizeof table[0]};      \
        return h_main(&lab, argc, argv);                                       \
    }

/* ---- running programs -------------------------------------------------- */

/* Seconds a program may run before it is killed, before scaling. */
#define H_TIMEOUT 3.0

struct h_opts {
    const char *in;         /* bytes for stdin; NULL: /dev/null */
    size_t in_len;          /* 0: strlen(in) */
    const char *cwd;        /* NULL: the test's work directory */
    const char *const *env; /* extra "NAME=value" strings, NULL-ended */
    double timeout;         /* 0: H_TIMEOUT (h_run only) */
};

/* A program started by the harness, and, once it ended, what it did. */
struct h_proc {
    pid_t pid;
    char cmd[256]; /* the command line, for messages */
    char out_path[4096], err_path[4096];
    bool done;       /* reaped */
    int status;      /* wait status, once done */
    bool timed_out;  /* killed by the harness at its time limit */
    double secs;     /* how long it ran */
    char *out, *err; /* stdout and stderr, NUL-terminated, once done */
    size_t out_len, err_len;
    int orphans; /* its children still unreaped when it exited */
    /* Where it and the other programs of the test were stuck when the
     * harness killed it at its time limit (or killed the children it
     * left running at theirs): the system call each was blocked in and
     * why, read from /proc just before the kill; NULL if nothing was
     * killed.  Lines indented by 4 or more spaces; failure messages show
     * it. */
    char *stuck;
};

/* Start a program of the lab (or an absolute path); args end with NULL. */
struct h_proc *h_start(const struct h_opts *o, const char *prog, ...);
struct h_proc *h_startv(const struct h_opts *o, const char *prog,
                        const char *const argv[]);

/*
 * Wait up to timeout seconds (scaled; 0: H_TIMEOUT) for p to exit.  On
 * timeout it and everything it started is killed and p->timed_out is set.
 * Then its orphans (children it never reaped) are counted, waited for with
 * the same bound, and its output is read.  Returns !p->timed_out.
 */
bool h_wait(struct h_proc *p, double timeout);

/*
 * Between h_setup_begin() and h_setup_end() a test starts what its check
 * needs (a server, waited for until it says it is ready).  A failure
 * there means the programs could not start: the report shows that cause
 * instead of the test's hint, and when several tests fail the same way it
 * leads with it once instead of repeating it.
 */
void h_setup_begin(void);
void h_setup_end(void);

/*
 * Start prog (args end with NULL) as a set-up step and wait until its
 * stdout holds ready (a line, flushed); fail as a failed start-up, with
 * its output and where it is stuck, if it does not come.
 */
struct h_proc *h_start_ready(const struct h_opts *o, const char *ready,
                             const char *prog, ...);

/* Start and wait: the common case. */
struct h_proc *h_run(const struct h_opts *o, const char *prog, ...);
struct h_proc *h_runv(const struct h_opts *o, const char *prog,
                      const char *const argv[]);

/* Send a signal to p (if it is still running). */
void h_kill(struct h_proc *p, int sig);

/* Block (no sleeping) until p's stdout contains text; false on timeout. */
bool h_await_stdout(struct h_proc *p, const char *text, double timeout);

/* Block until path exists (inotify, no polling); false on timeout. */
bool h_await_path(const char *path, double timeout);

/* ---- checks: each fails the test with expected / got / command --------- */

void h_expect_exit(const struct h_proc *p, int code);
void h_expect_failure(const struct h_proc *p); /* exit status 1..125 */
void h_expect_stdout(const struct h_proc *p, const char *want);
void h_expect_stdout_bytes(const struct h_proc *p, const void *want,
                           size_t len);
void h_expect_stdout_empty(const struct h_proc *p);
void h_expect_stderr_empty(const struct h_proc *p);
/* stderr contains each of the given words (case-insensitive); NULL-ended. */
void h_expect_stderr_has(const struct h_proc *p, ...);
void h_expect_reaped(const struct h_proc *p);
/* No FIFO or socket is left in dir (NULL: the work directory). */
void h_expect_no_fifos(const char *dir);
/* No System V object keyed on the work directory or created by a program
 * of this test is left, and no POSIX object named for it (h_ipc_name). */
void h_expect_no_ipc(void);

/* ---- a program while it runs (Linux /proc) ---------------------------- */

double h_now(void); /* CLOCK_MONOTONIC, in seconds */
/* pid's state letter in /proc/pid/stat: 'R' running, 'S' asleep in the
 * kernel, 'T' stopped, 'Z' a zombie...; '?' when pid is gone. */
char h_proc_state(pid_t pid);
/* Wait up to timeout seconds (scaled; 0: 1 s) until pid is asleep in the
 * system call numbered nr (SYS_msgrcv...): a signal sent then surely
 * interrupts that call.  False if it never was. */
bool h_await_in_call(pid_t pid, long nr, double timeout);
/* Wait up to timeout seconds (scaled, extended once on a busy machine;
 * 0: H_TIMEOUT) until pid is stopped ('T', after SIGSTOP or a raise of
 * it).  False if it never was, or is gone. */
bool h_await_stopped(pid_t pid, double timeout);
/* CPU seconds (user + system) pid has used so far; -1 when it is gone. */
double h_cpu_secs(pid_t pid);
/* p, still running, has waited since t0 (h_now()) for what `doing` says:
 * it must have used under 20% of a CPU (and 30 ms to start), else it
 * spins and the test fails with the lab's hint on how to sleep instead. */
void h_expect_idle(struct h_proc *p, double t0, const char *doing,
                   const char *hint);

/* Fail with a formatted message (the command is not added).  When
 * programs of the test are still running, or one was killed at its time
 * limit and the message does not say where it was stuck, the message
 * gets that diagnosis added. */
#define h_fail(...) h_fail_msg(__VA_ARGS__)
_Noreturn void h_fail_msg(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* ---- helpers ----------------------------------------------------------- */

double h_scale(double secs); /* secs * CK_TIMEOUT_MULTIPLIER */

/*
 * A test's own bounded wait (a msgrcv, a poll, a read from a FIFO) with
 * the time rule h_wait uses: at the limit, the time grows once when the
 * test's programs were slow, not stuck (ready to run but given no CPU on
 * a busy machine).
 *     struct h_budget b = h_budget(H_TIMEOUT);
 *     double left;
 *     while (!done && (left = h_budget_left(&b)) > 0)
 *         ...wait at most left seconds...
 */
struct h_budget {
    double start, limit, deadline;
    bool extended;
};
struct h_budget h_budget(double secs); /* secs scaled */
/* Seconds left (> 0), or 0 once the time is up. */
double h_budget_left(struct h_budget *b);
const char *h_workdir(void);          /* this test's empty working directory */
const char *h_path(const char *name); /* workdir/name (a static ring) */
const char *h_prog(const char *name); /* the lab's built program */
/* The POSIX IPC name ("/ipckit-tag-uid-dev-ino") a program of the lab gets
 * from synclib's ipc_name(tag) when run in the work directory (static
 * ring). */
const char *h_ipc_name(const char *tag);
void h_write_file(const char *path, const void *data, size_t len);
char *h_read_file(const char *path, size_t *len); /* NULL if missing */
/* Printable, escaped, truncated copy of data for messages (static ring). */
const char *h_quote(const char *data, size_t len);
/* A copy of s with every run of decimal digits replaced by one '#'. */
char *h_hide_digits(const char *s);
/* Count of lines in s equal to line. */
int h_count_lines(const char *s, const char *line);

#endif
