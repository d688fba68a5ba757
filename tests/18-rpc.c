/*
 * 18-rpc.c - tests for lab 18 (rpc.h, rpcwire.c, rpcsrv.c, rpccli.c): a
 * tiny remote procedure call system over a UNIX-domain socket.  See
 * handouts/18-rpc.md for the specification.
 *
 * Most tests speak the wire format themselves, byte by byte, as the
 * handout specifies it (not through the student's rpcwire.c): marshalling
 * code linked into both programs can be wrong in the same way on both
 * sides and still agree with itself.  As a client they send requests to
 * rpcsrv and compare the replies' bytes; as a server (listening on
 * rpcsrv.sock themselves) they read rpccli's requests, answer late, twice,
 * with the wrong xid, or never.  A server killed mid-call is stopped
 * first (SIGSTOP), so that rpccli's call surely waits for it, and killed
 * once rpccli sleeps in poll().
 */
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

/* From the handout (rpc.h is given). */
#define READY "rpcsrv: ready\n"
#define SOCK "rpcsrv.sock"
enum { ADD = 1, CONCAT = 2, INCR = 3 };
enum { OK = 0, PROG_MISMATCH = 2, PROC_UNAVAIL = 3, GARBAGE_ARGS = 4 };

/* ---- helpers ----------------------------------------------------------- */

/* A message under construction: bytes as the wire wants them. */
struct msg {
    unsigned char b[256];
    size_t n;
};

static void put32(struct msg *m, uint32_t v)
{
    m->b[m->n++] = (unsigned char)(v >> 24);
    m->b[m->n++] = (unsigned char)(v >> 16);
    m->b[m->n++] = (unsigned char)(v >> 8);
    m->b[m->n++] = (unsigned char)v;
}

static void putraw(struct msg *m, const void *p, size_t n)
{
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

/* A frame: the length, then a request's header fields. */
static struct msg request(uint32_t vers, uint32_t client, uint32_t xid,
                          uint32_t proc)
{
    struct msg m = {.n = 0};
    put32(&m, 0); /* the length, set by framed() */
    put32(&m, vers);
    put32(&m, client);
    put32(&m, xid);
    put32(&m, proc);
    return m;
}

static const struct msg *framed(struct msg *m)
{
    uint32_t n = (uint32_t)m->n - 4;
    m->b[0] = (unsigned char)(n >> 24);
    m->b[1] = (unsigned char)(n >> 16);
    m->b[2] = (unsigned char)(n >> 8);
    m->b[3] = (unsigned char)n;
    return m;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static struct sockaddr_un sock_address(void)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", SOCK); /* relative */
    return a;
}

static int raw_connect(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = sock_address();
    if (fd == -1 || connect(fd, (struct sockaddr *)&a, sizeof a) == -1)
        h_fail("could not connect to %s: %s", SOCK, strerror(errno));
    return fd;
}

static void raw_send(int fd, const struct msg *m)
{
    ssize_t n = send(fd, m->b, m->n, MSG_NOSIGNAL);
    if (n != (ssize_t)m->n)
        h_fail("the test could not send its %zu bytes: %s", m->n,
               n == -1 ? strerror(errno) : "short");
}

/* Read up to want bytes from fd, until EOF or the (scaled) time is up.
 * Returns the count; *eof says whether the other side closed. */
static size_t raw_read(int fd, unsigned char *b, size_t want, bool *eof)
{
    size_t got = 0;
    struct h_budget bu = h_budget(H_TIMEOUT);
    double left;
    *eof = false;
    while (got < want && (left = h_budget_left(&bu)) > 0) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r <= 0)
            continue;
        ssize_t n = read(fd, b + got, want - got);
        if (n <= 0) {
            *eof = true;
            break;
        }
        got += (size_t)n;
    }
    return got;
}

/* One frame from fd into b (its 4-byte length included); its total
 * length, or 0 when none came whole. */
