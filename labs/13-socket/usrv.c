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
#include "util.h"

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
    uint32_t len; /* the request's length, once hdr is whole */
    char *buf;    /* request, then reply: 4 + len bytes */
    size_t got;   /* request bytes read so far */
    size_t sent;  /* reply bytes written so far; writing when buf
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

static struct sockaddr_un address(void)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", US_PATH);
    return a;
}

/*
 * Deal with whatever a former run left at US_PATH, so that bind() can make
 * it.  Returns when nothing is there (any more): nothing was there, or a
 * stale socket, one nobody listens on, was removed (saying so on stderr).
 * Dies, touching nothing, when the path is not a socket or another usrv
 * listens on it.
 */
static void clear_leftover(void)
{
    /* TODO 1: lstat(US_PATH): ENOENT -> return; another failure -> die().
     * Not a socket (S_ISSOCK) -> die_msg() that it is not a socket and is
     * left alone.  A socket: connect() to it (address()) with a fresh
     * socket.  It works: another usrv listens here, die_msg() saying so.
     * ECONNREFUSED: nobody listens, a killed server left it: close the
     * probe, unlink the path and say so on stderr (warn_msg).  Any other
     * connect() failure: die(). */
    (void)address;
    die_msg("clear_leftover: not written yet (TODO 1)");
    /* END TODO 1 */
}

/*
 * The listening socket on US_PATH (clear_leftover() has made room):
 * bound, listening, non-blocking.  Sets bound as soon as the path exists,
 * so that every way out removes it.  Dies on any failure.
 */
static int listen_here(void)
{
    int fd = -1;
    /* TODO 2: socket(AF_UNIX, SOCK_STREAM, 0), bind() it to address()
     * (set bound at once), listen() with a backlog of at least 128, and
     * make fd non-blocking (fcntl O_NONBLOCK) so accept() never blocks the
     * loop. */
    die_msg("listen_here: not written yet (TODO 2)");
    /* END TODO 2 */
    return fd;
}

/* Close c's connection (saying why on stderr, unless why is NULL) and
 * free its slot.  The server goes on whatever happens here. */
static void drop(struct conn *c, const char *why)
{
    if (why != NULL)
        warn_msg("client %u: %s", c->id, why);
    if (close(c->fd) == -1)
        warn_sys("close client %u", c->id);
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
 * The 4 bytes of c's header are in (c->hdr): set c->len from them and
 * make room for the request, which becomes the reply (c->buf, 4 + len
 * bytes; c->got 0).  Returns true, or false when the length is more than
 * US_MAX: c is dropped then.  Dies when malloc() fails.
 */
static bool take_length(struct conn *c)
{
    /* TODO 3: len = ntohl() of the 4 bytes (memcpy them into a
     * uint32_t: hdr may not be aligned).  More than US_MAX -> drop(c,
     * "announced N bytes, more than US_MAX: dropped") and return false.
     * Else malloc 4 + len bytes into buf (NULL: die()), got = 0. */
    drop(c, "take_length: not written yet (TODO 3)");
    return false;
    /* END TODO 3 */
}

/*
 * c is readable: read what is there, and come back on the next POLLIN.
 * A read may bring any number of bytes from 1 up, so c counts what has
 * come: header bytes (hdr_got), then request bytes (got).  On return
 * either more is to come, or the request is whole and c is writing
 * (to_reply()), or c was dropped (c->fd is -1).
 */
static void read_some(struct conn *c)
{
    /* TODO 4: loop.  Until the 4 header bytes are in (hdr_got < 4), read
     * into hdr + hdr_got; when the fourth arrives, take_length() (false:
     * return).  Then read into buf + got until len bytes are in, and
     * to_reply() (at once for len 0).  Every read: EAGAIN (nothing more
     * now) -> return; EINTR -> read again; 0 (end of file) -> drop(c,
     * "closed before its request was whole"); other errors -> drop(c,
     * strerror). */
    (void)to_reply;
    (void)take_length;
    drop(c, "read_some: not written yet (TODO 4)");
    /* END TODO 4 */
}

/* c is writable: write what the socket takes.  true when the reply is
 * all out (the client is served, and dropped); false when more is to go,
 * or when c was dropped because the client vanished or a write failed. */
static bool write_some(struct conn *c)
{
    /* TODO 5: loop: write(c->fd, buf + sent, 4 + len - sent).  Count what
     * went.  All out: drop(c, NULL), return true.  EAGAIN: return false
     * and wait for POLLOUT.  EINTR: again.  EPIPE or ECONNRESET (the
     * client vanished; SIGPIPE is ignored, so this is an error, not a
     * death): drop(c, "vanished before its reply was sent"), return
     * false.  Others: drop(c, strerror), return false. */
    drop(c, "write_some: not written yet (TODO 5)");
    return false;
    /* END TODO 5 */
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
        if (fd == -1 &&
            (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED))
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

/* atexit, and the normal end: remove US_PATH if this server made it.
 * Safe to call twice; never dies (it runs inside exit()). */
static void remove_path(void)
{
    /* TODO 6: if bound, unlink(US_PATH) (ENOENT: gone already; any other
     * failure: warn_sys()) and clear bound. */
    (void)bound;
    /* END TODO 6 */
}

/* -n COUNT, or 0 (serve until a signal).  Misuse: the usage line. */
static unsigned long parse_args(int argc, char *argv[])
{
    unsigned long count = 0;
    int opt;
    while ((opt = getopt(argc, argv, "n:")) != -1) {
        if (opt != 'n')
            die_usage(USAGE);
        count = (unsigned long)arg_long("-n", optarg, 1, 1000000, USAGE);
    }
    if (optind != argc)
        die_usage(USAGE);
    return count;
}

/*
 * SIGPIPE ignored: a write to a vanished client must fail (EPIPE), not
 * kill us.  SIGINT and SIGTERM set stop_signal, without SA_RESTART, so
 * that ppoll() returns EINTR; they stay blocked except inside ppoll(),
 * which unblocks them and waits in one step: a signal that comes after
 * the test of stop_signal and before the wait is not lost, it ends the
 * wait.  (A plain poll() there could sleep for ever on it.)  *waiting is
 * the mask for ppoll(): the one from before, without them blocked.
 */
static void catch_signals(sigset_t *waiting)
{
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

    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &stops, waiting) == -1)
        die("sigprocmask");
}

