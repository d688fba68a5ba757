/*
 * rpccli.c - the client of rpcsrv (rpc.h): one procedure call through a
 * client stub that marshals the arguments, waits for the reply with the
 * same xid, retries a bounded number of times, and unmarshals the result.
 *
 * Usage: rpccli [-t MS] [-r RETRIES] [-n COUNT] [-V VERSION] PROC [ARG...]
 *
 *     PROC     arguments   prints
 *     null     none        ok
 *     add      A B         A + B (A and B 32-bit signed)
 *     concat   S T         S then T
 *     incr     DELTA       the server's counter after adding DELTA
 *
 *     $ ./rpccli add 2 40
 *     42
 *     $ ./rpccli concat "remote " call
 *     remote call
 *
 * Each try waits MS milliseconds (1 to 60000, default 1000) for its
 * reply; a try that times out is sent again, with the same xid and the
 * same bytes, at most RETRIES times (0 to 100, default 3), each retry
 * said on stderr.  A reply with another xid (a late answer to an
 * earlier try or call) is dropped with a line on stderr.  -n makes the
 * call COUNT times (1 to 10000000, each a new xid; the last result is
 * printed): a benchmark.  -V sends VERSION instead of RPC_VERS, to see
 * the server refuse it.
 *
 * Errors, status 1: no server ("start rpcsrv first"); no reply after all
 * tries; the server closed the connection mid-call (it died: an error at
 * once, not after the time-out); a status other than RPC_OK, by name.
 * The socket is the only resource, closed at exit; nothing is left.
 */
#define _DEFAULT_SOURCE /* struct sockaddr_un */

#include "err.h"
#include "rpc.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define USAGE                                                                  \
    "[-t MS] [-r RETRIES] [-n COUNT] [-V VERSION] PROC [ARG...]\n"             \
    "  PROC: null | add A B | concat S T | incr DELTA"

/* One call, as the command line gives it. */
struct call {
    const char *name; /* for messages */
    uint32_t proc, vers, client;
    int32_t a, b;      /* add's A and B, incr's DELTA in a */
    const char *s, *t; /* concat's */
    long timeout_ms, retries;
};

static double now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
        die("clock_gettime");
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * The request of call c with number xid, as a whole frame in b: the four
 * header fields, then c's arguments (rpc.h's table).  Returns the frame's
 * length.  Dies when the arguments do not fit in RPC_MAX.
 */
static size_t marshal_call(struct rpc_buf *b, const struct call *c,
                           uint32_t xid)
{
    /* TODO 1: rpc_put_u32 the version (c->vers), c->client, xid and
     * c->proc; then the arguments: add: a and b (as uint32_t); concat:
     * rpc_put_bytes of s and t with their strlen; incr: a.  b->bad at the
     * end: die_msg that the arguments are too long.  rpc_finish(). */
    (void)b;
    (void)c;
    (void)xid;
    die_msg("marshal_call: not written yet (TODO 1)");
    /* END TODO 1 */
}

/*
 * Wait until deadline (now_ms() time) for the reply to call xid on fd.
 * true: its body is in body (RPC_MAX bytes), its length in *len.  false:
 * the deadline passed.  A reply with another xid is dropped (a line on
 * stderr) and the wait goes on.  Dies when the server closes the
 * connection or the read fails: the server is gone, waiting is no use.
 */
static bool await_reply(int fd, const char *name, uint32_t xid, double deadline,
                        unsigned char *body, size_t *len)
{
    /* TODO 2: loop: left = deadline - now_ms(); none left: return false.
     * poll() fd for POLLIN at most left ms (round up; EINTR: again; 0:
     * loop, the time decides).  Then rpc_read_frame(): 0 (end of file) or
     * -1 with ECONNRESET: die_msg "NAME: the server closed the connection
     * mid-call"; other -1: die().  Decode the reply's xid (rpc_reader,
     * rpc_get_u32; too short: die_msg); another xid: warn_msg "dropped a
     * stale reply (xid N, want M)" and loop; this xid: return true. */
    (void)fd;
    (void)name;
    (void)xid;
    (void)deadline;
    (void)body;
    (void)len;
    return false;
    /* END TODO 2 */
}

/*
 * Call c with number xid on fd: send the request, wait up to
 * c->timeout_ms for its reply, and send the very same bytes again after
 * each try that timed out, c->retries times at most.  The reply's body
 * ends up in body, its length in *len.  Dies when no try got a reply
 * ("no reply after N tries"), or when the server is gone.
 */
