/*
 * usrv.c - a UNIX-domain stream server that serves many clients at once
 * with ppoll().
 *
 * Usage: usrv [-n COUNT]
 *
 * usrv listens on ./usrv.sock (usock.h), says "usrv: ready", and serves
 * every client that connects: it reads one framed request, answers with
 * one framed reply (the bytes in upper case) and closes the connection.
 * One process, one ppoll() loop, every socket non-blocking: a client that
 * connects and sends nothing, or sends a byte at a time, delays nobody.
 * It stops after COUNT clients (1 to 1000000) or, without -n, on SIGINT
 * or SIGTERM:
 *
 *     $ ./usrv                           $ ./ucli "hi there"
 *     usrv: ready                        HI THERE
 *     ^C
 *     usrv: SIGINT: removed usrv.sock (clients served: 1)
 *
 * A client that announces more than US_MAX bytes, closes early, or
 * vanishes before its reply is written is dropped with a line on stderr
 * ("usrv: client 3: ..."); the others go on.  SIGPIPE is ignored, so a
 * write to a vanished client fails with EPIPE instead of killing usrv.
 *
 * Cleanup: usrv unlinks usrv.sock on every way out once it has bound it:
 * after COUNT clients, on SIGINT and SIGTERM (status 0), on every error
 * (atexit).  At start-up a leftover usrv.sock that nobody listens on (a
 * killed server's) is removed; a live server's, or a file that is not a
 * socket, is refused with status 1 and left alone.
 */
#define _GNU_SOURCE /* ppoll() (POSIX only since 2024) */

#include "err.h"
#include "usock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#define USAGE "[-n COUNT]"

/* One client: where it is in its exchange. */
struct conn {
    int fd;               /* -1: the slot is free */
    unsigned id;          /* for messages: the n-th connection */
    unsigned char hdr[4]; /* the length, as it arrives */
    size_t hdr_got;
    uint32_t len;         /* the request's length, once hdr is whole */
    char *buf;            /* request, then reply: 4 + len bytes */
    size_t got;           /* request bytes read so far */
    size_t sent;          /* reply bytes written so far; writing when buf
                             holds the reply */
    bool writing;
};

static volatile sig_atomic_t stop_signal;
static bool bound; /* usrv.sock is ours to remove */
static struct conn conns[US_MAX_CONN];

static void on_stop(int sig)
{
    stop_signal = sig;
}

static void remove_path(void)
{
    /* TODO 4: if bound, unlink(US_PATH) (ENOENT: gone already; any other
     * failure: warn_sys()) and clear bound. */
    if (bound && unlink(US_PATH) == -1 && errno != ENOENT)
        warn_sys("unlink %s", US_PATH);
    bound = false;
    //> (void)bound;
    /* END TODO 4 */
}

static struct sockaddr_un address(void)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", US_PATH);
    return a;
}

/* Make the listening socket on US_PATH, after dealing with a leftover. */
static int listen_here(void)
{
    struct sockaddr_un a = address();
    int fd = -1;
    /* TODO 1: if US_PATH exists (lstat): not a socket (S_ISSOCK) ->
     * die_msg() that it is not a socket and is left alone.  A socket:
     * try to connect() to it with a fresh socket.  It works: another usrv
     * listens here, die_msg() saying so.  ECONNREFUSED: nobody listens,
     * a killed server left it: unlink it and say so on stderr
     * (warn_msg).  Then socket(AF_UNIX, SOCK_STREAM, 0), bind() (set
     * bound at once), listen() with a backlog of at least 128, and make
     * fd non-blocking (fcntl O_NONBLOCK) so accept() never blocks the
     * loop. */
    struct stat st;
    if (lstat(US_PATH, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            die_msg("%s exists and is not a socket: left alone (move it "
                    "away)", US_PATH);
        int probe = socket(AF_UNIX, SOCK_STREAM, 0);
        if (probe == -1)
            die("socket");
        if (connect(probe, (struct sockaddr *)&a, sizeof a) == 0)
            die_msg("another usrv listens on %s in this directory", US_PATH);
        if (errno != ECONNREFUSED)
            die("connect %s", US_PATH);
        close(probe);
        if (unlink(US_PATH) == -1)
            die("unlink stale %s", US_PATH);
        warn_msg("removed a stale %s (nobody listened on it)", US_PATH);
    } else if (errno != ENOENT) {
        die("lstat %s", US_PATH);
    }
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd == -1)
        die("socket");
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == -1)
        die("bind %s", US_PATH);
    bound = true;
    if (listen(fd, 128) == -1)
        die("listen %s", US_PATH);
    if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
        die("fcntl O_NONBLOCK");
    //> (void)a;
    //> die_msg("listen_here: not written yet (TODO 1)");
    /* END TODO 1 */
    return fd;
}