static size_t read_frame(int fd, unsigned char *b, size_t cap)
{
    bool eof;
    if (raw_read(fd, b, 4, &eof) != 4)
        return 0;
    size_t n = get32(b);
    if (n > cap - 4 || raw_read(fd, b + 4, n, &eof) != n)
        return 0;
    return 4 + n;
}

/* Read one reply from fd and compare it with the frame want. */
static void expect_reply(int fd, const char *what, const struct msg *want)
{
    unsigned char got[512];
    size_t n = read_frame(fd, got, sizeof got);
    if (n != want->n || memcmp(got, want->b, n) != 0)
        h_fail("%s: the reply should be the %zu bytes %s\n  but it was %s",
               what, want->n, h_quote((const char *)want->b, want->n),
               h_quote((const char *)got, n));
}

/* The reply frame: xid, status, then results (64-bit v when has_v). */
static struct msg reply(uint32_t xid, uint32_t status)
{
    struct msg m = {.n = 0};
    put32(&m, 0);
    put32(&m, xid);
    put32(&m, status);
    return m;
}

static struct msg reply64(uint32_t xid, uint64_t v)
{
    struct msg m = reply(xid, OK);
    put32(&m, (uint32_t)(v >> 32));
    put32(&m, (uint32_t)v);
    framed(&m);
    return m;
}

static struct h_proc *start_server(void)
{
    return h_start_ready(NULL, READY, "rpcsrv", NULL);
}

/* SIGTERM, status 0, the last line (if want), rpcsrv.sock gone. */
static void stop_server(struct h_proc *s, const char *want)
{
    h_kill(s, SIGTERM);
    h_wait(s, 0);
    h_expect_exit(s, 0);
    if (want != NULL)
        h_expect_stdout(s, want);
    h_expect_no_fifos(NULL);
}

static void expect_call(const char *want, const char *proc, const char *a,
                        const char *b)
{
    struct h_proc *c = h_run(NULL, "rpccli", proc, a, b, NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, want);
}

/* The test as the server: listening on rpcsrv.sock. */
static int fake_listen(void)
{
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = sock_address();
    if (ls == -1 || bind(ls, (struct sockaddr *)&a, sizeof a) == -1 ||
        listen(ls, 4) == -1)
        h_fail("harness: listen on %s: %s", SOCK, strerror(errno));
    return ls;
}

/* Accept rpccli (c) on ls, or fail saying it never connected. */
static int fake_accept(int ls, struct h_proc *c)
{
    struct pollfd p = {.fd = ls, .events = POLLIN};
    struct h_budget bu = h_budget(H_TIMEOUT);
    double left;
    int r = 0;
    while (r != 1 && (left = h_budget_left(&bu)) > 0)
        r = poll(&p, 1, (int)(left * 1000) + 1);
    if (r != 1) {
        h_wait(c, 0.1);
        h_fail("rpccli never connected to %s\n  stderr: %s\n  command: %s",
               SOCK, h_quote(c->err, c->err_len), c->cmd);
    }
    int fd = accept(ls, NULL, NULL);
    if (fd == -1)
        h_fail("harness: accept: %s", strerror(errno));
    return fd;
}

/* rpccli's next request on fd, whole, or fail saying what came. */
static size_t take_request(int fd, unsigned char *b, size_t cap,
                           struct h_proc *c, const char *when)
{
    size_t n = read_frame(fd, b, cap);
    if (n < 20) {
        h_wait(c, 0.2);
        h_fail("%s, rpccli sent no whole request (a frame of 4 length "
               "bytes and at least 16 header bytes)\n  stderr: %s\n"
               "  command: %s",
               when, h_quote(c->err, c->err_len), c->cmd);
    }
    return n;
}

static void fake_close(int fd, int ls)
{
    close(fd);
    close(ls);
    unlink(SOCK);
}

/* ---- tests ------------------------------------------------------------- */

/* Bug caught: a procedure computes the wrong thing (incr returns the
 * counter before the add, add overflows in 32 bits), or rpccli prints it
 * wrong. */
