/*
 * restart.c - what SA_RESTART does to a read() that a signal interrupts.
 *
 * Usage: restart [-r]
 *
 * The program makes a pipe, installs a handler for SIGALRM (with
 * SA_RESTART if -r is given, without it otherwise), starts a timer that
 * sends SIGALRM every 10 ms, and reads from the empty pipe.  Nothing but
 * the handler ever writes into the pipe: at the third signal that comes
 * while the program reads, the handler writes one line into it.
 *
 * Without -r the first signal during the read makes read() fail with
 * EINTR, long before the data is there:
 *
 *     $ ./restart
 *     reading from an empty pipe, SIGALRM every 10 ms, without SA_RESTART
 *     read interrupted: EINTR
 *
 * With -r the kernel restarts the read after each handler returns, and it
 * returns the handler's line:
 *
 *     $ ./restart -r
 *     reading from an empty pipe, SIGALRM every 10 ms, with SA_RESTART
 *     read completed after 3 signals: hello from the signal handler
 *
 * Either way the exit status is 0: the program shows what happened.  It is
 * 1 when a call fails, 2 on a bad command line.  The test does not depend
 * on timing: a signal that comes before the read starts is only counted
 * once the program is about to read, and the timer goes on until the read
 * has returned, so some signal always comes while the read is blocked.
 *
 * Cleanup: the pipe and the timer end with the process; the timer is
 * stopped as soon as the read returns.
 */
#include "err.h"
#include "signals.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define USAGE "[-r]"

/* Set just before read(): from then on the handler counts signals. */
static volatile sig_atomic_t reading;
/* Signals that came while reading. */
static volatile sig_atomic_t ticks;
/* The pipe's write end, for the handler. */
static int pipe_out = -1;

/*
 * The handler: only async-signal-safe work.  Count the signal; at the
 * RESTART_DATA_TICK-th, write the line into the pipe (one write() of fewer
 * than PIPE_BUF bytes: all or nothing).  errno is saved and restored, as
 * write() may change it under the interrupted code.
 */
static void on_alarm(int sig)
{
    (void)sig;
    if (!reading)
        return;
    ticks = ticks + 1;
    if (ticks == RESTART_DATA_TICK) {
        int saved = errno;
        ssize_t n = write(pipe_out, RESTART_DATA, strlen(RESTART_DATA));
        (void)n; /* a failed write shows as a read that never ends */
        errno = saved;
    }
}

/* Start (ms > 0) or stop (ms == 0) the SIGALRM timer. */
static void set_timer(long ms)
{
    struct itimerval t;
    t.it_value.tv_sec = ms / 1000;
    t.it_value.tv_usec = (ms % 1000) * 1000;
    t.it_interval = t.it_value;
    if (setitimer(ITIMER_REAL, &t, NULL) == -1)
        die("setitimer ITIMER_REAL %ld ms", ms);
}

/* Install on_alarm for RESTART_SIGNAL, with SA_RESTART when restart is
 * true and without it otherwise.  Dies when a call fails. */
static void install_handler(bool restart)
{
    /* TODO 1: sigaction() with on_alarm, an empty sa_mask, and sa_flags
     * SA_RESTART when restart is set, 0 otherwise.  That one flag is the
     * whole difference between the two runs. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    if (sigemptyset(&sa.sa_mask) == -1)
        die("sigemptyset");
    sa.sa_flags = restart ? SA_RESTART : 0;
    if (sigaction(RESTART_SIGNAL, &sa, NULL) == -1)
        die("sigaction SIGALRM");
    //> (void)on_alarm;
    //> (void)restart;
    /* END TODO 1 */
}

/*
 * One read() of at most size bytes from fd into buf, with the timer
 * ticking while it waits.  Returns what read() returned; when that is -1,
 * *err is read()'s errno (stopping the timer may change errno).  The
 * timer is stopped, and reading cleared, on return.
 */
static ssize_t read_ticking(int fd, char *buf, size_t size, int *err)
{
    ssize_t n = -1;
    /* TODO 2: start the timer (set_timer), set reading, read() once, keep
     * errno in *err, then stop the timer and clear reading.  Do not retry
     * on EINTR: seeing EINTR is the point. */
    set_timer(RESTART_TICK_MS);
    reading = 1;
    n = read(fd, buf, size);
    *err = errno;
    set_timer(0);
    reading = 0;
    //> (void)fd;
    //> (void)buf;
    //> (void)size;
    //> (void)set_timer;
    //> *err = ENOSYS;
    /* END TODO 2 */
    return n;
}

/*
 * Say how the read ended: n and err as read_ticking() gave them, buf
 * holding the n bytes read (and room for one more).  Dies (status 1) when
 * the read failed with anything but EINTR.
 */
static void report(ssize_t n, int err, char *buf)
{
    /* TODO 3: "read interrupted: EINTR" when read() failed with EINTR;
     * die_errno(err, "read pipe") for any other failure; else "read
     * completed after RESTART_DATA_TICK signals: " and the data. */
    if (n == -1 && err == EINTR) {
        printf("read interrupted: EINTR\n");
    } else if (n == -1) {
        die_errno(err, "read pipe");
    } else {
        buf[n] = '\0';
        printf("read completed after %d signals: %s", RESTART_DATA_TICK, buf);
    }
    //> (void)n;
    //> (void)err;
    //> (void)buf;
    //> die_msg("report: not written yet (TODO 3)");
    /* END TODO 3 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    bool restart = false;
    if (argc == 2 && strcmp(argv[1], "-r") == 0)
        restart = true;
    else if (argc != 1)
        die_usage(USAGE);

    int fds[2];
    if (pipe(fds) == -1)
        die("pipe");
    pipe_out = fds[1];
    install_handler(restart);

    /* Say what is coming before the timer starts: a signal could
     * interrupt this write too. */
    printf("reading from an empty pipe, SIGALRM every %d ms, %s SA_RESTART\n",
           RESTART_TICK_MS, restart ? "with" : "without");
    if (fflush(stdout) == EOF)
        die("write stdout");

    char buf[128];
    int err = 0;
    ssize_t n = read_ticking(fds[0], buf, sizeof buf - 1, &err);
    report(n, err, buf);

    if (fflush(stdout) == EOF)
        die("write stdout");
    if (close(fds[0]) == -1 || close(fds[1]) == -1)
        die("close pipe");
    return EXIT_SUCCESS;
}
