/*
 * ucli.c - a client of usrv: one framed request, one framed reply.
 *
 * Usage: ucli [--idle] TEXT
 *
 * ucli connects to ./usrv.sock (usock.h), sends TEXT (at most US_MAX
 * bytes) as one frame, reads the reply frame and prints it and a newline:
 *
 *     $ ./ucli "hi there"
 *     HI THERE
 *
 * --idle connects, prints "ucli: connected, idle" and then sends nothing
 * until a signal ends it: a client that a server serving one client at a
 * time would wait on for ever.
 *
 * No server: "ucli: no server on usrv.sock: start usrv first", status 1.
 * A server that closes without a whole reply: status 1, saying so.
 */
#define _DEFAULT_SOURCE /* struct sockaddr_un */

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
#include <sys/un.h>
#include <unistd.h>

#define USAGE "[--idle] TEXT"

/*
 * A socket connected to the server on US_PATH.  No server there (no such
 * path, or nobody listens on it): "no server on usrv.sock: start usrv
 * first", status 1.  Dies on any other failure.
 */
static int connect_server(void)
{
    int fd = -1;
    /* TODO 1: socket(AF_UNIX, SOCK_STREAM, 0), then connect() it to
     * US_PATH (a struct sockaddr_un: sun_family AF_UNIX, sun_path the
     * path).  ENOENT or ECONNREFUSED: die_msg() "no server on usrv.sock:
     * start usrv first".  Any other failure: die(). */
    die_msg("connect_server: not written yet (TODO 1)");
    /* END TODO 1 */
    return fd;
}

/* --idle: say so, then send nothing until a signal ends us. */
static noreturn void stay_idle(void)
{
    printf("%s: connected, idle\n", err_prog());
    if (fflush(stdout) == EOF)
        die("write stdout");
    for (;;)
        pause();
}

/* Send text (len bytes, at most US_MAX) on fd as one frame.  Dies when
 * the server is gone or a write fails. */
static void send_request(int fd, const char *text, size_t len)
{
    /* TODO 2: the frame: the 4-byte length in network byte order
     * (htonl), then the text, each with write_full(); a failure: die(). */
    (void)fd;
    (void)text;
    (void)len;
    die_msg("send_request: not written yet (TODO 2)");
    /* END TODO 2 */
}

/*
 * Read the reply frame from fd and print its bytes and a newline on
 * stdout.  Dies when the server closes before the whole frame, when it
 * announces more than US_MAX bytes, or when a read or the write fails.
 */
static void print_reply(int fd)
{
    /* TODO 3: read the 4-byte length with read_full(): -1 -> die(); 0 ->
     * die_msg() that the server closed without a reply; fewer than 4 ->
     * die_msg() that the reply was cut short.  ntohl() it, refuse more
     * than US_MAX (die_msg), malloc that many bytes plus one, read them
     * with read_full() (-1: die(); fewer: cut short), and write them and
     * a newline to stdout (fwrite; die() when it fails). */
    (void)fd;
    die_msg("print_reply: not written yet (TODO 3)");
    /* END TODO 3 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    int idle = argc == 3 && strcmp(argv[1], "--idle") == 0;
    if (argc != 2 + idle || (!idle && strncmp(argv[1], "--", 2) == 0))
        die_usage(USAGE);
    const char *text = argv[1 + idle];
    size_t len = strlen(text);
    if (len > US_MAX) {
        warn_msg("TEXT is %zu bytes, more than %u", len, US_MAX);
        die_usage(USAGE);
    }
    /* A server that vanishes mid-request: EPIPE, not death by SIGPIPE. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");

    int fd = connect_server();
    if (idle)
        stay_idle();
    send_request(fd, text, len);
    print_reply(fd);
    if (close(fd) == -1)
        die("close");
    if (fflush(stdout) == EOF)
        die("write stdout");
    return EXIT_SUCCESS;
}
