/*
 * fifos.c - a server that answers its clients through FIFOs.
 *
 * Usage: fifos
 *
 * The server creates the well-known FIFO fifo.server in the current
 * directory, says "fifos: ready" and then serves requests from any number
 * of clients (fifoc, its companion), one after another or at the same time,
 * until SIGINT or SIGTERM.  A request is a struct request (fifo.h): the
 * client's pid and a message.  The reply, the message in upper case, goes
 * into the client's own FIFO fifo.<pid>.  One line on stdout per reply sent.
 *
 *     $ ./fifos                          $ ./fifoc "hi there"
 *     fifos: ready                       reply for 4243: HI THERE
 *     fifos: replied to 4243
 *     ^C
 *     fifos: SIGINT: removed fifo.server (replies sent: 1)
 *
 * A client that vanished before its reply costs a warning on stderr, never
 * a hang or the server's life: its FIFO is opened without blocking, and
 * SIGPIPE is ignored.
 *
 * Cleanup: the server creates fifo.server and removes it when it stops,
 * whether by signal or by an error (atexit).  A fifo.server left by a
 * server that was killed (SIGKILL) is stale: nobody reads it.  The next
 * server sees that and replaces it; if a live server still reads it, the
 * new one refuses to start.  Each client removes its own fifo.<pid>.
 */
#include "err.h"
#include "fifo.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* The signal that asked us to stop, or 0.  The handler does nothing else:
 * it may only call async-signal-safe functions, and storing into a
 * volatile sig_atomic_t is the one thing that is always safe. */
static volatile sig_atomic_t stop_signal;

/* True while fifo.server exists and is ours to remove. */
static int fifo_made;

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* atexit: an error path (die) must not leave fifo.server behind. */
static void remove_server_fifo(void)
{
    if (fifo_made && unlink(SERVER_FIFO) == -1)
        warn_sys("unlink %s", SERVER_FIFO);
    fifo_made = 0;
}

/*
 * Create fifo.server.  If the name exists already, find out whether a
 * server still reads it: a non-blocking write-only open fails with ENXIO
 * exactly when the FIFO has no reader.  No reader: it is stale, replace it.
 * A reader: another server runs here, so refuse to start.
 */
static void make_server_fifo(void)
{
    /* TODO 1: create SERVER_FIFO with mkfifo(SERVER_FIFO, FIFO_MODE).  If
     * it fails with EEXIST: refuse (die_msg, naming the file) when the
     * name is not a FIFO (lstat) or when open(O_WRONLY | O_NONBLOCK)
     * succeeds (a server reads it: close that descriptor first); when the
     * open fails with ENXIO the FIFO is stale: unlink it, say so on stderr
     * (warn_msg) and try mkfifo once more.  Any other failure: die(). */
    for (int tries = 0;; tries++) {
        if (mkfifo(SERVER_FIFO, FIFO_MODE) == 0)
            return;
        if (errno != EEXIST || tries > 0)
            die("mkfifo %s", SERVER_FIFO);

        struct stat st;
        if (lstat(SERVER_FIFO, &st) == -1)
            die("lstat %s", SERVER_FIFO);
        if (!S_ISFIFO(st.st_mode))
            die_msg("%s exists and is not a FIFO: remove it (rm %s)",
                    SERVER_FIFO, SERVER_FIFO);
        int fd = open(SERVER_FIFO, O_WRONLY | O_NONBLOCK);
        if (fd != -1) {
            if (close(fd) == -1)
                die("close %s", SERVER_FIFO);
            die_msg("another server is running: it reads %s", SERVER_FIFO);
        }
        if (errno != ENXIO)
            die("open %s", SERVER_FIFO);
        if (unlink(SERVER_FIFO) == -1)
            die("unlink stale %s", SERVER_FIFO);
        warn_msg("removed a stale %s that no server was reading", SERVER_FIFO);
    }
    /* END TODO 1 */
}

/*
 * Open fifo.server for reading, and keep a write descriptor of our own on
 * it as well.  With no writer at all, read() returns 0 (end-of-file) each
 * time the last client has closed; our own writer means read() blocks
 * between clients instead.  Returns the read descriptor.
 */
