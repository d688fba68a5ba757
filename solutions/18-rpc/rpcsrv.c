/*
 * rpcsrv.c - the server of a tiny RPC system (rpc.h): a dispatcher that
 * unmarshals each request, calls the procedure and marshals its reply,
 * with at-most-once execution for retried calls.
 *
 * Usage: rpcsrv
 *
 * rpcsrv listens on ./rpcsrv.sock, says "rpcsrv: ready", and serves every
 * client that connects, many calls per connection, until SIGINT or
 * SIGTERM.  Its companion is rpccli:
 *
 *     $ ./rpcsrv                         $ ./rpccli add 2 40
 *     rpcsrv: ready                      42
 *     ^C                                 $ ./rpccli incr 5
 *     rpcsrv: SIGINT: removed            5
 *     rpcsrv.sock (calls: 2 executed,
 *     0 replayed)
 *
 * One process, one ppoll() loop over the listening socket and the
 * connections.  A readable connection's frame is read whole with
 * read_full() (a client that sends half a frame and stops holds the
 * server up: lab 13 shows the non-blocking cure).  A request repeated
 * with the same client and xid is answered from the reply cache and not
 * executed again ("replayed").  A version other than RPC_VERS is refused
 * with RPC_PROG_MISMATCH and the versions spoken; bad arguments get
 * RPC_GARBAGE_ARGS; the connection stays open for the next call.  A
 * frame too long or cut short, or a request too short for its header,
 * closes that connection with a line on stderr.  SIGPIPE is ignored: a
 * reply to a vanished client fails with EPIPE and closes it.
 *
 * Cleanup: rpcsrv unlinks rpcsrv.sock on every way out once it has bound
 * it: on SIGINT and SIGTERM (status 0), on every error (atexit).  At
 * start-up a leftover rpcsrv.sock nobody listens on is removed; a live
 * server's, or a file that is not a socket, is refused (status 1).
 */
#define _GNU_SOURCE /* ppoll() (POSIX only since 2024) */

#include "err.h"
#include "rpc.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define USAGE ""

/* The last reply sent to one client: the at-most-once memory. */
struct cached {
    bool used;
    uint32_t client, xid;
    unsigned long seen; /* when last used: the oldest is forgotten first */
    size_t len;
    unsigned char *reply; /* the whole frame, as sent */
};

static volatile sig_atomic_t stop_signal;
static bool bound; /* rpcsrv.sock is ours to remove */
static struct cached cache[RPC_CACHE];
static unsigned long executed, replayed, clock_ticks;
static int64_t counter; /* RPC_INCR's */

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* ---- the procedures: plain functions, nothing about the wire --------- */

static int64_t proc_add(int32_t a, int32_t b)
{
    return (int64_t)a + b;
}

static int64_t proc_incr(int32_t delta)
{
    counter += delta;
    return counter;
}

/* ---- the dispatcher -------------------------------------------------- */

/*
 * Decode proc's arguments from args, call it, and write the status and
 * results into res (after the xid, which the caller wrote): RPC_OK and
 * the results; RPC_GARBAGE_ARGS when args do not decode to exactly the
 * procedure's arguments (nothing is executed then); RPC_PROC_UNAVAIL for
 * an unknown proc; RPC_SYSTEM_ERR when a result does not fit.
 */
static void call_proc(uint32_t proc, struct rpc_buf *args, struct rpc_buf *res)
{
    /* TODO 1: switch on proc.  RPC_NULL: no arguments.  RPC_ADD: two
     * rpc_get_u32 (cast to int32_t), result rpc_put_u64 of proc_add().
     * RPC_CONCAT: two rpc_get_bytes, result rpc_put_bytes of both (put
     * the count s + t, then the bytes: a byte string is built in res
     * itself).  RPC_INCR: one i32, result proc_incr().  Before calling,
     * rpc_get_end(args) must hold, else RPC_GARBAGE_ARGS. */
    uint32_t a = 0, b = 0;
    const unsigned char *s = NULL, *t = NULL;
    switch (proc) {
    case RPC_NULL:
        break;
    case RPC_ADD:
        rpc_get_u32(args, &a);
        rpc_get_u32(args, &b);
        break;
    case RPC_CONCAT:
        rpc_get_bytes(args, &s, &a);
        rpc_get_bytes(args, &t, &b);
        break;
    case RPC_INCR:
        rpc_get_u32(args, &a);
        break;
    default:
        rpc_put_u32(res, RPC_PROC_UNAVAIL);
        return;
    }
    if (!rpc_get_end(args)) {
        rpc_put_u32(res, RPC_GARBAGE_ARGS);
        return;
    }
    if (proc == RPC_CONCAT && (uint64_t)a + b > res->cap - res->len - 8) {
        rpc_put_u32(res, RPC_SYSTEM_ERR);
        return;
    }
    rpc_put_u32(res, RPC_OK);
    if (proc == RPC_ADD)
        rpc_put_u64(res, (uint64_t)proc_add((int32_t)a, (int32_t)b));
    if (proc == RPC_INCR)
        rpc_put_u64(res, (uint64_t)proc_incr((int32_t)a));
    if (proc == RPC_CONCAT) {
        rpc_put_u32(res, a + b);
        memcpy(res->data + res->len, s, a);
        memcpy(res->data + res->len + a, t, b);
        res->len += (size_t)a + b;
    }
    //> (void)proc;
    //> (void)args;
    //> (void)proc_add;
    //> (void)proc_incr;
    //> rpc_put_u32(res, RPC_PROC_UNAVAIL);
    /* END TODO 1 */
}

