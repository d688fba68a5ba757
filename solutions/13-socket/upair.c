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

/* The child: answer frames on fd until end of file. */
static noreturn void child(int fd)
{
    static char buf[US_MAX + 4];
    for (;;) {
        uint32_t be;
        ssize_t n = us_read_full(fd, &be, 4);
        if (n == 0)
            _exit(EXIT_SUCCESS);
        if (n == -1)
            die_child("child: read a length");
        uint32_t len = ntohl(be);
        if (len > US_MAX)
            die_child("child: a frame of %lu bytes", (unsigned long)len);
        if (len > 0 && us_read_full(fd, buf + 4, len) != (ssize_t)len)
            die_child("child: read a frame");
        memcpy(buf, &be, 4);
        us_upper(buf + 4, buf + 4, len);
        if (us_write_full(fd, buf, 4 + (size_t)len) == -1)
            die_child("child: write a reply");
    }
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
    if (fflush(stdout) == EOF)
        die("write stdout");

    int sv[2];
    pid_t pid;
    /* TODO 1: socketpair(AF_UNIX, SOCK_STREAM, 0, sv), then fork().  The
     * child closes sv[0] and runs child(sv[1]); the parent closes sv[1]
     * and talks on sv[0]. */
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
        die("socketpair");
    pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        close(sv[0]);
        child(sv[1]);
    }
    if (close(sv[1]) == -1)
        die("close");
    //> (void)sv;
    //> (void)child;
    //> pid = -1;
    //> die_msg("socketpair and fork: not written yet (TODO 1)");
    /* END TODO 1 */

    static char reply[US_MAX + 1];
    for (int i = 1; i < argc; i++) {
        uint32_t len = (uint32_t)strlen(argv[i]), be = htonl(len);
        if (us_write_full(sv[0], &be, 4) == -1 ||
            us_write_full(sv[0], argv[i], len) == -1)
            die("send TEXT %d", i);
        ssize_t n = us_read_full(sv[0], &be, 4);
        if (n != 4 || ntohl(be) != len ||
            (len > 0 && us_read_full(sv[0], reply, len) != (ssize_t)len))
            die_msg("no whole reply from the child for TEXT %d", i);
        printf("upair: %s -> %.*s\n", argv[i], (int)len, reply);
    }

    /* TODO 2: close sv[0] (the child then reads end of file and exits),
     * and reap the child with waitpid (again on EINTR).  Anything but a
     * normal exit with status 0: die_msg() saying how it ended. */
    if (close(sv[0]) == -1)
        die("close");
    int st;
    while (waitpid(pid, &st, 0) == -1)
        if (errno != EINTR)
            die("waitpid %ld", (long)pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die_msg("the child (pid %ld) failed", (long)pid);
    //> (void)pid;
    /* END TODO 2 */
    if (fflush(stdout) == EOF)
        die("write stdout");
    return EXIT_SUCCESS;
}