/* Serve the clients that pfd (filled by serve()) says are ready; count
 * the ones whose reply went out whole into *served. */
static void serve_ready(const struct pollfd *pfd, unsigned long *served)
{
    for (int i = 0; i < US_MAX_CONN; i++) {
        struct conn *c = &conns[i];
        if (c->fd == -1 || pfd[i + 1].revents == 0)
            continue;
        if (!c->writing)
            read_some(c);
        if (c->fd != -1 && c->writing && write_some(c))
            (*served)++;
    }
}

/* The ppoll() loop on lfd and the clients, until count clients are
 * served (count 0: no limit) or a stop signal came.  Returns how many
 * were served. */
static unsigned long serve(int lfd, unsigned long count,
                           const sigset_t *waiting)
{
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
        if (ppoll(pfd, US_MAX_CONN + 1, NULL, waiting) == -1) {
            if (errno == EINTR)
                continue;
            die("ppoll");
        }
        serve_ready(pfd, &served);
        if (pfd[0].revents & POLLIN)
            accept_all(lfd, &next_id);
    }
    return served;
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    unsigned long count = parse_args(argc, argv);
    sigset_t waiting;
    catch_signals(&waiting);
    if (atexit(remove_path) != 0)
        die_msg("atexit failed");
    for (int i = 0; i < US_MAX_CONN; i++)
        conns[i].fd = -1;

    clear_leftover();
    int lfd = listen_here();
    printf(US_READY);
    if (fflush(stdout) == EOF)
        die("write stdout");

    unsigned long served = serve(lfd, count, &waiting);

    for (int i = 0; i < US_MAX_CONN; i++)
        if (conns[i].fd != -1)
            drop(&conns[i], NULL);
    if (close(lfd) == -1)
        die("close %s", US_PATH);
    remove_path();
    if (stop_signal != 0)
        printf("%s: %s: ", err_prog(),
               stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    else
        printf("%s: ", err_prog());
    printf("removed %s (clients served: %lu)\n", US_PATH, served);
    if (fflush(stdout) == EOF)
        die("write stdout");
    return EXIT_SUCCESS;
}