static int open_server_fifo(int *dummy)
{
    int rfd = -1;
    /* TODO 2: open SERVER_FIFO with O_RDONLY | O_NONBLOCK (a blocking open
     * would wait for the first client), then open it O_WRONLY into *dummy
     * (this succeeds now that a reader exists), then clear O_NONBLOCK on
     * the read descriptor with fcntl(F_GETFL / F_SETFL) so that read()
     * blocks.  die() on any failure. */
    rfd = open(SERVER_FIFO, O_RDONLY | O_NONBLOCK);
    if (rfd == -1)
        die("open %s for reading", SERVER_FIFO);
    *dummy = open(SERVER_FIFO, O_WRONLY);
    if (*dummy == -1)
        die("open %s for writing", SERVER_FIFO);
    int flags = fcntl(rfd, F_GETFL);
    if (flags == -1)
        die("fcntl %s F_GETFL", SERVER_FIFO);
    if (fcntl(rfd, F_SETFL, flags & ~O_NONBLOCK) == -1)
        die("fcntl %s F_SETFL", SERVER_FIFO);
    //> (void)dummy;
    /* END TODO 2 */
    return rfd;
}

/*
 * Send the reply to req into fifo.<pid>.  A client that is gone must not
 * stop us: every failure is a warning, and the function returns 0; 1 when
 * the reply was written.
 */
static int send_reply(const struct request *req)
{
    char path[CLIENT_FIFO_LEN];
    snprintf(path, sizeof path, CLIENT_FIFO_FMT, (long)req->pid);

    struct reply rep;
    memset(&rep, 0, sizeof rep); /* no stray bytes go out */
    rep.pid = req->pid;
    for (size_t i = 0; req->text[i] != '\0'; i++)
        rep.text[i] = (char)toupper((unsigned char)req->text[i]);

    /* TODO 3: open path with O_WRONLY | O_NONBLOCK: a blocking open would
     * wait forever for a client that died.  ENXIO (no reader) or ENOENT:
     * the client is gone.  Check with fstat() that it is a FIFO (a regular
     * file would open fine).  Write the whole reply with ONE write() (retry
     * on EINTR); with SIGPIPE ignored, a reader that left gives EPIPE.
     * Every failure: warn_sys or warn_msg "no reply to <pid>: ...", close
     * what is open, return 0. */
    int fd = open(path, O_WRONLY | O_NONBLOCK);
    if (fd == -1) {
        warn_sys("no reply to %ld: open %s", (long)req->pid, path);
        return 0;
    }
    struct stat st;
    int ok = 0;
    if (fstat(fd, &st) == -1) {
        warn_sys("no reply to %ld: fstat %s", (long)req->pid, path);
    } else if (!S_ISFIFO(st.st_mode)) {
        warn_msg("no reply to %ld: %s is not a FIFO", (long)req->pid, path);
    } else {
        ssize_t n;
        while ((n = write(fd, &rep, sizeof rep)) == -1 && errno == EINTR)
            ;
        if (n == -1)
            warn_sys("no reply to %ld: write %s", (long)req->pid, path);
        else if ((size_t)n != sizeof rep)
            warn_msg("no reply to %ld: short write to %s", (long)req->pid,
                     path);
        else
            ok = 1;
    }
    if (close(fd) == -1)
        warn_sys("close %s", path);
    //> int ok = 0;
    /* END TODO 3 */
    return ok;
}

/*
 * Set up the signals before anything can be interrupted: on_stop for
 * SIGINT and SIGTERM, SIGPIPE ignored, and SIGINT and SIGTERM blocked.
 * *waitmask gets the mask to wait with: the old one without those two, so
 * that they arrive only while serve() waits in pselect().  Any failure:
 * die().
 */
static void setup_signals(sigset_t *waitmask)
{
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    /* TODO 4: install on_stop for SIGINT and SIGTERM with sigaction() and
     * no SA_RESTART; ignore SIGPIPE (SIG_IGN), so that a client that left
     * gives EPIPE rather than killing us.  Then block the signals in
     * `stops` with sigprocmask(), keeping the old mask, minus those two,
     * in *waitmask: they may arrive only while the loop waits (TODO 5). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sa.sa_flags = 0; /* no SA_RESTART: the wait must return EINTR */
    if (sigaction(SIGINT, &sa, NULL) == -1 ||
        sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) == -1)
        die("sigaction SIGPIPE");
    if (sigprocmask(SIG_BLOCK, &stops, waitmask) == -1)
        die("sigprocmask");
    sigdelset(waitmask, SIGINT);
    sigdelset(waitmask, SIGTERM);
    //> (void)on_stop; /* you will need it */
    //> sigemptyset(waitmask);
    /* END TODO 4 */
}