START_TEST(calls)
{
    struct h_proc *s = start_server();
    expect_call("42\n", "add", "2", "40");
    expect_call("-4294967296\n", "add", "-2147483648", "-2147483648");
    expect_call("remote call\n", "concat", "remote ", "call");
    expect_call("\n", "concat", "", "");
    expect_call("5\n", "incr", "5", NULL);
    expect_call("3\n", "incr", "-2", NULL);
    expect_call("ok\n", "null", NULL, NULL);
    stop_server(s, READY "rpcsrv: SIGTERM: removed rpcsrv.sock (calls: 7 "
                         "executed, 0 replayed)\n");
}
END_TEST

/* Bug caught: numbers in host byte order, or byte strings measured with
 * strlen (a NUL inside cuts them) instead of their count. */
START_TEST(server_bytes)
{
    struct h_proc *s = start_server();
    int fd = raw_connect();
    struct msg m = request(1, 0x01020304, 0x0a0b0c0d, ADD);
    put32(&m, 300);
    put32(&m, (uint32_t)-5);
    raw_send(fd, framed(&m));
    struct msg want = reply64(0x0a0b0c0d, 295);
    expect_reply(fd, "add 300 -5", &want);

    m = request(1, 0x01020304, 0x0a0b0c0e, ADD);
    put32(&m, 0x80000000u);
    put32(&m, 0x80000000u);
    raw_send(fd, framed(&m));
    want = reply64(0x0a0b0c0e, 0xffffffff00000000u);
    expect_reply(fd, "add -2147483648 -2147483648 (an i64 result)", &want);

    m = request(1, 0x01020304, 0x0a0b0c0f, CONCAT);
    put32(&m, 3);
    putraw(&m, "a\0b", 3);
    put32(&m, 2);
    putraw(&m, "\0c", 2);
    raw_send(fd, framed(&m));
    want = reply(0x0a0b0c0f, OK);
    put32(&want, 5);
    putraw(&want, "a\0b\0c", 5);
    expect_reply(fd, "concat \"a\\0b\" \"\\0c\" (counted bytes, NULs included)",
                 framed(&want));
    close(fd);
    stop_server(s, NULL);
}
END_TEST

/* Bug caught: rpccli marshals in host byte order, or reads the i64 or a
 * byte string's count wrong. */
START_TEST(client_bytes)
{
    unsigned char b[512];
    int ls = fake_listen();
    struct h_proc *c = h_start(NULL, "rpccli", "add", "300", "-5", NULL);
    int fd = fake_accept(ls, c);
    size_t n = take_request(fd, b, sizeof b, c, "for add 300 -5");
    static const unsigned char args[] = {0, 0, 1, 0x2c, 0xff, 0xff, 0xff, 0xfb};
    if (n != 28 || get32(b) != 24 || get32(b + 4) != 1 ||
        get32(b + 16) != ADD || memcmp(b + 20, args, 8) != 0)
        h_fail("for add 300 -5, rpccli should send 00 00 00 18 (length 24), "
               "00 00 00 01 (version), 4 bytes of client, 4 of xid, 00 00 00 "
               "01 (add), 00 00 01 2c, ff ff ff fb, all big-endian; it sent "
               "%s\n  command: %s",
               h_quote((const char *)b, n), c->cmd);
    struct msg r = reply64(get32(b + 12), 0xffffffff00000000u);
    raw_send(fd, &r);
    h_wait(c, 0);
    h_expect_exit(c, 0);
    h_expect_stdout(c, "-4294967296\n");
    fake_close(fd, ls);

    ls = fake_listen();
    c = h_start(NULL, "rpccli", "concat", "ab", "cde", NULL);
    fd = fake_accept(ls, c);
    n = take_request(fd, b, sizeof b, c, "for concat ab cde");
    static const unsigned char sargs[] = {0, 0, 0, 2,   'a', 'b', 0,
                                          0, 0, 3, 'c', 'd', 'e'};
    if (n != 33 || get32(b + 16) != CONCAT || memcmp(b + 20, sargs, 13) != 0)
        h_fail("for concat ab cde, rpccli should send after its header 00 00 "
               "00 02 \"ab\" 00 00 00 03 \"cde\"; it sent %s\n  command: %s",
               h_quote((const char *)b, n), c->cmd);
    r = reply(get32(b + 12), OK);
    put32(&r, 3);
    putraw(&r, "x\0y", 3);
    raw_send(fd, framed(&r));
    h_wait(c, 0);
    h_expect_exit(c, 0);
    h_expect_stdout_bytes(c, "x\0y\n", 4);
    fake_close(fd, ls);
}
END_TEST