/*
 * The cache entry of client: its own, or a free one, or else the least
 * recently seen client's, forgotten.  An entry not its own comes back
 * with used false.
 */
static struct cached *cache_slot(uint32_t client)
{
    struct cached *old = &cache[0];
    for (int i = 0; i < RPC_CACHE; i++) {
        if (cache[i].used && cache[i].client == client)
            return &cache[i];
        if (!cache[i].used || (old->used && cache[i].seen < old->seen))
            old = &cache[i];
    }
    free(old->reply);
    memset(old, 0, sizeof *old);
    old->client = client;
    return old;
}

/* Keep reply (len bytes) as client's last, for its call xid. */
static void cache_keep(struct cached *c, uint32_t xid,
                       const unsigned char *reply, size_t len)
{
    unsigned char *copy = malloc(len);
    if (copy == NULL)
        die("malloc %zu bytes", len);
    memcpy(copy, reply, len);
    free(c->reply);
    c->used = true;
    c->xid = xid;
    c->reply = copy;
    c->len = len;
}

/* Send a whole frame to fd: true, or false when the client is gone (the
 * caller closes fd).  Dies on other errors. */
static bool send_frame(int fd, const unsigned char *frame, size_t len)
{
    if (write_full(fd, frame, len) == 0)
        return true;
    if (errno == EPIPE || errno == ECONNRESET)
        return false;
    die("write a reply");
}

/*
 * One request (body, len bytes) from the connection fd: answer it.
 * Returns false when fd should be closed: the request is too short for
 * its header, or the client is gone.
 */
static bool handle(int fd, unsigned char *body, size_t len)
{
    static unsigned char out[4 + RPC_MAX];
    struct rpc_buf req, rep;
    rpc_reader(&req, body, len);
    rpc_writer(&rep, out, sizeof out);
    /* TODO 2: rpc_get_u32 the version, client, xid and proc (any fails:
     * warn_msg that the request is too short, return false).  Version
     * not RPC_VERS: reply xid, RPC_PROG_MISMATCH, RPC_VERS, RPC_VERS and
     * return.  Then c = cache_slot(client), c->seen = ++clock_ticks.  A
     * used entry with this xid: send its reply again (replayed++), done.
     * Else: rpc_put_u32 the xid, call_proc(), rpc_finish(), cache_keep()
     * the frame, executed++, and send it.  Send with send_frame(). */
    uint32_t vers, client, xid, proc;
    if (!rpc_get_u32(&req, &vers) || !rpc_get_u32(&req, &client) ||
        !rpc_get_u32(&req, &xid) || !rpc_get_u32(&req, &proc)) {
        warn_msg("a request of %zu bytes, too short for its header: "
                 "connection closed",
                 len);
        return false;
    }
    if (vers != RPC_VERS) {
        warn_msg("client %08x: version %u refused (PROG_MISMATCH)",
                 (unsigned)client, (unsigned)vers);
        rpc_put_u32(&rep, xid);
        rpc_put_u32(&rep, RPC_PROG_MISMATCH);
        rpc_put_u32(&rep, RPC_VERS);
        rpc_put_u32(&rep, RPC_VERS);
        return send_frame(fd, out, rpc_finish(&rep));
    }
    struct cached *c = cache_slot(client);
    c->seen = ++clock_ticks;
    if (c->used && c->xid == xid) {
        replayed++;
        return send_frame(fd, c->reply, c->len);
    }
    rpc_put_u32(&rep, xid);
    call_proc(proc, &req, &rep);
    size_t n = rpc_finish(&rep);
    cache_keep(c, xid, out, n);
    executed++;
    return send_frame(fd, out, n);
    //> (void)req;
    //> (void)fd;
    //> (void)cache_slot;
    //> (void)clock_ticks;
    //> (void)cache_keep;
    //> (void)send_frame;
    //> (void)call_proc;
    //> warn_msg("handle: not written yet (TODO 2)");
    //> return false;
    /* END TODO 2 */
}

/* ---- the socket and the loop (given: lab 13's ideas) ----------------- */

static struct sockaddr_un address(void)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", RPC_PATH);
    return a;
}

/*
 * Make room for bind(): nothing at RPC_PATH, or a socket nobody listens
 * on (removed, with a line on stderr).  A live server's socket, or a
 * file that is not a socket: refuse, touching nothing.
 */
