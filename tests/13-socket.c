/*
 * 13-socket.c - tests for lab 13 (usock.h, usrv.c, ucli.c, upair.c): a
 * UNIX-domain stream server for many clients at once, its client, and a
 * parent and child on a socketpair.  See handouts/13-socket.md for the
 * specification.
 *
 * Besides ucli, the tests are clients of their own: they connect to
 * usrv.sock and write frames byte by byte, announce lengths that are too
 * long, or vanish before the reply.  To be sure the server has read the
 * first bytes before the next arrive, a test waits for a whole exchange of
 * another client in between: a poll() server reads every readable socket
 * before it answers a later one.  To be sure a client is gone before the
 * server writes its reply, the test stops the server (SIGSTOP, then waits
 * until /proc says 'T'), closes, and lets it go on.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* From the handout (usock.h is given). */
#define READY "usrv: ready\n"
#define MAXLEN 65536u

/* ---- helpers ----------------------------------------------------------- */

static struct h_proc *start_server(const char *a1, const char *a2)
{
    return h_start_ready(NULL, READY, "usrv", a1, a2, NULL);
}

static void stop_server(struct h_proc *s)
{
    h_kill(s, SIGTERM);
    h_wait(s, 0);
    h_expect_exit(s, 0);
    h_expect_no_fifos(NULL); /* usrv.sock removed */
}

/*
 * The address of usrv.sock.  A socket's path must fit in sun_path (108
 * bytes), and the grader's directories can be longer than that (a long
 * --tag, a student's name in a batch): so, like usrv and ucli, the test
 * uses the short relative name; the harness runs every test in its
 * working directory.
 */
static struct sockaddr_un sock_address(void)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", "usrv.sock");
    return a;
}

/* A connection of our own to usrv.sock. */
static int raw_connect(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = sock_address();
    if (fd == -1 || connect(fd, (struct sockaddr *)&a, sizeof a) == -1)
        h_fail("could not connect to usrv.sock: %s", strerror(errno));
    return fd;
}

static void raw_write(int fd, const void *p, size_t len)
{
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n == -1 && (errno == EPIPE || errno == ECONNRESET))
        h_fail("the other side closed the connection while the test was "
               "still sending its %zu bytes (send: %s): it gave up on the "
               "request before reading all of it",
               len, strerror(errno));
    if (n != (ssize_t)len)
        h_fail("harness: send: %s", n == -1 ? strerror(errno) : "short");
}

/* Read from fd until EOF, want bytes, or the (scaled) time runs out.
 * Returns the bytes read (malloc'd) and their count in *len; *eof says
 * whether the server closed. */
static char *raw_read(int fd, size_t want, size_t *len, bool *eof)
{
    char *b = malloc(want + 1);
    size_t got = 0;
    struct h_budget bu = h_budget(H_TIMEOUT);
    double left;
    *eof = false;
    while (got < want && (left = h_budget_left(&bu)) > 0) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r == 0 || (r == -1 && errno == EINTR))
            continue; /* the budget says whether time is up */
        if (r == -1)
            break;
        ssize_t n = read(fd, b + got, want - got);
        if (n <= 0) {
            *eof = true;
            break;
        }
        got += (size_t)n;
    }
    *len = got;
    return b;
}

/* One ucli exchange, expected to succeed. */
static void expect_ucli(const char *text, const char *want)
{
    struct h_proc *c = h_run(NULL, "ucli", text, NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, want);
}

/* The frame usrv should send for text (len bytes). */
static char *frame(const char *text, size_t len)
{
    char *f = malloc(len + 4);
    uint32_t be = htonl((uint32_t)len);
    memcpy(f, &be, 4);
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        f[4 + i] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
    }
    return f;
}

/* ---- tests ------------------------------------------------------------- */

/* Bug caught: usrv.sock is not removed after COUNT clients (a later
 * usrv then finds it in its way). */
