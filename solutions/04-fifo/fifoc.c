/*
 * fifoc.c - a client of the FIFO server: one request, one reply.
 *
 * Usage: fifoc [MESSAGE]
 *
 * The client makes its own reply FIFO fifo.<pid> in the current directory,
 * sends its pid and MESSAGE (default "hello", at most MSG_MAX - 1 = 127
 * bytes) to the server fifos through fifo.server, waits for the reply and
 * prints it on stdout:
 *
 *     $ ./fifoc "hi there"
 *     reply for 4243: HI THERE
 *
 * With no server running it fails at once: "fifoc: no server: ...".
 *
 * Cleanup: the client removes fifo.<pid> on every exit path: after the
 * reply, on every error (atexit), and when SIGINT, SIGTERM or SIGHUP ends
 * it while it waits (a handler that unlinks, then lets the signal kill).
 */
#include "err.h"
#include "fifo.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define DEFAULT_MESSAGE "hello"

/* fifo.<our pid>: set before any handler is installed, never changed. */
static char reply_path[CLIENT_FIFO_LEN];

/* True while reply_path exists and is ours to remove. */
static int reply_made;

/* atexit: every exit() path, die() included, removes our FIFO. */
static void remove_reply_fifo(void)
{
    if (reply_made && unlink(reply_path) == -1)
        warn_sys("unlink %s", reply_path);
    reply_made = 0;
}

/*
 * SIGINT, SIGTERM, SIGHUP: remove our FIFO and die of the signal, as if we
 * had not caught it.  The handler is installed with SA_RESETHAND, so the
 * signal's action is the default again by the time we raise it.
 */
static void on_signal(int sig)
{
    /* TODO 1: only async-signal-safe calls here (no exit(), no stdio, no
     * remove()): unlink(reply_path) (its name holds our pid, so whatever
     * is there is ours), then raise(sig). */
    (void)unlink(reply_path);
    raise(sig);
    //> (void)sig;
    /* END TODO 1 */
}

/*
 * Open fifo.server for writing and return the descriptor.  O_NONBLOCK
 * makes the open fail at once with ENXIO when nobody reads the FIFO (no
 * server, or a stale FIFO left by a dead one) instead of waiting for a
 * reader forever.
 */
static int open_server(void)
{
    int fd = -1;
    /* TODO 2: open SERVER_FIFO with O_WRONLY | O_NONBLOCK.  ENOENT or
     * ENXIO: die_msg("no server: ...") naming SERVER_FIFO and saying to
     * start fifos first; other errors: die().  Refuse (die_msg) what is
     * not a FIFO (fstat), then clear O_NONBLOCK (fcntl) so that a full
     * FIFO makes write() wait rather than fail. */
    fd = open(SERVER_FIFO, O_WRONLY | O_NONBLOCK);
    if (fd == -1 && errno == ENOENT)
        die_msg("no server: %s does not exist (start fifos first, in "
                "this directory)",
                SERVER_FIFO);
    if (fd == -1 && errno == ENXIO)
        die_msg("no server: nobody reads %s (start fifos first)", SERVER_FIFO);
    if (fd == -1)
        die("open %s", SERVER_FIFO);
    struct stat st;
    if (fstat(fd, &st) == -1)
        die("fstat %s", SERVER_FIFO);
    if (!S_ISFIFO(st.st_mode))
        die_msg("%s is not a FIFO", SERVER_FIFO);
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1)
        die("fcntl %s", SERVER_FIFO);
    /* END TODO 2 */
    return fd;
}

/*
 * Create our reply FIFO, reply_path, having first made sure it goes away
 * on every exit path: exit() and die() (atexit), and SIGINT, SIGTERM or
 * SIGHUP (on_signal).  Sets reply_made.  Any failure: die().
 */
static void make_reply_fifo(void)
{
    /* TODO 3: register remove_reply_fifo() with atexit(); install
     * on_signal for SIGINT, SIGTERM and SIGHUP with sigaction() and
     * SA_RESETHAND; ignore SIGPIPE, so that a server that dies while we
     * write gives EPIPE (and our cleanup) rather than a silent death.
     * Then mkfifo(reply_path, FIFO_MODE); on EEXIST the FIFO is a
     * leftover of a dead process that had our pid: unlink it and try
     * once more.  Set reply_made once it exists. */
    if (atexit(remove_reply_fifo) != 0)
        die_msg("atexit failed");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    if (sigaction(SIGINT, &sa, NULL) == -1 ||
        sigaction(SIGTERM, &sa, NULL) == -1 ||
        sigaction(SIGHUP, &sa, NULL) == -1)
        die("sigaction");
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = 0;
    if (sigaction(SIGPIPE, &sa, NULL) == -1)
        die("sigaction SIGPIPE");
    if (mkfifo(reply_path, FIFO_MODE) == -1) {
        if (errno != EEXIST)
            die("mkfifo %s", reply_path);
        if (unlink(reply_path) == -1)
            die("unlink stale %s", reply_path);
        if (mkfifo(reply_path, FIFO_MODE) == -1)
            die("mkfifo %s", reply_path);
    }
    reply_made = 1;
    //> (void)remove_reply_fifo; /* you will need these */
    //> (void)on_signal;
    /* END TODO 3 */
}