static void clear_path(void)
{
    struct stat st;
    if (lstat(RPC_PATH, &st) == -1) {
        if (errno != ENOENT)
            die("lstat %s", RPC_PATH);
        return;
    }
    if (!S_ISSOCK(st.st_mode))
        die_msg("%s is not a socket: left alone", RPC_PATH);
    struct sockaddr_un a = address();
    int probe = socket(AF_UNIX, SOCK_STREAM, 0);
    if (probe == -1)
        die("socket");
    int r = connect(probe, (struct sockaddr *)&a, sizeof a);
    int e = errno;
    if (close(probe) == -1)
        die("close");
    if (r == 0)
        die_msg("another rpcsrv listens on %s here", RPC_PATH);
    if (e != ECONNREFUSED) {
        errno = e;
        die("connect %s", RPC_PATH);
    }
    if (unlink(RPC_PATH) == -1)
        die("unlink %s", RPC_PATH);
    warn_msg("removed a stale %s", RPC_PATH);
}

static int listen_here(void)
{
    struct sockaddr_un a = address();
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd == -1)
        die("socket");
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == -1)
        die("bind %s", RPC_PATH);
    bound = true;
    if (listen(fd, 128) == -1)
        die("listen %s", RPC_PATH);
    return fd;
}

static void remove_path(void)
{
    if (bound && unlink(RPC_PATH) == -1 && errno != ENOENT)
        warn_sys("unlink %s", RPC_PATH);
    bound = false;
}

/* SIGPIPE ignored; SIGINT and SIGTERM set stop_signal and stay blocked
 * but inside ppoll() (*waiting is its mask), so none is lost between the
 * test of the flag and the wait. */
static void catch_signals(sigset_t *waiting)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) == -1)
        die("sigaction SIGPIPE");
    sa.sa_handler = on_stop;
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

/* The connection in pfd is readable: read one frame and answer it, or
 * close the connection (end of file, a bad frame, a client gone). */
static void serve_one(struct pollfd *pfd)
{
    static unsigned char body[RPC_MAX];
    size_t len = 0;
    int r = rpc_read_frame(pfd->fd, body, &len);
    if (r == -1)
        warn_sys("a connection: read a frame");
    if (r == 1 && handle(pfd->fd, body, len))
        return;
    if (close(pfd->fd) == -1)
        warn_sys("close a connection");
    pfd->fd = -1;
}

/* Accept one waiting client into a free slot of pfd (1..RPC_MAX_CONN). */
static void accept_one(struct pollfd *pfd)
{
    int fd = accept(pfd[0].fd, NULL, NULL);
    if (fd == -1) {
        if (errno != EINTR && errno != ECONNABORTED)
            die("accept");
        return;
    }
    for (int i = 1; i <= RPC_MAX_CONN; i++)
        if (pfd[i].fd == -1) {
            pfd[i].fd = fd;
            return;
        }
    warn_msg("more than %d connections: one refused", RPC_MAX_CONN);
    if (close(fd) == -1)
        warn_sys("close");
}

/* The ppoll() loop, until a stop signal; then every connection closed. */
static void serve(int lfd, const sigset_t *waiting)
{
    static struct pollfd pfd[RPC_MAX_CONN + 1];
    pfd[0].fd = lfd;
    for (int i = 1; i <= RPC_MAX_CONN; i++)
        pfd[i].fd = -1;
    for (int i = 0; i <= RPC_MAX_CONN; i++)
        pfd[i].events = POLLIN;
    while (stop_signal == 0) {
        if (ppoll(pfd, RPC_MAX_CONN + 1, NULL, waiting) == -1) {
            if (errno == EINTR)
                continue;
            die("ppoll");
        }
        for (int i = 1; i <= RPC_MAX_CONN; i++)
            if (pfd[i].fd != -1 && pfd[i].revents != 0)
                serve_one(&pfd[i]);
        if (pfd[0].revents & POLLIN)
            accept_one(pfd);
    }
    for (int i = 1; i <= RPC_MAX_CONN; i++)
        if (pfd[i].fd != -1 && close(pfd[i].fd) == -1)
            warn_sys("close a connection");
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc != 1)
        die_usage(USAGE);
    sigset_t waiting;
    catch_signals(&waiting);
    if (atexit(remove_path) != 0)
        die_msg("atexit failed");
    clear_path();
    int lfd = listen_here();
    printf(RPC_READY);
    if (fflush(stdout) == EOF)
        die("write stdout");

    serve(lfd, &waiting);

    if (close(lfd) == -1)
        die("close %s", RPC_PATH);
    remove_path();
    for (int i = 0; i < RPC_CACHE; i++)
        free(cache[i].reply);
    printf("%s: %s: removed %s (calls: %lu executed, %lu replayed)\n",
           err_prog(), stop_signal == SIGINT ? "SIGINT" : "SIGTERM", RPC_PATH,
           executed, replayed);
    if (fflush(stdout) == EOF)
        die("write stdout");
    return EXIT_SUCCESS;
}