static void drop(struct conn *c, const char *why)
{
    if (why != NULL)
        warn_msg("client %u: %s", c->id, why);
    close(c->fd);
    free(c->buf);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

/* The request is whole: turn buf into the reply. */
static void to_reply(struct conn *c)
{
    uint32_t be = htonl(c->len);
    memmove(c->buf + 4, c->buf, c->len);
    memcpy(c->buf, &be, 4);
    us_upper(c->buf + 4, c->buf + 4, c->len);
    c->writing = true;
    c->sent = 0;
}

/*
 * c is readable: read what is there.  A read may bring any number of
 * bytes from 1 up; keep counts and come back on the next POLLIN.
 */
static void read_some(struct conn *c)
{
    /* TODO 2: while the 4 header bytes are not all in (hdr_got < 4): read
     * into hdr + hdr_got.  Once they are: len = ntohl(them); more than
     * US_MAX -> drop(c, "announced N bytes, more than US_MAX"); else
     * malloc 4 + len bytes into buf.  Then read the body into buf + got
     * until len bytes are in, and call to_reply().  Every read: EAGAIN
     * (nothing more now) -> return and wait for the next POLLIN; EINTR ->
     * read again; 0 (end of file) before the request is whole -> drop(c,
     * "closed before its request was whole"); other errors -> drop(c,
     * strerror). */
    for (;;) {
        char *dst;
        size_t want;
        if (c->hdr_got < 4) {
            dst = (char *)c->hdr + c->hdr_got;
            want = 4 - c->hdr_got;
        } else {
            dst = c->buf + c->got;
            want = c->len - c->got;
        }
        ssize_t n = want > 0 ? read(c->fd, dst, want) : 0;
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n == -1) {
            drop(c, strerror(errno));
            return;
        }
        if (n == 0 && want > 0) {
            drop(c, "closed before its request was whole");
            return;
        }
        if (c->hdr_got < 4) {
            c->hdr_got += (size_t)n;
            if (c->hdr_got < 4)
                continue;
            uint32_t be;
            memcpy(&be, c->hdr, 4);
            c->len = ntohl(be);
            if (c->len > US_MAX) {
                char why[96];
                snprintf(why, sizeof why,
                         "announced %lu bytes, more than %u: dropped",
                         (unsigned long)c->len, US_MAX);
                drop(c, why);
                return;
            }
            c->buf = malloc(4 + (size_t)c->len);
            if (c->buf == NULL)
                die("malloc %lu bytes", (unsigned long)c->len + 4);
            c->got = 0;
        } else {
            c->got += (size_t)n;
        }
        if (c->hdr_got == 4 && c->got == c->len) {
            to_reply(c);
            return;
        }
    }
    //> (void)to_reply;
    //> drop(c, "read_some: not written yet (TODO 2)");
    /* END TODO 2 */
}

/* c is writable: write what the socket takes.  true when the reply is
 * all out (the client is served). */
static bool write_some(struct conn *c)
{
    /* TODO 3: loop: write(c->fd, buf + sent, 4 + len - sent).  Count what
     * went.  All out: drop(c, NULL), return true.  EAGAIN: return false
     * and wait for POLLOUT.  EINTR: again.  EPIPE or ECONNRESET (the
     * client vanished; SIGPIPE is ignored, so this is an error, not a
     * death): drop(c, "vanished before its reply was sent"), return
     * false.  Others: drop(c, strerror), return false. */
    size_t total = 4 + (size_t)c->len;
    while (c->sent < total) {
        ssize_t n = write(c->fd, c->buf + c->sent, total - c->sent);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return false;
        if (n == -1 && (errno == EPIPE || errno == ECONNRESET)) {
            drop(c, "vanished before its reply was sent");
            return false;
        }
        if (n == -1) {
            drop(c, strerror(errno));
            return false;
        }
        c->sent += (size_t)n;
    }
    drop(c, NULL);
    return true;
    //> drop(c, "write_some: not written yet (TODO 3)");
    //> return false;
    /* END TODO 3 */
}

