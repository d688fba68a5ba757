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

    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd == -1)
        die("socket");
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", US_PATH);
    /* TODO 1: connect() to a.  ENOENT or ECONNREFUSED: die_msg() "no
     * server on usrv.sock: start usrv first".  With --idle: print "ucli:
     * connected, idle" (flushed) and pause() until a signal ends us.
     * Otherwise send the frame: the 4-byte length in network byte order
     * (htonl), then the text, with us_write_full(). */
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == -1) {
        if (errno == ENOENT || errno == ECONNREFUSED)
            die_msg("no server on %s: start usrv first", US_PATH);
        die("connect %s", US_PATH);
    }
    if (idle) {
        printf("%s: connected, idle\n", err_prog());
        if (fflush(stdout) == EOF)
            die("write stdout");
        for (;;)
            pause();
    }
    uint32_t be = htonl((uint32_t)len);
    if (us_write_full(fd, &be, 4) == -1 || us_write_full(fd, text, len) == -1)
        die("send the request to %s", US_PATH);
    //> (void)idle;
    //> (void)len;
    //> (void)text;
    //> (void)a;
    //> die_msg("connect and send: not written yet (TODO 1)");
    /* END TODO 1 */

    /* TODO 2: read the reply's 4-byte length with us_read_full (0 or -1:
     * die naming it), ntohl it, refuse more than US_MAX, read that many
     * bytes, and write them and a newline to stdout. */
    ssize_t n = us_read_full(fd, &be, 4);
    if (n == 0)
        die_msg("the server closed the connection without a reply");
    if (n == -1)
        die("read the reply's length");
    uint32_t rlen = ntohl(be);
    if (rlen > US_MAX)
        die_msg("the reply announces %lu bytes, more than %u",
                (unsigned long)rlen, US_MAX);
    char *reply = malloc(rlen + 1u);
    if (reply == NULL)
        die("malloc");
    n = us_read_full(fd, reply, rlen);
    if (rlen > 0 && n == 0)
        die_msg("the reply was cut short");
    if (rlen > 0 && n != (ssize_t)rlen)
        die("read the reply");
    reply[rlen] = '\n';
    if (fwrite(reply, 1, rlen + 1u, stdout) != rlen + 1u)
        die("write stdout");
    free(reply);
    /* END TODO 2 */
    if (close(fd) == -1)
        die("close");
    if (fflush(stdout) == EOF)
        die("write stdout");
    return EXIT_SUCCESS;
}