static void call(int fd, const struct call *c, uint32_t xid,
                 unsigned char *body, size_t *len)
{
    static unsigned char out[4 + RPC_MAX];
    struct rpc_buf req;
    rpc_writer(&req, out, sizeof out);
    size_t n = marshal_call(&req, c, xid);
    /* TODO 3: for try 1 to 1 + c->retries: write_full() the frame (EPIPE
     * or ECONNRESET: die_msg "the server closed the connection mid-call";
     * other errors: die()); await_reply() until now + timeout_ms: true ->
     * return.  Before each retry, warn_msg "NAME: no reply within MS ms:
     * sending it again (try T of N)".  All tries used: die_msg "NAME: no
     * reply after N tries (MS ms each)". */
    (void)fd;
    (void)n;
    (void)body;
    (void)len;
    (void)await_reply;
    (void)now_ms;
    die_msg("call: not written yet (TODO 3)");
    /* END TODO 3 */
}

/*
 * Decode the reply (body, len bytes; its xid already matched) of call c
 * and print the result as the usage says.  Dies, naming the status, on
 * anything but RPC_OK: for RPC_PROG_MISMATCH with the versions the server
 * speaks.  Dies on a reply that does not decode to exactly the results.
 */
static void print_result(const struct call *c, unsigned char *body, size_t len)
{
    /* TODO 4: rpc_reader; skip the xid; get the status.  PROG_MISMATCH:
     * get low and high, die_msg "NAME: version V refused: the server
     * speaks versions LOW to HIGH".  Not RPC_OK: die_msg "NAME: the
     * server says STATUS" (rpc_stat_name).  RPC_OK: null prints "ok";
     * add and incr rpc_get_u64 (as int64_t, PRId64); concat rpc_get_bytes
     * and fwrite them; each then "\n".  rpc_get_end() false: die_msg "a
     * garbled reply". */
    (void)c;
    (void)body;
    (void)len;
    die_msg("print_result: not written yet (TODO 4)");
    /* END TODO 4 */
}

/* A socket connected to the server, or "no server": status 1. */
static int connect_server(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd == -1)
        die("socket");
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", RPC_PATH);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == -1) {
        if (errno == ENOENT || errno == ECONNREFUSED)
            die_msg("no server on %s: start rpcsrv first", RPC_PATH);
        die("connect %s", RPC_PATH);
    }
    return fd;
}

/* PROC and its arguments (argv from optind) into c; misuse: usage. */
static void parse_proc(struct call *c, int argc, char *argv[])
{
    static const char *const names[] = {"null", "add", "concat", "incr"};
    static const int nargs[] = {0, 2, 2, 1};
    if (argc < 1)
        die_usage(USAGE);
    int k = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(argv[0], names[i]) == 0)
            k = i;
    if (k == -1 || argc - 1 != nargs[k])
        die_usage(USAGE);
    c->name = names[k];
    c->proc = (uint32_t)k;
    if (k == RPC_CONCAT) {
        c->s = argv[1];
        c->t = argv[2];
    } else if (k != RPC_NULL) {
        c->a = (int32_t)arg_long("A", argv[1], INT32_MIN, INT32_MAX, USAGE);
        if (k == RPC_ADD)
            c->b = (int32_t)arg_long("B", argv[2], INT32_MIN, INT32_MAX, USAGE);
    }
}

/* The options and PROC into c; returns COUNT. */
static long parse_args(struct call *c, int argc, char *argv[])
{
    long count = 1;
    c->vers = RPC_VERS;
    c->timeout_ms = RPC_TIMEOUT_MS;
    c->retries = RPC_RETRIES;
    int opt;
    while ((opt = getopt(argc, argv, "+t:r:n:V:")) != -1) {
        if (opt == 't')
            c->timeout_ms = arg_long("-t", optarg, 1, 60000, USAGE);
        else if (opt == 'r')
            c->retries = arg_long("-r", optarg, 0, 100, USAGE);
        else if (opt == 'n')
            count = arg_long("-n", optarg, 1, 10000000, USAGE);
        else if (opt == 'V')
            c->vers = (uint32_t)arg_long("-V", optarg, 0, 1000, USAGE);
        else
            die_usage(USAGE);
    }
    parse_proc(c, argc - optind, argv + optind);
    return count;
}

int main(int argc, char *argv[])
{
    static unsigned char body[RPC_MAX];
    err_setprog(argv[0]);
    struct call c;
    memset(&c, 0, sizeof c);
    long count = parse_args(&c, argc, argv);
    /* A server gone mid-call: EPIPE from write, not death by SIGPIPE. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal SIGPIPE");
    /* The client's name for the server's reply cache: two clients, or
     * two runs with the same pid, must not share one. */
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
        die("clock_gettime");
    c.client = (uint32_t)getpid() * 2654435761u ^ (uint32_t)ts.tv_nsec ^
               (uint32_t)ts.tv_sec;

    int fd = connect_server();
    size_t len = 0;
    for (long i = 1; i <= count; i++)
        call(fd, &c, (uint32_t)i, body, &len);
    print_result(&c, body, len);
    if (close(fd) == -1)
        die("close");
    if (fflush(stdout) == EOF)
        die("write stdout");
    return EXIT_SUCCESS;
}