/* Accept every client waiting, as long as a slot is free. */
static void accept_all(int lfd, unsigned *next_id)
{
    for (;;) {
        struct conn *c = NULL;
        for (int i = 0; i < US_MAX_CONN && c == NULL; i++)
            if (conns[i].fd == -1)
                c = &conns[i];
        if (c == NULL)
            return; /* full: the rest wait in the backlog */
        int fd = accept(lfd, NULL, NULL);
        if (fd == -1 && errno == EINTR)
            continue;
        if (fd == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
                         errno == ECONNABORTED))
            return;
        if (fd == -1)
            die("accept");
        if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
            die("fcntl O_NONBLOCK");
        memset(c, 0, sizeof *c);
        c->fd = fd;
        c->id = ++*next_id;
    }
}

static unsigned long parse_count(const char *arg)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-' || n < 1 ||
        n > 1000000) {
        warn_msg("bad -n '%s': want a number from 1 to 1000000", arg);
        die_usage(USAGE);
    }
    return n;
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    unsigned long count = 0;
    int opt;
    while ((opt = getopt(argc, argv, "n:")) != -1) {
        if (opt != 'n')
            die_usage(USAGE);
        count = parse_count(optarg);
    }
    if (optind != argc)
        die_usage(USAGE);

    /* A write to a vanished client must fail (EPIPE), not kill us. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) == -1)
        die("sigaction SIGPIPE");
    sa.sa_handler = on_stop; /* no SA_RESTART: ppoll() returns EINTR */
    if (sigaction(SIGINT, &sa, NULL) == -1 ||
        sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");

    /* SIGINT and SIGTERM stay blocked except inside ppoll(), which
     * unblocks them and waits in one step: a signal that comes after the
     * test of stop_signal and before the wait is not lost, it ends the
     * wait.  (A plain poll() there could sleep for ever on it.) */
    sigset_t stops, waiting;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &stops, &waiting) == -1)
        die("sigprocmask");

    if (atexit(remove_path) != 0)
        die_msg("atexit failed");
    for (int i = 0; i < US_MAX_CONN; i++)
        conns[i].fd = -1;
    int lfd = listen_here();
    printf(US_READY);
    if (fflush(stdout) == EOF)
        die("write stdout");

    static struct pollfd pfd[US_MAX_CONN + 1];
    unsigned next_id = 0;
    unsigned long served = 0;
    while ((count == 0 || served < count) && stop_signal == 0) {
        /* Slot 0 is the listening socket; slot i + 1 is conns[i]. */
        pfd[0].fd = lfd;
        pfd[0].events = POLLIN;
        for (int i = 0; i < US_MAX_CONN; i++) {
            pfd[i + 1].fd = conns[i].fd; /* -1: poll() skips it */
            pfd[i + 1].events = conns[i].writing ? POLLOUT : POLLIN;
            pfd[i + 1].revents = 0;
        }
        if (ppoll(pfd, US_MAX_CONN + 1, NULL, &waiting) == -1) {
            if (errno == EINTR)
                continue;
            die("ppoll");
        }
        for (int i = 0; i < US_MAX_CONN; i++) {
            struct conn *c = &conns[i];
            if (c->fd == -1 || pfd[i + 1].revents == 0)
                continue;
            if (!c->writing)
                read_some(c);
            if (c->fd != -1 && c->writing && write_some(c))
                served++;
        }
        if (pfd[0].revents & POLLIN)
            accept_all(lfd, &next_id);
    }

    for (int i = 0; i < US_MAX_CONN; i++)
        if (conns[i].fd != -1)
            drop(&conns[i], NULL);
    close(lfd);
    remove_path();
    if (stop_signal != 0)
        printf("usrv: %s: ", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    else
        printf("usrv: ");
    printf("removed %s (clients served: %lu)\n", US_PATH, served);
    return EXIT_SUCCESS;
}