/*
 * Serve requests from rfd, the read end of fifo.server, until a stop
 * signal sets stop_signal; waitmask is the mask to wait with (from
 * setup_signals()).  Returns the number of replies sent.  A failed wait or
 * read: die(); a bad request or a client that is gone: a warning, and the
 * loop goes on.
 */
static unsigned long serve(int rfd, const sigset_t *waitmask)
{
    unsigned long replies = 0;
    /* TODO 5: until stop_signal is set: wait for fifo.server to become
     * readable with pselect(..., waitmask), which unblocks SIGINT and
     * SIGTERM only while it waits (on EINTR go round and test stop_signal
     * again).  Then read() one struct request (EINTR: retry).  0 bytes
     * means that no writer is left: die_msg.  Another count than
     * sizeof(struct request), a pid <= 0 or a text without its NUL:
     * warn_msg and skip it.  Otherwise send_reply(), and when that
     * succeeds count the reply and print "<prog>: replied to <pid>" on
     * stdout (fflush). */
    while (!stop_signal) {
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(rfd, &readable);
        if (pselect(rfd + 1, &readable, NULL, NULL, NULL, waitmask) == -1) {
            if (errno == EINTR)
                continue;
            die("pselect %s", SERVER_FIFO);
        }
        struct request req;
        ssize_t n;
        while ((n = read(rfd, &req, sizeof req)) == -1 && errno == EINTR)
            ;
        if (n == -1)
            die("read %s", SERVER_FIFO);
        if (n == 0) /* cannot happen while we hold our own writer */
            die_msg("end-of-file on %s: no writer left", SERVER_FIFO);
        if ((size_t)n != sizeof req) {
            warn_msg("ignored a request of %zd bytes (want %zu)", n,
                     sizeof req);
            continue;
        }
        if (req.pid <= 0 || memchr(req.text, '\0', sizeof req.text) == NULL) {
            warn_msg("ignored a malformed request");
            continue;
        }
        if (send_reply(&req)) {
            replies++;
            printf("%s: replied to %ld\n", err_prog(), (long)req.pid);
            fflush(stdout);
        }
    }
    //> (void)send_reply; /* you will need it */
    //> (void)rfd;
    //> (void)waitmask;
    /* END TODO 5 */
    return replies;
}

/*
 * After a stop signal: remove fifo.server, close rfd and dummy (its read
 * and write descriptors), and say which signal stopped us and how many
 * replies went out.  A failed close: die().
 */
static void shut_down(int rfd, int dummy, unsigned long replies)
{
    /* TODO 6: remove fifo.server (remove_server_fifo()) and close both
     * descriptors (die on error), then say "<prog>: <SIGINT or SIGTERM>:
     * removed fifo.server (replies sent: <n>)" on stdout. */
    remove_server_fifo();
    if (close(rfd) == -1 || close(dummy) == -1)
        die("close %s", SERVER_FIFO);
    printf("%s: %s: removed %s (replies sent: %lu)\n", err_prog(),
           stop_signal == SIGINT ? "SIGINT" : "SIGTERM", SERVER_FIFO, replies);
    //> (void)rfd;
    //> (void)dummy;
    //> (void)replies;
    /* END TODO 6 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc != 1)
        die_usage("(no arguments)");

    sigset_t waitmask;
    setup_signals(&waitmask);

    make_server_fifo();
    fifo_made = 1;
    if (atexit(remove_server_fifo) != 0)
        die_msg("atexit failed");
    int dummy = -1;
    int rfd = open_server_fifo(&dummy);
    printf("%s: ready\n", err_prog());
    fflush(stdout);

    unsigned long replies = serve(rfd, &waitmask);
    shut_down(rfd, dummy, replies);
    return EXIT_SUCCESS;
}
