/*
 * upair.c - a parent and a child that talk over a socketpair, with the
 * framing of usrv and ucli.
 *
 * Usage: upair TEXT...
 *
 * upair makes a connected pair of UNIX stream sockets (socketpair) and
 * forks.  The child keeps one end and answers every frame it reads with
 * the bytes in upper case, until end of file.  The parent keeps the other,
 * sends each TEXT as a frame, reads the answer and prints a line per TEXT;
 * then it closes its end (the child's end of file), and reaps the child:
 *
 *     $ ./upair one Two
 *     upair: one -> ONE
 *     upair: Two -> TWO
 *
 * No path, no name: the pair exists only in the two processes, and goes
 * with them.  Status 1 if anything fails, the child included.
 */
#include "err.h"
#include "usock.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define USAGE "TEXT..."

/* The child's way out on a broken frame (no errno to report): the
 * message, then _exit, leaving the parent's stdio buffers alone. */
static noreturn void child_quits(const char *what)
{
    warn_msg("child: %s", what);
    _exit(EXIT_FAIL);
}

/* The child: answer frames on fd until end of file. */
static noreturn void child(int fd)
{
    static char buf[US_MAX + 4];
    for (;;) {
        uint32_t be;
        ssize_t n = read_full(fd, &be, 4);
        if (n == 0)
            _exit(EXIT_SUCCESS); /* the parent closed its end */
        if (n == -1)
            die_child("child: read a length");
        uint32_t len = ntohl(be);
        if (n != 4 || len > US_MAX)
            child_quits("a length cut short, or more than US_MAX");
        n = read_full(fd, buf + 4, len);
        if (n == -1)
            die_child("child: read a frame");
        if (n != (ssize_t)len)
            child_quits("a frame cut short");
        memcpy(buf, &be, 4);
        us_upper(buf + 4, buf + 4, len);
        if (write_full(fd, buf, 4 + (size_t)len) == -1)
            die_child("child: write a reply");
    }
}

/*
 * Make a connected pair of sockets and fork a child that runs child() on
 * one end.  Returns the child's pid; *fd is the parent's end, and the
 * parent holds no other.  Dies on any failure.
 */
static pid_t start_child(int *fd)
{
    pid_t pid = -1;
    /* TODO 1: socketpair(AF_UNIX, SOCK_STREAM, 0, sv), then fork().  The
     * child closes sv[0] and runs child(sv[1]); the parent closes sv[1]
     * (else the child would never read end of file) and keeps sv[0]. */
    (void)fd;
    (void)child;
    die_msg("start_child: not written yet (TODO 1)");
    /* END TODO 1 */
    return pid;
}

/* Send TEXT number i as a frame on fd, read the child's answer and print
 * the line "upair: TEXT -> REPLY".  Dies when the child does not answer
 * with a whole frame of the same length. */
static void ask(int fd, int i, const char *text)
{
    static char reply[US_MAX + 1];
    uint32_t len = (uint32_t)strlen(text), be = htonl(len);
    if (write_full(fd, &be, 4) == -1 || write_full(fd, text, len) == -1)
        die("send TEXT %d", i);
    ssize_t n = read_full(fd, &be, 4);
    if (n != 4 || ntohl(be) != len || read_full(fd, reply, len) != (ssize_t)len)
        die_msg("no whole reply from the child for TEXT %d", i);
    printf("upair: %s -> %.*s\n", text, (int)len, reply);
}

/*
 * Close the parent's end fd (the child then reads end of file and
 * exits), and reap the child pid.  Dies, saying how it ended, unless it
 * exited with status 0.
 */
static void end_child(int fd, pid_t pid)
{
    /* TODO 2: close fd, and reap the child with waitpid (again on EINTR).
     * Anything but a normal exit with status 0: die_msg() saying how it
     * ended. */
    (void)fd;
    (void)pid;
    die_msg("end_child: not written yet (TODO 2)");
    /* END TODO 2 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc < 2)
        die_usage(USAGE);
    for (int i = 1; i < argc; i++)
        if (strlen(argv[i]) > US_MAX) {
            warn_msg("TEXT %d is more than %u bytes", i, US_MAX);
            die_usage(USAGE);
        }
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");
    /* Nothing buffered when we fork: the child must not print it too. */
    if (fflush(stdout) == EOF)
        die("write stdout");

    int fd = -1;
    pid_t pid = start_child(&fd);
    for (int i = 1; i < argc; i++)
        ask(fd, i, argv[i]);
    end_child(fd, pid);
    if (fflush(stdout) == EOF)
        die("write stdout");
    return EXIT_SUCCESS;
}