START_TEST(one_client)
{
    struct h_proc *s = start_server("-n", "1");
    expect_ucli("hi there, Server 42!", "HI THERE, SERVER 42!\n");
    h_wait(s, 0);
    h_expect_exit(s, 0);
    h_expect_stdout(s, READY "usrv: removed usrv.sock (clients served: 1)\n");
    h_expect_no_fifos(NULL);
    s = start_server("-n", "1");
    expect_ucli("", "\n");
    h_wait(s, 0);
    h_expect_exit(s, 0);
    h_expect_no_fifos(NULL);
}
END_TEST

/* Bug caught: clients share a buffer, or the server handles one client at
 * a time and the others time out. */
START_TEST(hundred_clients)
{
    enum { N = 100 };
    struct h_proc *s = start_server("-n", "100");
    struct h_proc *c[N];
    char text[N][32], want[N][40];
    for (int i = 0; i < N; i++) {
        snprintf(text[i], sizeof text[i], "client %03d of many", i);
        snprintf(want[i], sizeof want[i], "CLIENT %03d OF MANY\n", i);
        c[i] = h_start(NULL, "ucli", text[i], NULL);
    }
    for (int i = 0; i < N; i++) {
        h_wait(c[i], 0);
        h_expect_exit(c[i], 0);
        h_expect_stdout(c[i], want[i]);
    }
    h_wait(s, 0);
    h_expect_exit(s, 0);
    h_expect_no_fifos(NULL);
}
END_TEST

/* Bug caught: the server serves one client at a time: a client that
 * connects and sends nothing blocks everyone after it. */
START_TEST(idle_client)
{
    struct h_proc *s = start_server(NULL, NULL);
    struct h_proc *idle = h_start(NULL, "ucli", "--idle", "x", NULL);
    if (!h_await_stdout(idle, "ucli: connected, idle\n", 0))
        h_fail("ucli --idle never said \"ucli: connected, idle\"\n"
               "  stderr: %s",
               h_quote(idle->err, idle->err_len));
    struct h_proc *b = h_run(NULL, "ucli", "not blocked", NULL);
    if (b->timed_out)
        h_fail("while one client was connected and silent, another got no "
               "reply: serve every client at once (poll, or a process per "
               "client), never wait on one\n  command: %s",
               b->cmd);
    h_expect_exit(b, 0);
    h_expect_stdout(b, "NOT BLOCKED\n");
    h_kill(idle, SIGKILL);
    h_wait(idle, 0);
    stop_server(s);
}
END_TEST

/* Bug caught: one read() is taken for a whole header or message: bytes
 * that arrive in pieces are lost or misread. */
START_TEST(partial_reads)
{
    struct h_proc *s = start_server(NULL, NULL);
    int fd = raw_connect();
    static const unsigned char hdr[4] = {0, 0, 0, 5};
    raw_write(fd, hdr, 2);
    expect_ucli("sync one", "SYNC ONE\n"); /* the 2 bytes have been read */
    raw_write(fd, hdr + 2, 2);
    raw_write(fd, "he", 2);
    expect_ucli("sync two", "SYNC TWO\n");
    raw_write(fd, "llo", 3);
    size_t len;
    bool eof;
    char *got = raw_read(fd, 64, &len, &eof);
    static const char want[] = "\0\0\0\5HELLO";
    if (len != 9 || memcmp(got, want, 9) != 0)
        h_fail("a request sent in five pieces (2 + 2 header bytes, then "
               "\"he\", \"llo\") got the reply %s; want the frame %s: keep "
               "reading until the count is whole",
               h_quote(got, len), h_quote(want, 9));
    free(got);
    close(fd);
    stop_server(s);
}
END_TEST

/* Bug caught: the length is read or written in host byte order (on this
 * little-endian machine, 300 becomes 738263040). */
START_TEST(byte_order)
{
    struct h_proc *s = start_server(NULL, NULL);
    char text[300];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + i % 26);
    int fd = raw_connect();
    uint32_t be = htonl(300);
    raw_write(fd, &be, 4);
    raw_write(fd, text, sizeof text);
    size_t len;
    bool eof;
    char *got = raw_read(fd, 304, &len, &eof);
    char *want = frame(text, sizeof text);
    if (len != 304 || memcmp(got, want, 304) != 0)
        h_fail("a 300-byte request (length 00 00 01 2c, big-endian) got %zu "
               "bytes back: %s; want 00 00 01 2c and the text in upper "
               "case: use htonl and ntohl",
               len, h_quote(got, len));
    free(got);
    free(want);
    close(fd);
    stop_server(s);
}
END_TEST

