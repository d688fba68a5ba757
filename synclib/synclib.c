/*
 * synclib.c - TELL/WAIT between a parent and its child over two pipes.
 * See synclib.h for the contract.
 *
 * Which side a process is on is decided by its pid: the process that called
 * TELL_WAIT() is the parent, any other process holding the pipes (a child
 * of fork()) is the child.  That lets us catch TELL_WAIT() called after
 * fork(): then both processes are "the parent" of their own private pipes.
 */
#include "synclib.h"

#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum role { ROLE_NONE, ROLE_PARENT, ROLE_CHILD };

static int to_child[2] = {-1, -1};  /* parent writes 'p', child reads */
static int to_parent[2] = {-1, -1}; /* child writes 'c', parent reads */
static pid_t creator;               /* pid of the TELL_WAIT() caller */
static enum role role;              /* set on this process's first call */

/* Report a failure and end the process: a child must not flush stdio. */
static _Noreturn void fail(bool with_errno, const char *what)
{
    if (getpid() != creator) {
        if (with_errno)
            die_child("%s", what);
        warn_msg("%s", what);
        _exit(EXIT_FAIL);
    }
    if (with_errno)
        die("%s", what);
    die_msg("%s", what);
}

static void close_end(int *fd)
{
    if (*fd != -1 && close(*fd) == -1)
        fail(true, "synclib: close");
    *fd = -1;
}

void TELL_WAIT(void)
{
    /* A second TELL_WAIT() in the same process starts afresh. */
    close_end(&to_child[0]);
    close_end(&to_child[1]);
    close_end(&to_parent[0]);
    close_end(&to_parent[1]);
    creator = getpid();
    role = ROLE_NONE;

    if (pipe(to_child) == -1 || pipe(to_parent) == -1)
        die("TELL_WAIT: pipe");
    int fds[] = {to_child[0], to_child[1], to_parent[0], to_parent[1]};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fcntl(fds[i], F_SETFD, FD_CLOEXEC) == -1)
            die("TELL_WAIT: fcntl FD_CLOEXEC");
}

/*
 * Check that the caller is on side `want`, and on its first call close the
 * two ends this side never uses.  Without that, a WAIT would keep a write
 * end of its own pipe open and never see end-of-file when the peer dies.
 */
static void enter(enum role want, const char *fn)
{
    static char msg[160];
    if (creator == 0) {
        snprintf(msg, sizeof msg, "%s: TELL_WAIT() was not called", fn);
        fail(false, msg);
    }
    enum role actual = getpid() == creator ? ROLE_PARENT : ROLE_CHILD;
    if (actual != want) {
        snprintf(msg, sizeof msg,
                 want == ROLE_CHILD
                     ? "%s: called in the process that called TELL_WAIT(); "
                       "call TELL_WAIT() before fork(), and %s only in the "
                       "child"
                     : "%s: called in a child; call %s only in the parent",
                 fn, fn);
        fail(false, msg);
    }
    if (role != ROLE_NONE)
        return;
    role = actual;
    if (role == ROLE_PARENT) {
        close_end(&to_child[0]);
        close_end(&to_parent[1]);
    } else {
        close_end(&to_child[1]);
        close_end(&to_parent[0]);
    }
}

/*
 * Write one byte.  SIGPIPE is blocked around the write so that a dead peer
 * gives EPIPE, which we report, instead of killing us without a word.
 */
static void tell(int fd, char c, const char *fn)
{
    sigset_t pipe_only, old;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    if (sigprocmask(SIG_BLOCK, &pipe_only, &old) == -1)
        fail(true, "synclib: sigprocmask");

    ssize_t n;
    do
        n = write(fd, &c, 1);
    while (n == -1 && errno == EINTR);
    int saved = errno;

    if (n == -1 && saved == EPIPE && !sigismember(&old, SIGPIPE)) {
        /* Take the SIGPIPE our write raised before unblocking it. */
        struct timespec zero = {0, 0};
        (void)sigtimedwait(&pipe_only, NULL, &zero);
    }
    if (sigprocmask(SIG_SETMASK, &old, NULL) == -1)
        fail(true, "synclib: sigprocmask");

    static char msg[160];
    if (n == -1 && saved == EPIPE) {
        snprintf(msg, sizeof msg, "%s: the %s has exited", fn,
                 c == 'p' ? "child" : "parent");
        fail(false, msg);
    }
    if (n != 1) {
        errno = saved;
        snprintf(msg, sizeof msg, "%s: write", fn);
        fail(true, msg);
    }
}

/* Read one byte and check it is the one the other side sends. */
static void wait_for(int fd, char want, const char *fn, const char *peer_tell)
{
    char c;
    ssize_t n;
    do
        n = read(fd, &c, 1);
    while (n == -1 && errno == EINTR);

    static char msg[160];
    if (n == -1) {
        snprintf(msg, sizeof msg, "%s: read", fn);
        fail(true, msg);
    }
    if (n == 0) {
        snprintf(msg, sizeof msg, "%s: the %s exited without calling %s", fn,
                 want == 'c' ? "child" : "parent", peer_tell);
        fail(false, msg);
    }
    if (c != want) {
        snprintf(msg, sizeof msg, "%s: expected byte '%c', read 0x%02x", fn,
                 want, (unsigned char)c);
        fail(false, msg);
    }
}

void TELL_CHILD(void)
{
    enter(ROLE_PARENT, "TELL_CHILD");
    tell(to_child[1], 'p', "TELL_CHILD");
}

void WAIT_CHILD(void)
{
    enter(ROLE_PARENT, "WAIT_CHILD");
    wait_for(to_parent[0], 'c', "WAIT_CHILD", "TELL_PARENT");
}

void TELL_PARENT(void)
{
    enter(ROLE_CHILD, "TELL_PARENT");
    tell(to_parent[1], 'c', "TELL_PARENT");
}

void WAIT_PARENT(void)
{
    enter(ROLE_CHILD, "WAIT_PARENT");
    wait_for(to_child[0], 'p', "WAIT_PARENT", "TELL_CHILD");
}