/* Bug caught: rpccli takes the first reply that comes, not the one with
 * its request's xid. */
START_TEST(stale_reply)
{
    unsigned char b[512];
    int ls = fake_listen();
    struct h_proc *c =
        h_start(NULL, "rpccli", "-t", "3000", "add", "2", "3", NULL);
    int fd = fake_accept(ls, c);
    take_request(fd, b, sizeof b, c, "for add 2 3");
    uint32_t xid = get32(b + 12);
    struct msg r = reply64(xid + 1000, 999);
    raw_send(fd, &r);
    r = reply64(xid - 1, 998);
    raw_send(fd, &r);
    r = reply64(xid, 5);
    raw_send(fd, &r);
    h_wait(c, 0);
    if (c->done && c->out != NULL && strcmp(c->out, "5\n") != 0)
        h_fail("rpccli got replies with the xids %u and %u (stale), then "
               "%u (its own, 5): it printed %s; a reply whose xid is not the "
               "call's must be dropped\n  command: %s",
               (unsigned)(xid + 1000), (unsigned)(xid - 1), (unsigned)xid,
               h_quote(c->out, c->out_len), c->cmd);
    h_expect_exit(c, 0);
    h_expect_stdout(c, "5\n");
    h_expect_stderr_has(c, "stale", NULL);
    fake_close(fd, ls);
}
END_TEST

/* Count the whole frames in b (n bytes); each must equal first (len). */
static int count_same(const unsigned char *b, size_t n,
                      const unsigned char *first, size_t len)
{
    int k = 0;
    for (size_t at = 0; at + 4 <= n; k++) {
        size_t fl = 4 + get32(b + at);
        if (fl != len || at + fl > n || memcmp(b + at, first, len) != 0)
            h_fail("try %d of a call differs from the first: %s; a retry "
                   "must send the very same bytes (the same xid), or the "
                   "server cannot tell it is a retry",
                   k + 1, h_quote((const char *)b + at, n - at));
        at += fl;
    }
    return k;
}

/* Bug caught: no retry after a time-out, a retry with a new xid, or
 * retries without end. */
START_TEST(retry)
{
    unsigned char b[512], b2[512];
    int ls = fake_listen();
    struct h_proc *c =
        h_start(NULL, "rpccli", "-t", "300", "-r", "2", "incr", "7", NULL);
    int fd = fake_accept(ls, c);
    size_t n = take_request(fd, b, sizeof b, c, "for incr 7");
    size_t n2 = take_request(fd, b2, sizeof b2, c,
                             "300 ms after its first try got no reply");
    count_same(b2, n2, b, n);
    struct msg r = reply64(get32(b + 12), 8);
    raw_send(fd, &r); /* answers the second try */
    h_wait(c, 0);
    h_expect_exit(c, 0);
    h_expect_stdout(c, "8\n");
    fake_close(fd, ls);

    /* Nobody answers: 1 + 2 tries, then an error. */
    ls = fake_listen();
    c = h_start(NULL, "rpccli", "-t", "200", "-r", "2", "null", NULL);
    fd = fake_accept(ls, c);
    n = take_request(fd, b, sizeof b, c, "for null");
    h_wait(c, 0);
    static unsigned char rest[4096];
    bool eof;
    size_t m = raw_read(fd, rest, sizeof rest, &eof);
    int tries = 1 + count_same(rest, m, b, n);
    if (tries != 3)
        h_fail("rpccli -t 200 -r 2 with no reply sent its request %d times: "
               "want 3 (the first try and 2 retries), then an error\n"
               "  command: %s",
               tries, c->cmd);
    h_expect_exit(c, 1);
    h_expect_stderr_has(c, "no reply", NULL);
    fake_close(fd, ls);
}
END_TEST