/* Bug caught: ucli sends or reads its lengths in host byte order (no
 * htonl/ntohl).  The test is the server here: it listens on usrv.sock
 * itself, so it sees the very bytes ucli sends. */
START_TEST(client_byte_order)
{
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = sock_address();
    if (ls == -1 || bind(ls, (struct sockaddr *)&a, sizeof a) == -1 ||
        listen(ls, 4) == -1)
        h_fail("harness: listen on usrv.sock: %s", strerror(errno));
    struct h_proc *c = h_start(NULL, "ucli", "hello", NULL);
    struct pollfd p = {.fd = ls, .events = POLLIN};
    struct h_budget bu = h_budget(H_TIMEOUT);
    double left;
    int r = 0;
    while (r != 1 && (left = h_budget_left(&bu)) > 0)
        r = poll(&p, 1, (int)(left * 1000) + 1);
    if (r != 1) {
        h_wait(c, 0.1);
        h_fail("ucli never connected to usrv.sock\n  stderr: %s\n"
               "  command: %s",
               h_quote(c->err, c->err_len), c->cmd);
    }
    int fd = accept(ls, NULL, NULL);
    if (fd == -1)
        h_fail("harness: accept: %s", strerror(errno));
    size_t len;
    bool eof;
    char *got = raw_read(fd, 9, &len, &eof);
    static const unsigned char want[9] = {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};
    if (len >= 4 && memcmp(got, "\5\0\0\0", 4) == 0)
        h_fail("ucli sent the length of \"hello\" as 05 00 00 00, in this "
               "machine's byte order: the protocol wants 00 00 00 05 "
               "(big-endian): htonl() it\n  command: %s",
               c->cmd);
    if (len != 9 || memcmp(got, want, 9) != 0)
        h_fail("ucli should send 00 00 00 05 \"hello\", but sent %s\n"
               "  command: %s",
               h_quote(got, len), c->cmd);
    free(got);
    /* The reply, big-endian: a ucli without ntohl reads 83886080. */
    static const unsigned char reply[9] = {0, 0, 0, 5, 'H', 'E', 'L', 'L', 'O'};
    raw_write(fd, reply, sizeof reply);
    h_wait(c, 0);
    close(fd);
    close(ls);
    unlink("usrv.sock");
    if (c->done && !c->timed_out && WIFEXITED(c->status) &&
        WEXITSTATUS(c->status) != 0)
        h_fail("ucli got the reply 00 00 00 05 \"HELLO\" and failed: a "
               "length read without ntohl() is 83886080\n  stderr: %s\n"
               "  command: %s",
               h_quote(c->err, c->err_len), c->cmd);
    h_expect_exit(c, 0);
    h_expect_stdout(c, "HELLO\n");
}
END_TEST

/* Bug caught: no limit on the announced length: the server tries to
 * allocate and wait for gigabytes. */
START_TEST(too_long)
{
    struct h_proc *s = start_server(NULL, NULL);
    int fd = raw_connect();
    /* Header and the first bytes in one send: a server that refuses the
     * header at once may close before a second send (EPIPE). */
    unsigned char req[7] = {0x7f, 0xff, 0xff, 0xf0, 'a', 'b', 'c'};
    raw_write(fd, req, sizeof req);
    size_t len;
    bool eof;
    char *got = raw_read(fd, 16, &len, &eof);
    free(got);
    close(fd);
    if (!eof)
        h_fail("a client that announced 2147483632 bytes was not dropped: "
               "refuse lengths above %u and close the connection",
               MAXLEN);
    expect_ucli("still here?", "STILL HERE?\n");
    stop_server(s);
    h_expect_stderr_has(s, "more than", NULL);
}
END_TEST

/* Bug caught: an off-by-one at the limit, or a partial write not
 * finished: a 65536-byte message must come back whole. */