/*
 * Send req to the server.  Returns the read descriptor of our reply FIFO,
 * non-blocking, opened before the request went out so that the server
 * finds a reader there.  Any failure: die().
 */
static int send_request(const struct request *req)
{
    int rfd = -1;
    /* TODO 4: open reply_path for reading BEFORE sending the request, and
     * with O_RDONLY | O_NONBLOCK.  Before: the server opens it without
     * blocking and takes ENXIO (no reader) for a client that is gone.
     * Non-blocking: a blocking open would wait for a writer, and the
     * server only writes after it has our request: a deadlock.  Then
     * open_server(), write the request with ONE write() of
     * sizeof(struct request) bytes (retry on EINTR; die on error or a
     * short count) and close the server's FIFO. */
    rfd = open(reply_path, O_RDONLY | O_NONBLOCK);
    if (rfd == -1)
        die("open %s", reply_path);
    int sfd = open_server();
    ssize_t n;
    while ((n = write(sfd, req, sizeof *req)) == -1 && errno == EINTR)
        ;
    if (n == -1)
        die("write %s", SERVER_FIFO);
    if ((size_t)n != sizeof *req)
        die_msg("write %s: %zd of %zu bytes", SERVER_FIFO, n, sizeof *req);
    if (close(sfd) == -1)
        die("close %s", SERVER_FIFO);
    //> (void)req;
    //> (void)open_server; /* you will need it */
    /* END TODO 4 */
    return rfd;
}

/*
 * Read one whole struct reply from rfd, our non-blocking reply FIFO, into
 * *rep, waiting with poll() until the bytes are there.  Any failure, or
 * end-of-file before the whole reply: die() or die_msg().
 */
static void read_reply(int rfd, struct reply *rep)
{
    size_t got = 0;
    /* TODO 5: read the whole struct reply into *rep.  rfd is
     * non-blocking, so wait with poll(POLLIN) before each read() (retry
     * poll and read on EINTR, read on EAGAIN).  read() returning 0 means
     * the server closed the FIFO without a reply: die_msg. */
    while (got < sizeof *rep) {
        struct pollfd pfd = {.fd = rfd, .events = POLLIN};
        if (poll(&pfd, 1, -1) == -1) {
            if (errno == EINTR)
                continue;
            die("poll %s", reply_path);
        }
        ssize_t r = read(rfd, (char *)rep + got, sizeof *rep - got);
        if (r == -1 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r == -1)
            die("read %s", reply_path);
        if (r == 0)
            die_msg("the server closed %s without a reply", reply_path);
        got += (size_t)r;
    }
    //> memset(rep, 0, sizeof *rep);
    //> (void)rfd;
    //> (void)got;
    /* END TODO 5 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc > 2)
        die_usage("[MESSAGE]");
    const char *text = argc == 2 ? argv[1] : DEFAULT_MESSAGE;
    size_t len = strlen(text);
    if (len > MSG_MAX - 1) {
        warn_msg("message too long: %zu bytes, at most %d", len, MSG_MAX - 1);
        die_usage("[MESSAGE]");
    }

    struct request req;
    memset(&req, 0, sizeof req); /* no stray bytes go out */
    req.pid = getpid();
    memcpy(req.text, text, len + 1);
    snprintf(reply_path, sizeof reply_path, CLIENT_FIFO_FMT, (long)req.pid);

    make_reply_fifo();
    int rfd = send_request(&req);
    struct reply rep;
    read_reply(rfd, &rep);

    if (close(rfd) == -1)
        die("close %s", reply_path);
    remove_reply_fifo();
    if (rep.pid != req.pid || memchr(rep.text, '\0', sizeof rep.text) == NULL)
        die_msg("malformed reply (for pid %ld)", (long)rep.pid);
    printf("reply for %ld: %s\n", (long)rep.pid, rep.text);
    return EXIT_SUCCESS;
}