static void incr(int fd, uint32_t client, uint32_t xid, int32_t delta,
                 int times)
{
    struct msg m = request(1, client, xid, INCR);
    put32(&m, (uint32_t)delta);
    framed(&m);
    struct msg all = {.n = 0};
    for (int i = 0; i < times; i++)
        putraw(&all, m.b, m.n);
    raw_send(fd, &all);
}

/* Bug caught: no reply cache (a retried incr runs twice), or one keyed
 * by xid alone (another client's call with the same xid is not run). */
START_TEST(at_most_once)
{
    struct h_proc *s = start_server();
    int fd = raw_connect();
    incr(fd, 0x11111111, 7, 5, 3); /* a call and two retries at once */
    struct msg want = reply64(7, 5);
    expect_reply(fd, "incr 5, the call (client 11111111, xid 7)", &want);
    expect_reply(fd, "incr 5, its first retry (same client, same xid)", &want);
    expect_reply(fd, "incr 5, its second retry", &want);
    incr(fd, 0x22222222, 7, 1, 1);
    want = reply64(7, 6);
    expect_reply(fd, "incr 1 from another client, 22222222, with xid 7", &want);
    incr(fd, 0x11111111, 8, 1, 1);
    want = reply64(8, 7);
    expect_reply(fd, "incr 1, client 11111111's next call (xid 8)", &want);
    close(fd);
    fd = raw_connect(); /* a retry may come on a new connection */
    incr(fd, 0x11111111, 8, 1, 1);
    expect_reply(fd, "a retry of client 11111111's xid 8 on a new connection",
                 &want);
    close(fd);
    expect_call("7\n", "incr", "0", NULL);
    stop_server(s, READY "rpcsrv: SIGTERM: removed rpcsrv.sock (calls: 4 "
                         "executed, 3 replayed)\n");
}
END_TEST

/* Bug caught: the version is not checked: a request of another version
 * is executed as if it were this one. */
START_TEST(version)
{
    struct h_proc *s = start_server();
    int fd = raw_connect();
    struct msg m = request(2, 0x33333333, 5, INCR);
    put32(&m, 100);
    raw_send(fd, framed(&m));
    struct msg want = reply(5, PROG_MISMATCH);
    put32(&want, 1);
    put32(&want, 1);
    expect_reply(fd, "incr 100 in version 2", framed(&want));
    m = request(0, 0x33333333, 6, INCR);
    put32(&m, 100);
    raw_send(fd, framed(&m));
    want = reply(6, PROG_MISMATCH);
    put32(&want, 1);
    put32(&want, 1);
    expect_reply(fd, "incr 100 in version 0", framed(&want));
    incr(fd, 0x33333333, 7, 0, 1);
    want = reply64(7, 0);
    expect_reply(fd,
                 "incr 0 in version 1, after the refused ones (the "
                 "counter must still be 0)",
                 &want);
    close(fd);
    struct h_proc *c = h_run(NULL, "rpccli", "-V", "2", "add", "1", "2", NULL);
    h_expect_exit(c, 1);
    h_expect_stderr_has(c, "version 2", "1 to 1", NULL);
    stop_server(s, NULL);
}
END_TEST

/* Bug caught: arguments are not checked against the procedure: too few
 * or too many bytes, or a count past the end, are executed anyway. */