START_TEST(biggest_message)
{
    char *text = malloc(MAXLEN + 2);
    for (size_t i = 0; i < MAXLEN; i++)
        text[i] = (char)('a' + i % 26);
    text[MAXLEN] = '\0';
    char *want = frame(text, MAXLEN);
    memmove(want, want + 4, MAXLEN);
    want[MAXLEN] = '\n';
    want[MAXLEN + 1] = '\0';
    struct h_proc *s = start_server("-n", "1");
    expect_ucli(text, want);
    h_wait(s, 0);
    h_expect_exit(s, 0);
    text[MAXLEN] = 'x';
    text[MAXLEN + 1] = '\0';
    struct h_proc *c = h_run(NULL, "ucli", text, NULL);
    h_expect_exit(c, 2);
    free(text);
    free(want);
}
END_TEST

/* Bug caught: SIGPIPE is not ignored: a client that vanishes before its
 * reply kills the server. */
START_TEST(vanishing_client)
{
    struct h_proc *s = start_server(NULL, NULL);
    h_kill(s, SIGSTOP);
    if (!h_await_stopped(s->pid, 0))
        h_fail("harness: usrv did not stop on SIGSTOP");
    int fd = raw_connect(); /* the kernel queues it while usrv sleeps */
    static char text[5000];
    memset(text, 'q', sizeof text);
    uint32_t be = htonl(sizeof text);
    raw_write(fd, &be, 4);
    raw_write(fd, text, sizeof text);
    close(fd); /* gone before usrv can write the reply */
    h_kill(s, SIGCONT);
    struct h_proc *c = h_run(NULL, "ucli", "after", NULL);
    if (s->done || c->timed_out || !WIFEXITED(c->status) ||
        WEXITSTATUS(c->status) != 0) {
        h_wait(s, 0.2);
        h_fail("after a client sent a request and closed before the reply, "
               "usrv %s: ignore SIGPIPE (or send with MSG_NOSIGNAL) and "
               "drop that client on EPIPE\n  usrv's stderr: %s",
               s->done && WIFSIGNALED(s->status) ? "was killed by a signal"
                                                 : "stopped serving",
               h_quote(s->err, s->err_len));
    }
    h_expect_stdout(c, "AFTER\n");
    stop_server(s);
}
END_TEST

/* Bug caught: no handler for SIGTERM: usrv dies and usrv.sock stays. */
START_TEST(sigterm)
{
    struct h_proc *s = start_server(NULL, NULL);
    struct h_proc *idle = h_start(NULL, "ucli", "--idle", "x", NULL);
    h_await_stdout(idle, "ucli: connected, idle\n", 0);
    expect_ucli("one", "ONE\n");
    h_kill(s, SIGTERM);
    h_wait(s, 0);
    h_expect_exit(s, 0);
    h_expect_stdout(s, READY "usrv: SIGTERM: removed usrv.sock (clients "
                             "served: 1)\n");
    h_expect_no_fifos(NULL);
    h_kill(idle, SIGKILL);
    h_wait(idle, 0);
}
END_TEST

/* Bug caught: a leftover usrv.sock (a killed server's) makes bind fail
 * with EADDRINUSE for ever. */
START_TEST(stale_socket)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = sock_address();
    if (fd == -1 || bind(fd, (struct sockaddr *)&a, sizeof a) == -1)
        h_fail("harness: bind: %s", strerror(errno));
    close(fd); /* the path stays; nobody listens */
    struct h_proc *s = start_server("-n", "1");
    expect_ucli("fresh", "FRESH\n");
    h_wait(s, 0);
    h_expect_exit(s, 0);
    h_expect_stderr_has(s, "stale", NULL);
    h_expect_no_fifos(NULL);
}
END_TEST

/* Bug caught: usrv.sock is unlinked whatever it is: a live server loses
 * its path, or a user's file is deleted. */