START_TEST(bad_request)
{
    struct h_proc *s = start_server();
    int fd = raw_connect();
    struct msg m = request(1, 0x44444444, 1, 99);
    raw_send(fd, framed(&m));
    struct msg want = reply(1, PROC_UNAVAIL);
    expect_reply(fd, "procedure 99", framed(&want));
    static const struct {
        uint32_t proc, nargs, args[3];
        const char *what;
    } bad[] = {
        {INCR, 0, {0}, "incr without its argument"},
        {INCR, 2, {5, 5}, "incr with 4 bytes too many"},
        {ADD, 1, {5}, "add with one argument"},
        {CONCAT, 2, {1000, 0x61626364}, "concat whose count is past the end"},
    };
    for (uint32_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m = request(1, 0x44444444, 2 + i, bad[i].proc);
        for (uint32_t k = 0; k < bad[i].nargs; k++)
            put32(&m, bad[i].args[k]);
        raw_send(fd, framed(&m));
        want = reply(2 + i, GARBAGE_ARGS);
        expect_reply(fd, bad[i].what, framed(&want));
    }
    incr(fd, 0x44444444, 10, 0, 1);
    want = reply64(10, 0);
    expect_reply(fd, "incr 0 after the bad ones (nothing was executed)", &want);
    m = request(1, 0x44444444, 11, 0);
    m.n = 12; /* only version and client */
    raw_send(fd, framed(&m));
    unsigned char b[64];
    bool eof;
    if (raw_read(fd, b, sizeof b, &eof) != 0 || !eof)
        h_fail("a request of 8 bytes (too short for its header: no xid to "
               "answer) should close that connection");
    close(fd);
    expect_call("ok\n", "null", NULL, NULL);
    stop_server(s, NULL);
}
END_TEST

#ifdef SYS_poll
#define POLL_CALL SYS_poll
#else
#define POLL_CALL SYS_ppoll
#endif

/* Bug caught: rpccli takes the end of the connection for "no reply yet"
 * and waits out its time-out (or hangs) when the server dies. */
START_TEST(server_dies)
{
    struct h_proc *s = start_server();
    h_kill(s, SIGSTOP);
    if (!h_await_stopped(s->pid, 0))
        h_fail("harness: rpcsrv did not stop on SIGSTOP");
    struct h_proc *c =
        h_start(NULL, "rpccli", "-t", "5000", "-r", "1", "add", "1", "2", NULL);
    if (!h_await_in_call(c->pid, POLL_CALL, 2))
        h_fail("rpccli should wait for its reply in poll(); it did not\n"
               "  command: %s",
               c->cmd);
    double t0 = h_now();
    h_kill(s, SIGKILL);
    h_wait(s, 0);
    /* Long enough for a client that sits out its 5 s time-out to end by
     * itself, so that the failure below says what it did. */
    h_wait(c, 8);
    double took = h_now() - t0;
    /* (2 s: room for a busy machine, well short of the 5 s time-out.) */
    if (took > h_scale(2.0))
        h_fail("rpccli took %.1f s to report a server that died mid-call: "
               "the connection's end of file (or ECONNRESET) says so at "
               "once, the 5 s time-out is not the way to find out\n"
               "  command: %s",
               took, c->cmd);
    h_expect_exit(c, 1);
    h_expect_stderr_has(c, "closed", NULL);
}
END_TEST

/* Bug caught: the server serves one connection until it closes, so a
 * silent client stops every other. */
START_TEST(many_clients)
{
    struct h_proc *s = start_server();
    int idle = raw_connect(); /* connected, says nothing */
    struct h_proc *c[4];
    for (int i = 0; i < 4; i++)
        c[i] = h_start(NULL, "rpccli", "-n", "300", "incr", "1", NULL);
    for (int i = 0; i < 4; i++) {
        h_wait(c[i], 0);
        if (c[i]->timed_out || c[i]->status != 0)
            h_fail("four clients making 300 calls each, while another "
                   "client was connected and silent: one failed\n"
                   "  stderr: %s\n  command: %s",
                   h_quote(c[i]->err, c[i]->err_len), c[i]->cmd);
        h_expect_exit(c[i], 0);
    }
    expect_call("1200\n", "incr", "0", NULL);
    close(idle);
    stop_server(s, READY "rpcsrv: SIGTERM: removed rpcsrv.sock (calls: 1201 "
                         "executed, 0 replayed)\n");
}
END_TEST