START_TEST(path_taken)
{
    struct h_proc *s = start_server(NULL, NULL);
    struct h_proc *t = h_run(NULL, "usrv", NULL);
    h_expect_exit(t, 1);
    h_expect_stderr_has(t, "another usrv", NULL);
    expect_ucli("first still serves", "FIRST STILL SERVES\n");
    stop_server(s);
    h_write_file(h_path("usrv.sock"), "my notes\n", 9);
    t = h_run(NULL, "usrv", NULL);
    h_expect_exit(t, 1);
    h_expect_stderr_has(t, "not a socket", NULL);
    size_t len;
    char *kept = h_read_file(h_path("usrv.sock"), &len);
    if (kept == NULL || len != 9 || memcmp(kept, "my notes\n", 9) != 0)
        h_fail("usrv removed or changed a regular file named usrv.sock: "
               "never unlink what is not a socket");
    free(kept);
    unlink(h_path("usrv.sock"));
}
END_TEST

/* Bug caught: ucli hangs, or succeeds, without a server. */
START_TEST(no_server)
{
    struct h_proc *c = h_run(NULL, "ucli", "anyone?", NULL);
    h_expect_exit(c, 1);
    h_expect_stderr_has(c, "start usrv", NULL);
}
END_TEST

/* Bug caught: upair never reaps its child (a zombie), or the child does
 * not stop at end of file. */
START_TEST(socketpair_round)
{
    struct h_proc *p = h_run(NULL, "upair", "one", "Two", "", "3 x", NULL);
    h_expect_exit(p, 0);
    h_expect_stdout(p, "upair: one -> ONE\nupair: Two -> TWO\nupair:  -> \n"
                       "upair: 3 x -> 3 X\n");
    h_expect_reaped(p);
}
END_TEST

/* Bug caught: the command line is not checked. */
START_TEST(usage)
{
    static const char *const cases[][4] = {
        {"usrv", "-n", "0", NULL}, {"usrv", "extra", NULL, NULL},
        {"usrv", "-n", "x", NULL}, {"ucli", NULL, NULL, NULL},
        {"ucli", "a", "b", NULL},  {"upair", NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct h_proc *p =
            h_run(NULL, cases[i][0], cases[i][1], cases[i][2], NULL);
        h_expect_exit(p, 2);
        h_expect_stderr_has(p, "usage:", NULL);
    }
    h_expect_no_fifos(NULL);
}
END_TEST

static const struct h_test tests[] = {
    {&one_client, 2, "one client, then an empty message; path removed",
     "usrv.sock left after COUNT clients"},
    {&hundred_clients, 3, "100 clients at once, each its own reply",
     "clients share a buffer, or are served one by one"},
    {&idle_client, 3, "a silent client does not block the others",
     "a server that waits on one client at a time"},
    {&partial_reads, 3, "a request in five pieces is read whole",
     "one read() taken for a whole header or message"},
    {&byte_order, 2, "lengths are big-endian both ways",
     "host byte order instead of htonl/ntohl"},
    {&client_byte_order, 2, "ucli sends and reads big-endian lengths",
     "ucli without htonl/ntohl: the length goes out in host order"},
    {&too_long, 2, "an announced 2 GiB is refused, the server goes on",
     "no limit on the announced length"},
    {&biggest_message, 2, "65536 bytes come back whole; 65537 refused",
     "an off-by-one at the limit, or a partial write"},
    {&vanishing_client, 3, "a client gone before its reply: server survives",
     "SIGPIPE not ignored: the server dies"},
    {&sigterm, 2, "SIGTERM: path removed, status 0",
     "no signal handler: usrv.sock left behind"},
    {&stale_socket, 2, "a stale usrv.sock is removed and replaced",
     "bind fails for ever on a leftover path"},
    {&path_taken, 2, "a live server's path and a plain file are left alone",
     "unlinking whatever usrv.sock is"},
    {&no_server, 1, "ucli without a server: error, status 1",
     "ucli hangs without a server"},
    {&socketpair_round, 2, "upair: four texts through a socketpair",
     "the child never reaped"},
    {&usage, 1, "bad arguments: usage line, status 2", "no argument check"},
};

H_LAB("13-socket", "usock.h usrv.c ucli.c upair.c", "usrv ucli upair", tests)