/* Bug caught: the command line is not checked. */
START_TEST(usage)
{
    static const char *const cases[][5] = {
        {"rpcsrv", "extra", NULL},
        {"rpccli", NULL},
        {"rpccli", "add", "1", NULL},
        {"rpccli", "add", "x", "2", NULL},
        {"rpccli", "add", "2147483648", "2", NULL},
        {"rpccli", "mul", "1", "2", NULL},
        {"rpccli", "null", "extra", NULL},
        {"rpccli", "-t", "0", "null", NULL},
        {"rpccli", "-r", "-1", "null", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct h_proc *p = h_run(NULL, cases[i][0], cases[i][1], cases[i][2],
                                 cases[i][3], NULL);
        h_expect_exit(p, 2);
        h_expect_stderr_has(p, "usage:", NULL);
    }
    h_expect_no_fifos(NULL);
}
END_TEST

/* Bug caught: rpcsrv.sock is left behind (a later rpcsrv cannot bind), a
 * stale one is never replaced, or rpccli hangs without a server. */
START_TEST(no_leftovers)
{
    struct h_proc *c = h_run(NULL, "rpccli", "null", NULL);
    h_expect_exit(c, 1);
    h_expect_stderr_has(c, "start rpcsrv", NULL);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = sock_address();
    if (fd == -1 || bind(fd, (struct sockaddr *)&a, sizeof a) == -1)
        h_fail("harness: bind: %s", strerror(errno));
    close(fd); /* a stale rpcsrv.sock: nobody listens */
    struct h_proc *s = start_server();
    expect_call("ok\n", "null", NULL, NULL);
    stop_server(s, NULL);
    h_expect_stderr_has(s, "stale", NULL);
    s = start_server();
    struct h_proc *t = h_run(NULL, "rpcsrv", NULL);
    h_expect_exit(t, 1);
    expect_call("ok\n", "null", NULL, NULL);
    stop_server(s, NULL);
    h_write_file(h_path(SOCK), "notes\n", 6);
    t = h_run(NULL, "rpcsrv", NULL);
    h_expect_exit(t, 1);
    size_t len;
    char *kept = h_read_file(h_path(SOCK), &len);
    if (kept == NULL || len != 6)
        h_fail("rpcsrv removed a plain file named %s", SOCK);
    free(kept);
    unlink(h_path(SOCK));
}
END_TEST

static const struct h_test tests[] = {
    {&calls, 2, "add, concat, incr and null through rpccli",
     "a procedure, or rpccli's printing, computes the wrong thing"},
    {&server_bytes, 3, "rpcsrv's replies, byte by byte (NULs in strings)",
     "host byte order, or strlen instead of a byte string's count"},
    {&client_bytes, 3, "rpccli's requests, byte by byte",
     "rpccli marshals in host byte order or misreads an i64"},
    {&stale_reply, 3, "replies with other xids are dropped",
     "rpccli takes the first reply, not its own xid's"},
    {&retry, 3, "a time-out sends the same bytes again, 1 + RETRIES at most",
     "no retry, a new xid on retry, or retries without end"},
    {&at_most_once, 3, "a retried incr runs once (client and xid)",
     "no reply cache, or one keyed by xid alone"},
    {&version, 2, "another version is refused, nothing executed",
     "the version field is not checked"},
    {&bad_request, 2, "unknown procedure, bad arguments: refused",
     "arguments not checked against the procedure"},
    {&server_dies, 3, "the server killed mid-call: an error at once",
     "end of file taken for 'no reply yet'"},
    {&many_clients, 2, "4 clients x 300 calls beside a silent one",
     "one connection served at a time"},
    {&usage, 1, "bad arguments: usage line, status 2", "no argument check"},
    {&no_leftovers, 2, "socket removed, stale one replaced, no server: error",
     "rpcsrv.sock left behind, or a stale one blocks bind"},
};

H_LAB("18-rpc", "rpc.h rpcwire.c rpcsrv.c rpccli.c", "rpcsrv rpccli", tests)
